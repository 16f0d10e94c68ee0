{#- Every reliability statistic of the discourse coding in one long table,
    one row per statistic and subject: Krippendorff's alpha per code, frame
    and overall with its bootstrap interval (Hayes & Krippendorff's KALPHA)
    and the share of replicates below the var reliability_minimum_alpha; the
    positive specific agreement per code; the observed agreement overall;
    Cohen's kappa per coder pair. Not disclosure-controlled: the published
    models select from it and suppress. -#}
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
        value_pair_count,
        observed_disagreement,
        expected_disagreement,
        krippendorff_alpha
    from {{ ref('int_krippendorff_alphas_computed') }}
),

alpha_replicates as (
    select
        reliability_id,
        replicate,
        krippendorff_alpha
    from {{ ref('int_krippendorff_alpha_replicates_drawn') }}
),

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

kappas as (
    select
        coder_pair_id,
        first_coder_id,
        second_coder_id,
        shared_segment_count,
        agreeing_segment_count,
        chance_agreement,
        cohen_kappa
    from {{ ref('int_coder_pair_kappas_computed') }}
),

-- KALPHA's percentile interval: with B replicates sorted and t = B (1 - level)
-- / 2 (a whole number for a multiple of 1,000 replicates at 0.90, 0.95 or
-- 0.99), the t-th and the (B - t + 1)-th.
ranked_replicates as (
    select
        reliability_id,
        krippendorff_alpha,
        row_number() over (
            partition by reliability_id order by krippendorff_alpha, replicate
        ) as alpha_rank,
        count(*) over (partition by reliability_id) as replicate_count
    from alpha_replicates
),

alpha_intervals as (
    select
        reliability_id,
        max(replicate_count) as replicate_count,
        max(
            case
                when
                    alpha_rank
                    = round(replicate_count * (1 - {{ var('confidence_level') }}) / 2)
                    then krippendorff_alpha
            end
        ) as ci_lower,
        max(
            case
                when
                    alpha_rank
                    = replicate_count
                    - round(replicate_count * (1 - {{ var('confidence_level') }}) / 2)
                    + 1
                    then krippendorff_alpha
            end
        ) as ci_upper,
        avg(
            case
                when krippendorff_alpha < {{ var('reliability_minimum_alpha') }} then 1.0 else 0.0
            end
        ) as probability_below_minimum
    from ranked_replicates
    group by reliability_id
),

unioned as (
    select
        'krippendorff_alpha-' || alphas.reliability_id as reliability_statistic_id,
        'krippendorff_alpha' as statistic,
        alphas.reliability_level,
        alphas.reliability_id,
        alphas.justification_code,
        alphas.frame_code,
        cast(null as varchar) as first_coder_id,
        cast(null as varchar) as second_coder_id,
        case when alpha_intervals.reliability_id is not null then 'kalpha_bootstrap' end
            as interval_method,
        alphas.unit_count,
        alphas.coded_segment_count,
        alphas.value_pair_count as pair_count,
        cast(null as integer) as agreeing_count,
        alphas.pairable_value_count,
        alpha_intervals.replicate_count,
        alphas.observed_disagreement,
        alphas.expected_disagreement,
        cast(null as float8) as chance_agreement,
        alphas.krippendorff_alpha as estimate,
        alpha_intervals.ci_lower,
        alpha_intervals.ci_upper,
        alpha_intervals.probability_below_minimum
    from alphas
    left join alpha_intervals
        on alphas.reliability_id = alpha_intervals.reliability_id

    union all

    select
        case
            when agreements.is_overall then 'observed_agreement-overall'
            else 'positive_specific_agreement-code-' || agreements.agreement_id
        end as reliability_statistic_id,
        case
            when agreements.is_overall then 'observed_agreement'
            else 'positive_specific_agreement'
        end as statistic,
        case when agreements.is_overall then 'overall' else 'code' end as reliability_level,
        case
            when agreements.is_overall then 'overall' else 'code-' || agreements.agreement_id
        end as reliability_id,
        agreements.justification_code,
        agreements.frame_code,
        cast(null as varchar) as first_coder_id,
        cast(null as varchar) as second_coder_id,
        cast(null as varchar) as interval_method,
        agreements.segment_count as unit_count,
        agreements.segment_count as coded_segment_count,
        agreements.coder_pair_count as pair_count,
        agreements.agreeing_pair_count as agreeing_count,
        cast(null as integer) as pairable_value_count,
        cast(null as integer) as replicate_count,
        cast(null as float8) as observed_disagreement,
        cast(null as float8) as expected_disagreement,
        cast(null as float8) as chance_agreement,
        coalesce(agreements.positive_specific_agreement, agreements.observed_agreement)
            as estimate,
        cast(null as float8) as ci_lower,
        cast(null as float8) as ci_upper,
        cast(null as float8) as probability_below_minimum
    from agreements

    union all

    select
        'cohen_kappa-' || kappas.coder_pair_id as reliability_statistic_id,
        'cohen_kappa' as statistic,
        'coder_pair' as reliability_level,
        kappas.coder_pair_id as reliability_id,
        cast(null as varchar) as justification_code,
        cast(null as varchar) as frame_code,
        kappas.first_coder_id,
        kappas.second_coder_id,
        cast(null as varchar) as interval_method,
        kappas.shared_segment_count as unit_count,
        kappas.shared_segment_count as coded_segment_count,
        kappas.shared_segment_count as pair_count,
        kappas.agreeing_segment_count as agreeing_count,
        cast(null as integer) as pairable_value_count,
        cast(null as integer) as replicate_count,
        cast(null as float8) as observed_disagreement,
        cast(null as float8) as expected_disagreement,
        kappas.chance_agreement,
        kappas.cohen_kappa as estimate,
        cast(null as float8) as ci_lower,
        cast(null as float8) as ci_upper,
        cast(null as float8) as probability_below_minimum
    from kappas
),

final as (
    select
        cast(reliability_statistic_id as varchar) as reliability_statistic_id,
        cast(statistic as varchar) as statistic,
        cast(reliability_level as varchar) as reliability_level,
        cast(reliability_id as varchar) as reliability_id,
        cast(justification_code as varchar) as justification_code,
        cast(frame_code as varchar) as frame_code,
        cast(first_coder_id as varchar) as first_coder_id,
        cast(second_coder_id as varchar) as second_coder_id,
        cast(interval_method as varchar) as interval_method,
        cast(unit_count as integer) as unit_count,
        cast(coded_segment_count as integer) as coded_segment_count,
        cast(pair_count as integer) as pair_count,
        cast(agreeing_count as integer) as agreeing_count,
        cast(pairable_value_count as integer) as pairable_value_count,
        cast(replicate_count as integer) as replicate_count,
        cast(observed_disagreement as float8) as observed_disagreement,
        cast(expected_disagreement as float8) as expected_disagreement,
        cast(chance_agreement as float8) as chance_agreement,
        cast(estimate as float8) as estimate,
        cast(ci_lower as float8) as ci_lower,
        cast(ci_upper as float8) as ci_upper,
        cast(probability_below_minimum as float8) as probability_below_minimum
    from unioned
)

select * from final
