{#- Institutions cooperating with associations, and with volunteers attached,
    by municipality and wave (all policy areas together): one row per cell and
    item, the weighted share with its interval, the unweighted share, and the valid
    answers; withheld where the suppression pattern says so. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_cooperation_by_municipality'
),

survey_estimates as (
    select
        survey_estimate_id,
        survey,
        kommunekode,
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
),

survey_items as (
    select
        survey_item_id,
        construct
    from {{ ref('survey_items') }}
),

suppression_pattern as (
    select
        release_cell_id,
        is_suppressed,
        suppression_reason
    from {{ ref('stg_disclosure__suppression_pattern') }}
),

joined as (
    select
        cells.release_cell_id,
        survey_estimates.survey,
        survey_estimates.kommunekode,
        survey_estimates.survey_item_id,
        survey_items.construct,
        survey_estimates.statistic,
        suppression_pattern.suppression_reason,
        survey_estimates.wave,
        survey_estimates.answer_base as unit_count,
        survey_estimates.weighted_estimate as estimate,
        survey_estimates.unweighted_estimate,
        survey_estimates.standard_error,
        survey_estimates.ci_lower,
        survey_estimates.ci_upper,
        coalesce(suppression_pattern.is_suppressed, true) as is_suppressed
    from cells
    inner join survey_estimates
        on cells.source_id = survey_estimates.survey_estimate_id
    inner join survey_items
        on survey_estimates.survey_item_id = survey_items.survey_item_id
    left join suppression_pattern
        on cells.release_cell_id = suppression_pattern.release_cell_id
),

final as (
    select
        release_cell_id,
        survey,
        kommunekode,
        survey_item_id,
        construct,
        statistic,
        {{ released_suppression_reason('suppression_reason') }},
        wave,
        {{ released_survey_estimate() }},
        is_suppressed
    from joined
)

select * from final
