{#- Observed agreement between coders per code (positive specific agreement)
    and overall, from int_coder_agreements_computed, suppressed where fewer
    than min_cell_size segments. -#}
with

agreements as (
    select
        agreement_id,
        justification_code,
        frame_code,
        segment_count,
        coder_pair_count,
        agreeing_pair_count,
        positive_specific_agreement,
        observed_agreement,
        is_overall
    from {{ ref('int_coder_agreements_computed') }}
),

suppressed as (
    select
        *,
        segment_count < {{ var('min_cell_size') }} as is_suppressed
    from agreements
),

final as (
    select
        agreement_id,
        justification_code,
        frame_code,
        segment_count,
        coder_pair_count,
        case when not is_suppressed then agreeing_pair_count end as agreeing_pair_count,
        case when not is_suppressed then 100 * observed_agreement end as percent_agreement,
        case when not is_suppressed then positive_specific_agreement end
            as positive_specific_agreement,
        is_overall,
        is_suppressed
    from suppressed
)

select * from final
