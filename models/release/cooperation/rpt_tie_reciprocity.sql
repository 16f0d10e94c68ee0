{#- Dyads per municipality and wave: of the institution × association ties
    named in a survey wave, how many were named by both sides, also among the
    ties whose two sides both answered that wave; withheld where the
    suppression pattern says so. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_tie_reciprocity'
),

tie_reciprocity as (
    select
        tie_reciprocity_id,
        kommunekode,
        wave,
        tie_count,
        reciprocated_tie_count,
        both_responded_tie_count,
        share_reciprocated,
        share_reciprocated_when_both_responded
    from {{ ref('int_tie_reciprocity_computed') }}
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
        tie_reciprocity.kommunekode,
        suppression_pattern.suppression_reason,
        tie_reciprocity.wave,
        tie_reciprocity.tie_count as unit_count,
        tie_reciprocity.reciprocated_tie_count,
        tie_reciprocity.both_responded_tie_count,
        tie_reciprocity.share_reciprocated as estimate,
        tie_reciprocity.share_reciprocated_when_both_responded,
        coalesce(suppression_pattern.is_suppressed, true) as is_suppressed
    from cells
    inner join tie_reciprocity
        on cells.source_id = tie_reciprocity.tie_reciprocity_id
    left join suppression_pattern
        on cells.release_cell_id = suppression_pattern.release_cell_id
),

final as (
    select
        release_cell_id,
        kommunekode,
        {{ released_suppression_reason('suppression_reason') }},
        wave,
        {{ released_measures(
            [
                'unit_count', 'reciprocated_tie_count', 'both_responded_tie_count', 'estimate',
                'share_reciprocated_when_both_responded'
            ],
            nearest=['estimate', 'share_reciprocated_when_both_responded']
        ) }},
        is_suppressed
    from joined
)

select * from final
