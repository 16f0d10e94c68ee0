{#- The study's published figures beside the warehouse's: every row of the
    published_figures seed with its source, the construct the warehouse
    computes (items, wave, base), its estimate and interval (counts and
    response rates are exact) and whether the published value lies inside;
    the warehouse's values withheld where the suppression pattern says so.
    The figures are cells of the release tier's linear system
    (int_figure_terms_listed), protected with the tables they overlap. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_published_figures'
),

published_figures as (
    select
        figure_id,
        source_cell_id,
        figure,
        survey,
        statistic,
        survey_item_id,
        construct_items,
        denominator,
        domain_level,
        domain_code,
        kommunekode,
        unit,
        source,
        source_detail,
        note,
        wave,
        unit_count,
        published_value,
        rounding_unit,
        estimate,
        ci_lower,
        ci_upper,
        is_exact,
        is_published_value_inside_interval
    from {{ ref('int_published_figures_computed') }}
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
        published_figures.*,
        suppression_pattern.suppression_reason,
        coalesce(suppression_pattern.is_suppressed, true) as is_suppressed
    from cells
    inner join published_figures
        on cells.source_id = published_figures.figure_id
    left join suppression_pattern
        on cells.release_cell_id = suppression_pattern.release_cell_id
),

final as (
    select
        release_cell_id,
        figure_id,
        source_cell_id,
        figure,
        survey,
        statistic,
        survey_item_id,
        construct_items,
        denominator,
        domain_level,
        domain_code,
        kommunekode,
        unit,
        source,
        source_detail,
        note,
        {{ released_suppression_reason('suppression_reason') }},
        wave,
        published_value,
        rounding_unit,
        {{ released_measures(
            ['unit_count', 'estimate', 'ci_lower', 'ci_upper'],
            nearest=['estimate'],
            down=['ci_lower'],
            up=['ci_upper'],
            percent_where="unit = 'percent'"
        ) }},
        is_exact,
        {{ released_measures(['is_published_value_inside_interval']) }},
        is_suppressed
    from joined
)

select * from final
