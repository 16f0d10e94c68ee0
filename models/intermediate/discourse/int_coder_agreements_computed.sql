{#- Observed agreement between the coders, per justification code and
    overall, over the segments coded by two or more coders; on each such
    segment every unordered pair of different coders who both coded it is a
    coder pair. Per code, a pair belongs to the code when at least one of
    the two coders gave the segment that code, and agrees when both did: the
    positive specific agreement 2a / (2a + b + c) (p_pos of Cicchetti &
    Feinstein 1990; Dice's coefficient of the two coders' uses of the code). Overall, every pair
    counts once and agrees when the two coders gave the segment exactly the
    same set of codes. Not corrected for chance and not
    disclosure-controlled. -#}
with

coded_segments as (
    select
        segment_id,
        coder_id,
        justification_code
    from {{ ref('stg_discourse__codings') }}
),

justification_codes as (
    select
        justification_code as justification_code_id,
        frame_code
    from {{ ref('justification_codes') }}
),

coder_codes as (
    select distinct
        segment_id,
        coder_id,
        justification_code
    from coded_segments
),

segment_coders as (
    select distinct
        segment_id,
        coder_id
    from coded_segments
),

-- Every unordered pair of different coders who both coded the segment.
coder_pairs as (
    select
        first_coders.segment_id,
        first_coders.coder_id as first_coder_id,
        second_coders.coder_id as second_coder_id
    from segment_coders as first_coders
    inner join segment_coders as second_coders
        on
            first_coders.segment_id = second_coders.segment_id
            and first_coders.coder_id < second_coders.coder_id
),

-- One row per pair and code that at least one of the two coders chose;
-- chooser_count 2 means both chose it.
pair_codes as (
    select
        coder_pairs.segment_id,
        coder_pairs.first_coder_id,
        coder_pairs.second_coder_id,
        coder_codes.justification_code,
        count(*) as chooser_count
    from coder_pairs
    inner join coder_codes
        on
            coder_pairs.segment_id = coder_codes.segment_id
            and coder_codes.coder_id in (coder_pairs.first_coder_id, coder_pairs.second_coder_id)
    group by 1, 2, 3, 4
),

-- Overall, a pair agrees when the two coders gave the segment the same set of codes.
pair_agreements as (
    select
        segment_id,
        first_coder_id,
        second_coder_id,
        min(chooser_count) = 2 as is_agreement
    from pair_codes
    group by 1, 2, 3
),

code_agreements as (
    select
        justification_code,
        count(distinct segment_id) as segment_count,
        count(*) as coder_pair_count,
        sum(case when chooser_count = 2 then 1 else 0 end) as agreeing_pair_count
    from pair_codes
    group by 1
),

overall_agreement as (
    select
        count(distinct segment_id) as segment_count,
        count(*) as coder_pair_count,
        sum(case when is_agreement then 1 else 0 end) as agreeing_pair_count
    from pair_agreements
),

unioned as (
    select
        justification_codes.justification_code_id as agreement_id,
        justification_codes.justification_code_id as justification_code,
        justification_codes.frame_code,
        coalesce(code_agreements.segment_count, 0) as segment_count,
        coalesce(code_agreements.coder_pair_count, 0) as coder_pair_count,
        coalesce(code_agreements.agreeing_pair_count, 0) as agreeing_pair_count,
        false as is_overall
    from justification_codes
    left join code_agreements
        on justification_codes.justification_code_id = code_agreements.justification_code

    union all

    select
        'overall' as agreement_id,
        cast(null as varchar) as justification_code,
        cast(null as varchar) as frame_code,
        segment_count,
        coder_pair_count,
        coalesce(agreeing_pair_count, 0) as agreeing_pair_count,
        true as is_overall
    from overall_agreement
),

final as (
    select
        cast(agreement_id as varchar) as agreement_id,
        cast(justification_code as varchar) as justification_code,
        cast(frame_code as varchar) as frame_code,
        cast(segment_count as integer) as segment_count,
        cast(coder_pair_count as integer) as coder_pair_count,
        cast(agreeing_pair_count as integer) as agreeing_pair_count,
        -- per code 2a / (2a + b + c), a the pairs where both coders applied the
        -- code and a + b + c = coder_pair_count the pairs where at least one did
        case
            when not is_overall and coder_pair_count > 0
                then
                    2 * cast(agreeing_pair_count as float8)
                    / cast(agreeing_pair_count + coder_pair_count as float8)
        end as positive_specific_agreement,
        case
            when is_overall and coder_pair_count > 0
                then cast(agreeing_pair_count as float8) / cast(coder_pair_count as float8)
        end as observed_agreement,
        is_overall
    from unioned
)

select * from final
