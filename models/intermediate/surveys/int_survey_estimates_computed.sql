{#- Weighted (post-stratified) and unweighted estimates of every survey item
    for three kinds of domain (municipality × policy area or association
    field, municipality, the whole survey) by wave, with the design-based
    standard error of the weighted estimate (Taylor linearisation, stratified
    by post-stratum, model-based: no finite population correction), the
    design's degrees of freedom, the effective sample size and a confidence
    interval at the var confidence_level: Wilson's score interval with the
    effective sample size and a t quantile for shares, a t interval for means.
    See the doc blocks estimand and survey_estimates. -#}
{{ config(pre_hook="{{ postgres_without_nested_loops() }}") }}

with

value_counts as (
    select
        domain_level,
        domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        post_stratum_id,
        wave,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from {{ ref('int_survey_values_counted') }}
),

t_quantiles as (
    select
        degrees_of_freedom,
        t_quantile
    from {{ ref('int_student_t_quantiles_extended') }}
),

-- Every sum runs over the value counts in a fixed order (post-stratum,
-- value), so a rebuild gives the same bits whatever order the rows come in.
cells as (
    select
        domain_level,
        domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        wave,
        sum(answer_count) as answer_base,
        count(distinct post_stratum_id) as post_stratum_count,
        count(distinct observed_value) as distinct_value_count,
        sum(
            nonresponse_weight * answer_count order by post_stratum_id, observed_value
        ) as weighted_base,
        sum(
            nonresponse_weight * answer_count * observed_value
            order by post_stratum_id, observed_value
        )
        / sum(
            nonresponse_weight * answer_count order by post_stratum_id, observed_value
        ) as weighted_estimate,
        sum(answer_count * observed_value) / sum(answer_count) as unweighted_estimate
    from value_counts
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

-- Residuals e_i = y_i - R of the domain's valid answers, summed per
-- post-stratum; respondents outside the domain or without a valid answer
-- have e_i = 0 and count only through n_h.
stratum_residuals as (
    select
        value_counts.domain_level,
        value_counts.domain_code,
        value_counts.survey_item_id,
        value_counts.statistic,
        value_counts.wave,
        value_counts.post_stratum_id,
        min(value_counts.stratum_invited_count) as stratum_invited_count,
        min(value_counts.stratum_responded_count) as stratum_responded_count,
        min(value_counts.nonresponse_weight) as nonresponse_weight,
        sum(
            value_counts.answer_count * (value_counts.observed_value - cells.weighted_estimate)
            order by value_counts.observed_value
        ) as residual_sum,
        sum(
            value_counts.answer_count
            * (value_counts.observed_value - cells.weighted_estimate)
            * (value_counts.observed_value - cells.weighted_estimate)
            order by value_counts.observed_value
        ) as residual_square_sum
    from value_counts
    inner join cells
        on
            value_counts.domain_level = cells.domain_level
            and value_counts.domain_code = cells.domain_code
            and value_counts.survey_item_id = cells.survey_item_id
            and value_counts.statistic = cells.statistic
            and value_counts.wave = cells.wave
    group by 1, 2, 3, 4, 5, 6
),

-- Per post-stratum: n_h/(n_h - 1) · w_h² · Σ (e_i - ē_h)², with w_h = N_h/n_h,
-- which is N_h² / (n_h (n_h - 1)) times (Σ e_i² - (Σ e_i)² / n_h); and
-- w_h Σ e_i², the weighted sum of squares of the element variance.
linearised as (
    select
        domain_level,
        domain_code,
        survey_item_id,
        statistic,
        wave,
        sum(
            cast(stratum_invited_count as float8)
            * stratum_invited_count
            / (cast(stratum_responded_count as float8) * (stratum_responded_count - 1))
            * (residual_square_sum - residual_sum * residual_sum / stratum_responded_count)
            order by post_stratum_id
        ) as linearised_sum,
        sum(nonresponse_weight * residual_square_sum order by post_stratum_id)
            as weighted_square_sum
    from stratum_residuals
    group by 1, 2, 3, 4, 5
),

estimates as (
    select
        cells.domain_level,
        cells.domain_code,
        cells.survey,
        cells.kommunekode,
        cells.policy_area_code,
        cells.association_field_code,
        cells.survey_item_id,
        cells.statistic,
        cells.wave,
        cells.answer_base,
        cells.post_stratum_count,
        cells.distinct_value_count,
        cells.weighted_base,
        cells.unweighted_estimate,
        cells.weighted_estimate,
        greatest(linearised.linearised_sum, 0.0)
        / (cells.weighted_base * cells.weighted_base) as sampling_variance,
        linearised.weighted_square_sum / cells.weighted_base as element_variance,
        greatest(cells.answer_base - cells.post_stratum_count, 1) as degrees_of_freedom
    from cells
    inner join linearised
        on
            cells.domain_level = linearised.domain_level
            and cells.domain_code = linearised.domain_code
            and cells.survey_item_id = linearised.survey_item_id
            and cells.statistic = linearised.statistic
            and cells.wave = linearised.wave
),

-- n* = σ̂² / V(R), the answers a simple random sample would need for the same
-- variance, at most the answers themselves (a design effect below 1 is
-- taken as 1); where V(R) or σ̂² is 0 (every answer alike), n* = n.
effective as (
    select
        estimates.*,
        case
            when estimates.sampling_variance > 0 and estimates.element_variance > 0
                then
                    least(
                        cast(estimates.answer_base as float8),
                        estimates.element_variance / estimates.sampling_variance
                    )
            else cast(estimates.answer_base as float8)
        end as effective_sample_size,
        t_quantiles.t_quantile
    from estimates
    inner join t_quantiles
        on estimates.degrees_of_freedom = t_quantiles.degrees_of_freedom
),

intervals as (
    select
        *,
        case when statistic = 'mean' then 'student_t' else 'wilson' end as interval_method
    from effective
),

final as (
    select
        survey_item_id
        || '-' || statistic
        || '-' || cast(wave as varchar)
        || '-' || domain_level
        || '-' || domain_code as survey_estimate_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        interval_method,
        wave,
        cast(answer_base as integer) as answer_base,
        cast(post_stratum_count as integer) as post_stratum_count,
        cast(distinct_value_count as integer) as distinct_value_count,
        cast(degrees_of_freedom as integer) as degrees_of_freedom,
        cast(weighted_base as float8) as weighted_base,
        cast(unweighted_estimate as float8) as unweighted_estimate,
        cast(weighted_estimate as float8) as weighted_estimate,
        cast(sampling_variance as float8) as sampling_variance,
        cast(sqrt(sampling_variance) as float8) as standard_error,
        cast(effective_sample_size as float8) as effective_sample_size,
        cast(t_quantile as float8) as critical_value,
        cast(
            case
                when interval_method = 'student_t'
                    then weighted_estimate - t_quantile * sqrt(sampling_variance)
                else
                    {{ wilson_bound(
                        'weighted_estimate', 'effective_sample_size', 't_quantile', 'lower'
                    ) }}
            end as float8
        ) as ci_lower,
        cast(
            case
                when interval_method = 'student_t'
                    then weighted_estimate + t_quantile * sqrt(sampling_variance)
                else
                    {{ wilson_bound(
                        'weighted_estimate', 'effective_sample_size', 't_quantile', 'upper'
                    ) }}
            end as float8
        ) as ci_upper
    from intervals
)

select * from final
