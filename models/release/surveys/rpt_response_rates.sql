{#- Response to each survey by wave and municipality, from the frames:
    invited units, questionnaires returned (complete or partial) and
    completed, and the response rate; withheld where the suppression
    pattern says so. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_response_rates'
),

response_rates as (
    select
        response_rate_id,
        survey,
        kommunekode,
        wave,
        invited_count,
        responded_count,
        complete_count,
        response_rate
    from {{ ref('int_response_rates_computed') }}
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
        response_rates.survey,
        response_rates.kommunekode,
        suppression_pattern.suppression_reason,
        response_rates.wave,
        response_rates.invited_count as unit_count,
        response_rates.responded_count,
        response_rates.complete_count,
        response_rates.response_rate as estimate,
        coalesce(suppression_pattern.is_suppressed, true) as is_suppressed
    from cells
    inner join response_rates
        on cells.source_id = response_rates.response_rate_id
    left join suppression_pattern
        on cells.release_cell_id = suppression_pattern.release_cell_id
),

final as (
    select
        release_cell_id,
        survey,
        kommunekode,
        {{ released_suppression_reason('suppression_reason') }},
        wave,
        unit_count,
        {{ released_measures(
            ['responded_count', 'complete_count', 'estimate'],
            nearest=['estimate']
        ) }},
        is_suppressed
    from joined
)

select * from final
