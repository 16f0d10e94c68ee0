{#- Attitudes to co-production, institutions versus associations: for each
    attitude item asked in both surveys, the mean on the 1-5 agreement scale and
    the share agreeing (4 or 5), by wave and survey, over all five
    municipalities. Unweighted means of the respondents beside weighted ones
    (nonresponse weights of the post-strata) with standard errors and 95 %
    confidence intervals. Valid answers only. -#}
with

survey_estimates as (
    select
        survey_item_id,
        statistic,
        wave,
        answer_base,
        unweighted_estimate,
        weighted_estimate,
        standard_error,
        ci_lower,
        ci_upper
    from {{ ref('int_survey_estimates_computed') }}
    where
        domain_level = 'survey'
        and statistic in ('mean', 'share_agreeing')
),

survey_items as (
    select
        survey_item_id,
        survey,
        construct,
        question_en
    from {{ ref('dim_survey_items') }}
    where topic = 'attitude'
),

means as (
    select * from survey_estimates
    where statistic = 'mean'
),

shares as (
    select * from survey_estimates
    where statistic = 'share_agreeing'
),

joined as (
    select
        survey_items.construct,
        survey_items.survey,
        survey_items.question_en,
        means.wave,
        means.answer_base,
        means.unweighted_estimate as mean_unweighted,
        means.weighted_estimate as mean_weighted,
        means.standard_error as mean_standard_error,
        means.ci_lower as mean_ci_lower,
        means.ci_upper as mean_ci_upper,
        shares.unweighted_estimate as share_unweighted,
        shares.weighted_estimate as share_weighted,
        shares.standard_error as share_standard_error,
        shares.ci_lower as share_ci_lower,
        shares.ci_upper as share_ci_upper,
        means.answer_base < {{ var('min_cell_size') }} as is_suppressed
    from means
    inner join survey_items
        on means.survey_item_id = survey_items.survey_item_id
    inner join shares
        on
            means.survey_item_id = shares.survey_item_id
            and means.wave = shares.wave
),

final as (
    select
        construct || '-' || survey || '-' || cast(wave as varchar) as attitude_cell_id,
        construct,
        survey,
        question_en,
        wave,
        cast(answer_base as integer) as answer_base,
        cast(case when not is_suppressed then mean_unweighted end as float8) as mean_agreement,
        cast(case when not is_suppressed then mean_weighted end as float8)
            as weighted_mean_agreement,
        cast(case when not is_suppressed then mean_standard_error end as float8)
            as mean_agreement_standard_error,
        cast(case when not is_suppressed then mean_ci_lower end as float8)
            as mean_agreement_ci_lower,
        cast(case when not is_suppressed then mean_ci_upper end as float8)
            as mean_agreement_ci_upper,
        cast(case when not is_suppressed then share_unweighted end as float8) as share_agreeing,
        cast(case when not is_suppressed then share_weighted end as float8)
            as weighted_share_agreeing,
        cast(case when not is_suppressed then share_standard_error end as float8)
            as share_agreeing_standard_error,
        cast(case when not is_suppressed then share_ci_lower end as float8)
            as share_agreeing_ci_lower,
        cast(case when not is_suppressed then share_ci_upper end as float8)
            as share_agreeing_ci_upper,
        is_suppressed
    from joined
)

select * from final
