{#- Cohen's kappa per coder pair, from int_coder_pair_kappas_computed. Not
    suppressed: coders of public documents (doc block disclosure_exempt). -#}
with

kappas as (
    select
        coder_pair_id,
        first_coder_id,
        second_coder_id,
        shared_segment_count,
        agreeing_segment_count,
        observed_agreement,
        chance_agreement,
        cohen_kappa
    from {{ ref('int_coder_pair_kappas_computed') }}
),

final as (
    select
        coder_pair_id,
        first_coder_id,
        second_coder_id,
        shared_segment_count,
        agreeing_segment_count,
        observed_agreement,
        chance_agreement,
        cohen_kappa,
        cast(null as varchar) as suppression_reason,
        false as is_suppressed
    from kappas
)

select * from final
