{#- Change between consecutive waves within the panel (the institutions and
    associations that answered both): per survey, item, pair of waves and
    domain (municipality, and all municipalities), the pairs with a valid
    answer in both waves, the share or mean in each wave and the mean change
    with its interval; withheld where the suppression pattern says so. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_panel_change'
),

panel_changes as (
    select
        panel_change_id,
        domain_level,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        pair_count,
        value_from,
        value_to,
        change,
        standard_error,
        ci_lower,
        ci_upper
    from {{ ref('int_panel_changes_computed') }}
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
        panel_changes.domain_level,
        panel_changes.survey,
        panel_changes.kommunekode,
        panel_changes.survey_item_id,
        survey_items.construct,
        panel_changes.statistic,
        suppression_pattern.suppression_reason,
        panel_changes.from_wave,
        panel_changes.to_wave,
        panel_changes.pair_count as unit_count,
        panel_changes.value_from,
        panel_changes.value_to,
        panel_changes.change as estimate,
        panel_changes.standard_error,
        panel_changes.ci_lower,
        panel_changes.ci_upper,
        coalesce(suppression_pattern.is_suppressed, true) as is_suppressed
    from cells
    inner join panel_changes
        on cells.source_id = panel_changes.panel_change_id
    inner join survey_items
        on panel_changes.survey_item_id = survey_items.survey_item_id
    left join suppression_pattern
        on cells.release_cell_id = suppression_pattern.release_cell_id
),

final as (
    select
        release_cell_id,
        domain_level,
        survey,
        kommunekode,
        survey_item_id,
        construct,
        statistic,
        {{ released_suppression_reason('suppression_reason') }},
        from_wave,
        to_wave,
        {{ released_measures(
            [
                'unit_count', 'value_from', 'value_to', 'estimate', 'standard_error',
                'ci_lower', 'ci_upper'
            ],
            nearest=['value_from', 'value_to', 'estimate', 'standard_error'],
            down=['ci_lower'],
            up=['ci_upper']
        ) }},
        is_suppressed
    from joined
)

select * from final
