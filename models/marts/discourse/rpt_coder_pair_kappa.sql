{#- Cohen's kappa per coder pair, from int_coder_pair_kappas_computed,
    suppressed where the pair shares fewer than min_cell_size segments. -#}
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

suppressed as (
    select
        *,
        shared_segment_count < {{ var('min_cell_size') }} as is_suppressed
    from kappas
),

final as (
    select
        coder_pair_id,
        first_coder_id,
        second_coder_id,
        shared_segment_count,
        case when not is_suppressed then agreeing_segment_count end as agreeing_segment_count,
        case when not is_suppressed then observed_agreement end as observed_agreement,
        case when not is_suppressed then chance_agreement end as chance_agreement,
        case when not is_suppressed then cohen_kappa end as cohen_kappa,
        is_suppressed
    from suppressed
)

select * from final
