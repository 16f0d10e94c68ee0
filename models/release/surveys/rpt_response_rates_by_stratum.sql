{#- Response to each survey by wave and stratum of the frames (municipality
    × policy area or association field): invited units, questionnaires
    returned and completed, the response rate, and the post-stratum the
    stratum is weighted in with its nonresponse weight; every count and rate
    but the invited units (the frame: public) withheld where the suppression
    pattern says so. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_table = 'rpt_response_rates_by_stratum'
),

response_rates as (
    select
        response_rate_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        response_rate,
        nonresponse_weight,
        is_collapsed
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
        response_rates.post_stratum_id,
        response_rates.survey,
        response_rates.kommunekode,
        response_rates.policy_area_code,
        response_rates.association_field_code,
        suppression_pattern.suppression_reason,
        response_rates.wave,
        response_rates.invited_count as unit_count,
        response_rates.responded_count,
        response_rates.complete_count,
        response_rates.response_rate as estimate,
        response_rates.nonresponse_weight,
        response_rates.is_collapsed,
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
        {{ released_measures(['post_stratum_id']) }},
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        {{ released_suppression_reason('suppression_reason') }},
        wave,
        unit_count,
        {{ released_measures(
            [
                'responded_count', 'complete_count', 'estimate',
                'nonresponse_weight', 'is_collapsed'
            ],
            nearest=['estimate', 'nonresponse_weight']
        ) }},
        is_suppressed
    from joined
)

select * from final
