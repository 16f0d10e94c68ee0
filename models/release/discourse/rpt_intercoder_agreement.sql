{#- Observed agreement between coders per code (positive specific agreement)
    and overall (percent agreement), from int_coder_agreements_computed. Not
    suppressed: coders of public documents (doc block disclosure_exempt). -#}
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

final as (
    select
        agreement_id,
        justification_code,
        frame_code,
        segment_count,
        coder_pair_count,
        agreeing_pair_count,
        cast(100 * observed_agreement as float8) as percent_agreement,
        positive_specific_agreement,
        is_overall,
        cast(null as varchar) as suppression_reason,
        false as is_suppressed
    from agreements
)

select * from final
