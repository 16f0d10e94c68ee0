{#- Krippendorff's alpha per code, frame and overall with its bootstrap
    interval and the share of replicates below the var
    reliability_minimum_alpha, from int_intercoder_reliability_computed. Not
    suppressed: coders of public documents (doc block disclosure_exempt). -#}
with

alphas as (
    select
        reliability_id,
        reliability_level,
        justification_code,
        frame_code,
        interval_method,
        unit_count,
        coded_segment_count,
        pairable_value_count,
        replicate_count,
        observed_disagreement,
        expected_disagreement,
        estimate,
        ci_lower,
        ci_upper,
        probability_below_minimum
    from {{ ref('int_intercoder_reliability_computed') }}
    where statistic = 'krippendorff_alpha'
),

final as (
    select
        reliability_id,
        reliability_level,
        justification_code,
        frame_code,
        interval_method,
        cast(null as varchar) as suppression_reason,
        unit_count,
        coded_segment_count,
        pairable_value_count,
        replicate_count,
        observed_disagreement,
        expected_disagreement,
        estimate as krippendorff_alpha,
        ci_lower,
        ci_upper,
        probability_below_minimum,
        false as is_suppressed
    from alphas
)

select * from final
