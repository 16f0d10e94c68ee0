{#- The study's published figures beside the warehouse's: every row of the
    published_figures seed with its source, the construct the warehouse
    computes (items, wave, base), its estimate and 95 % interval (counts and
    response rates are exact) and whether the published value lies inside.
    Suppression: a figure resting on fewer than min_cell_size units is not
    shown (interim rule until the figure cells join the release tier's shared
    suppression pattern). -#}
with

figure_cells as (
    select * from {{ ref('int_published_figures_computed') }}
),

suppression as (
    select
        figure_id,
        coalesce(unit_count, 0) < {{ var('min_cell_size') }} as is_suppressed
    from figure_cells
),

final as (
    select
        figure_cells.figure_id,
        figure_cells.source_cell_id,
        figure_cells.figure,
        figure_cells.survey,
        figure_cells.statistic,
        figure_cells.survey_item_id,
        figure_cells.construct_items,
        figure_cells.denominator,
        figure_cells.domain_level,
        figure_cells.domain_code,
        figure_cells.kommunekode,
        figure_cells.unit,
        figure_cells.source,
        figure_cells.source_detail,
        figure_cells.note,
        case when suppression.is_suppressed then 'small_cell' end as suppression_reason,
        figure_cells.wave,
        figure_cells.unit_count,
        figure_cells.published_value,
        figure_cells.rounding_unit,
        case when not suppression.is_suppressed then figure_cells.estimate end as estimate,
        case when not suppression.is_suppressed then figure_cells.ci_lower end as ci_lower,
        case when not suppression.is_suppressed then figure_cells.ci_upper end as ci_upper,
        figure_cells.is_exact,
        case
            when not suppression.is_suppressed
                then figure_cells.is_published_value_inside_interval
        end as is_published_value_inside_interval,
        suppression.is_suppressed
    from figure_cells
    inner join suppression
        on figure_cells.figure_id = suppression.figure_id
)

select * from final
