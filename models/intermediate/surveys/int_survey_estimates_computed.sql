{#- Weighted (post-stratified) and unweighted estimates of every survey item,
    with the design-based standard error of the weighted estimate (Taylor
    linearisation, stratified by post-stratum, with the finite population
    correction) and a 95 % confidence interval, for three kinds of domain:
    municipality × policy area or association field, municipality, and the
    whole survey; by wave. See the doc block survey_estimates. -#}
with

weighted_answers as (
    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        value_set,
        wave,
        answer_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from {{ ref('int_survey_answers_weighted') }}
),

-- One observation per answer and statistic: y is 1 or 0 for a share, the
-- answer itself for a mean.
observations as (
    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'share_yes' as statistic,
        wave,
        cast(case when answer_value = 1 then 1 else 0 end as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set in ('yes_no', 'yes_no_filtered')

    union all

    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'mean' as statistic,
        wave,
        cast(answer_value as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set in ('likert5', 'count')

    union all

    select
        survey_answer_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        'share_agreeing' as statistic,
        wave,
        cast(case when answer_value >= 4 then 1 else 0 end as float8) as observed_value,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from weighted_answers
    where value_set = 'likert5'
),

-- Answers counted per post-stratum and value in the finest domains
-- (municipality × policy area or association field). Every sum below runs
-- over these counts in a fixed order (post-stratum, value), so a rebuild
-- gives the same bits whatever order the database reads the answers in.
area_value_counts as (
    select
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        count(*) as answer_count,
        min(post_stratum_invited_count) as stratum_invited_count,
        min(post_stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from observations
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

-- Each answer belongs to one domain of each level: the municipality's and the
-- survey's counts add up those of their finest domains (far fewer rows than
-- the answers).
municipality_value_counts as (
    select
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        cast(sum(answer_count) as bigint) as answer_count,
        min(stratum_invited_count) as stratum_invited_count,
        min(stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from area_value_counts
    group by 1, 2, 3, 4, 5, 6, 7
),

survey_value_counts as (
    select
        survey,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        cast(sum(answer_count) as bigint) as answer_count,
        min(stratum_invited_count) as stratum_invited_count,
        min(stratum_responded_count) as stratum_responded_count,
        min(nonresponse_weight) as nonresponse_weight
    from municipality_value_counts
    group by 1, 2, 3, 4, 5, 6
),

value_counts as (
    select
        'municipality_area' as domain_level,
        kommunekode || '-' || coalesce(policy_area_code, association_field_code) as domain_code,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from area_value_counts

    union all

    select
        'municipality' as domain_level,
        kommunekode as domain_code,
        survey,
        kommunekode,
        cast(null as varchar) as policy_area_code,
        cast(null as varchar) as association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from municipality_value_counts

    union all

    select
        'survey' as domain_level,
        'all' as domain_code,
        survey,
        cast(null as varchar) as kommunekode,
        cast(null as varchar) as policy_area_code,
        cast(null as varchar) as association_field_code,
        survey_item_id,
        statistic,
        wave,
        post_stratum_id,
        observed_value,
        answer_count,
        stratum_invited_count,
        stratum_responded_count,
        nonresponse_weight
    from survey_value_counts
),

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

-- Per post-stratum: (1 - n_h/N_h) · n_h/(n_h - 1) · w_h² · Σ (e_i - ē_h)²,
-- with w_h = N_h/n_h, which is N_h (N_h - n_h) / (n_h (n_h - 1)) times
-- (Σ e_i² - (Σ e_i)² / n_h); divided by the squared weighted base below.
linearised as (
    select
        domain_level,
        domain_code,
        survey_item_id,
        statistic,
        wave,
        sum(
            cast(stratum_invited_count as float8)
            * (stratum_invited_count - stratum_responded_count)
            / (cast(stratum_responded_count as float8) * (stratum_responded_count - 1))
            * (residual_square_sum - residual_sum * residual_sum / stratum_responded_count)
            order by post_stratum_id
        ) as linearised_sum
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
        / (cells.weighted_base * cells.weighted_base) as sampling_variance
    from cells
    inner join linearised
        on
            cells.domain_level = linearised.domain_level
            and cells.domain_code = linearised.domain_code
            and cells.survey_item_id = linearised.survey_item_id
            and cells.statistic = linearised.statistic
            and cells.wave = linearised.wave
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
        wave,
        cast(answer_base as integer) as answer_base,
        cast(post_stratum_count as integer) as post_stratum_count,
        cast(distinct_value_count as integer) as distinct_value_count,
        cast(weighted_base as float8) as weighted_base,
        cast(unweighted_estimate as float8) as unweighted_estimate,
        cast(weighted_estimate as float8) as weighted_estimate,
        cast(sampling_variance as float8) as sampling_variance,
        cast(sqrt(sampling_variance) as float8) as standard_error,
        cast(
            weighted_estimate
            - cast({{ var('confidence_z') }} as float8) * sqrt(sampling_variance)
            as float8
        ) as ci_lower,
        cast(
            weighted_estimate
            + cast({{ var('confidence_z') }} as float8) * sqrt(sampling_variance)
            as float8
        ) as ci_upper
    from estimates
)

select * from final
