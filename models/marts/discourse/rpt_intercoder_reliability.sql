{#- Krippendorff's alpha per code, frame and overall, from
    int_krippendorff_alphas_computed, suppressed where the code (frame) was
    applied on fewer than min_cell_size segments. -#}
with

alphas as (
    select
        reliability_id,
        reliability_level,
        justification_code,
        frame_code,
        unit_count,
        coded_segment_count,
        pairable_value_count,
        observed_disagreement,
        expected_disagreement,
        krippendorff_alpha
    from {{ ref('int_krippendorff_alphas_computed') }}
),

suppressed as (
    select
        *,
        coded_segment_count < {{ var('min_cell_size') }} as is_suppressed
    from alphas
),

final as (
    select
        reliability_id,
        reliability_level,
        justification_code,
        frame_code,
        unit_count,
        coded_segment_count,
        pairable_value_count,
        case when not is_suppressed then observed_disagreement end as observed_disagreement,
        case when not is_suppressed then expected_disagreement end as expected_disagreement,
        case when not is_suppressed then krippendorff_alpha end as krippendorff_alpha,
        is_suppressed
    from suppressed
)

select * from final
