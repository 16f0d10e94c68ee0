{#- Share of institutions that cooperate with associations, and that have
    volunteers attached, by wave and municipality (all policy areas): the
    unweighted share of respondents beside the weighted share (nonresponse
    weights of the post-strata, municipality × policy area), which estimates
    the share among all invited institutions, with its standard error and
    95 % confidence interval. Valid answers only. -#}
with

survey_estimates as (
    select
        kommunekode,
        survey_item_id,
        wave,
        answer_base,
        unweighted_estimate,
        weighted_estimate,
        standard_error,
        ci_lower,
        ci_upper
    from {{ ref('int_survey_estimates_computed') }}
    where
        domain_level = 'municipality'
        and statistic = 'share_yes'
        and survey_item_id in (
            'institution__coop_associations', 'institution__coop_volunteers'
        )
),

cells as (
    select distinct
        kommunekode,
        wave
    from survey_estimates
),

associations as (
    select * from survey_estimates
    where survey_item_id = 'institution__coop_associations'
),

volunteers as (
    select * from survey_estimates
    where survey_item_id = 'institution__coop_volunteers'
),

joined as (
    select
        cells.kommunekode,
        cells.wave,
        coalesce(associations.answer_base, 0) as associations_base,
        associations.unweighted_estimate as associations_unweighted,
        associations.weighted_estimate as associations_weighted,
        associations.standard_error as associations_standard_error,
        associations.ci_lower as associations_ci_lower,
        associations.ci_upper as associations_ci_upper,
        coalesce(volunteers.answer_base, 0) as volunteers_base,
        volunteers.unweighted_estimate as volunteers_unweighted,
        volunteers.weighted_estimate as volunteers_weighted,
        volunteers.standard_error as volunteers_standard_error,
        volunteers.ci_lower as volunteers_ci_lower,
        volunteers.ci_upper as volunteers_ci_upper,
        coalesce(associations.answer_base, 0) < {{ var('min_cell_size') }}
        or coalesce(volunteers.answer_base, 0) < {{ var('min_cell_size') }} as is_suppressed
    from cells
    left join associations
        on
            cells.kommunekode = associations.kommunekode
            and cells.wave = associations.wave
    left join volunteers
        on
            cells.kommunekode = volunteers.kommunekode
            and cells.wave = volunteers.wave
),

final as (
    select
        kommunekode || '-' || cast(wave as varchar) as cooperation_municipality_id,
        kommunekode,
        wave,
        cast(associations_base as integer) as associations_base,
        cast(case when not is_suppressed then associations_unweighted end as float8)
            as share_cooperating_with_associations,
        cast(case when not is_suppressed then associations_weighted end as float8)
            as weighted_share_cooperating_with_associations,
        cast(case when not is_suppressed then associations_standard_error end as float8)
            as associations_standard_error,
        cast(case when not is_suppressed then associations_ci_lower end as float8)
            as associations_ci_lower,
        cast(case when not is_suppressed then associations_ci_upper end as float8)
            as associations_ci_upper,
        cast(volunteers_base as integer) as volunteers_base,
        cast(case when not is_suppressed then volunteers_unweighted end as float8)
            as share_with_volunteers,
        cast(case when not is_suppressed then volunteers_weighted end as float8)
            as weighted_share_with_volunteers,
        cast(case when not is_suppressed then volunteers_standard_error end as float8)
            as volunteers_standard_error,
        cast(case when not is_suppressed then volunteers_ci_lower end as float8)
            as volunteers_ci_lower,
        cast(case when not is_suppressed then volunteers_ci_upper end as float8)
            as volunteers_ci_upper,
        is_suppressed
    from joined
)

select * from final
