{#- Krippendorff's alpha (nominal) of the discourse coding per justification
    code, per frame and overall, from the value counts of
    int_reliability_values_counted, with what the bootstrap of
    int_krippendorff_alpha_replicates_drawn needs: the number of pairs of
    values and the diagonal of the coincidence matrix. Not
    disclosure-controlled. See the doc block krippendorff_alpha. -#}
with

reliability_values as (
    select
        reliability_id,
        segment_id,
        coded_value,
        value_count,
        is_code_applied
    from {{ ref('int_reliability_values_counted') }}
),

justification_codes as (
    select
        justification_code,
        frame_code
    from {{ ref('justification_codes') }}
),

frames as (
    select distinct frame_code
    from justification_codes
),

-- Every subject: each code of the codebook, each frame, and overall.
subjects as (
    select
        'code-' || justification_code as reliability_id,
        'code' as reliability_level,
        justification_code,
        frame_code
    from justification_codes

    union all

    select
        'frame-' || frame_code as reliability_id,
        'frame' as reliability_level,
        cast(null as varchar) as justification_code,
        frame_code
    from frames

    union all

    select
        'overall' as reliability_id,
        'overall' as reliability_level,
        cast(null as varchar) as justification_code,
        cast(null as varchar) as frame_code
),

-- A unit u holds m_u values; n_uv(n_uv - 1) of its ordered value pairs are equal.
units as (
    select
        reliability_id,
        segment_id,
        sum(value_count) as unit_value_count,
        sum(value_count * (value_count - 1)) as equal_pair_count,
        max(case when is_code_applied then 1 else 0 end) as is_code_applied
    from reliability_values
    group by reliability_id, segment_id
),

-- Units of the same size share the weight 1 / (m_u - 1) of their pairs: summing
-- the integer pair counts first keeps the result exact and order-independent.
unit_sizes as (
    select
        reliability_id,
        unit_value_count,
        count(*) as unit_count,
        sum(is_code_applied) as coded_segment_count,
        sum(equal_pair_count) as equal_pair_count
    from units
    where unit_value_count >= 2
    group by reliability_id, unit_value_count
),

-- n (pairable values), the unordered pairs of values Σ m_u (m_u - 1) / 2, and
-- the diagonal of the coincidence matrix, Σ o_vv.
coincidences as (
    select
        reliability_id,
        sum(unit_count) as unit_count,
        sum(coded_segment_count) as coded_segment_count,
        sum(unit_count * unit_value_count) as pairable_value_count,
        sum(unit_count * unit_value_count * (unit_value_count - 1) / 2) as value_pair_count,
        sum(
            cast(equal_pair_count as float8) / cast(unit_value_count - 1 as float8)
        ) as coincident_agreement
    from unit_sizes
    group by reliability_id
),

-- n_v and o_vv per value, over the pairable units.
pairable_values as (
    select
        reliability_values.reliability_id,
        reliability_values.coded_value,
        sum(reliability_values.value_count) as value_total,
        sum(
            cast(reliability_values.value_count * (reliability_values.value_count - 1) as float8)
            / cast(units.unit_value_count - 1 as float8)
            order by reliability_values.segment_id
        ) as coincident_value_count
    from reliability_values
    inner join units
        on
            reliability_values.reliability_id = units.reliability_id
            and reliability_values.segment_id = units.segment_id
    where units.unit_value_count >= 2
    group by reliability_values.reliability_id, reliability_values.coded_value
),

-- The sum over values of n_v squared, for the expected (chance) disagreement;
-- the values agreed on at least once (o_vv > 0); and Σ_v (o_vv / n)^M, the
-- probability that a bootstrap sample of M pairs holds agreements only.
marginals as (
    select
        pairable_values.reliability_id,
        sum(pairable_values.value_total * pairable_values.value_total) as value_total_square_sum,
        sum(case when pairable_values.coincident_value_count > 0 then 1 else 0 end)
            as agreed_value_count,
        -- (o_vv / n)^M through its logarithm, 0 below e^-700 (PostgreSQL raises
        -- an error where a power underflows)
        sum(
            case
                when pairable_values.coincident_value_count = 0 then 0.0
                when
                    coincidences.value_pair_count * ln(
                        pairable_values.coincident_value_count / coincidences.pairable_value_count
                    ) > -700
                    then
                        exp(
                            coincidences.value_pair_count * ln(
                                pairable_values.coincident_value_count
                                / coincidences.pairable_value_count
                            )
                        )
                else 0.0
            end
            order by pairable_values.coded_value
        ) as all_agreement_probability
    from pairable_values
    inner join coincidences
        on pairable_values.reliability_id = coincidences.reliability_id
    group by pairable_values.reliability_id
),

computed as (
    select
        subjects.reliability_id,
        subjects.reliability_level,
        subjects.justification_code,
        subjects.frame_code,
        coalesce(coincidences.unit_count, 0) as unit_count,
        coalesce(coincidences.coded_segment_count, 0) as coded_segment_count,
        coalesce(coincidences.pairable_value_count, 0) as pairable_value_count,
        coalesce(coincidences.value_pair_count, 0) as value_pair_count,
        coalesce(marginals.agreed_value_count, 0) as agreed_value_count,
        marginals.all_agreement_probability,
        coincidences.coincident_agreement,
        -- n² - sum of n_v²: zero when every value is the same (alpha undefined)
        nullif(
            coincidences.pairable_value_count * coincidences.pairable_value_count
            - marginals.value_total_square_sum,
            0
        ) as chance_pair_count
    from subjects
    left join coincidences
        on subjects.reliability_id = coincidences.reliability_id
    left join marginals
        on subjects.reliability_id = marginals.reliability_id
),

final as (
    select
        cast(reliability_id as varchar) as reliability_id,
        cast(reliability_level as varchar) as reliability_level,
        cast(justification_code as varchar) as justification_code,
        cast(frame_code as varchar) as frame_code,
        cast(unit_count as integer) as unit_count,
        cast(coded_segment_count as integer) as coded_segment_count,
        cast(pairable_value_count as integer) as pairable_value_count,
        cast(value_pair_count as integer) as value_pair_count,
        cast(agreed_value_count as integer) as agreed_value_count,
        case
            when pairable_value_count > 0
                then
                    (cast(pairable_value_count as float8) - coincident_agreement)
                    / cast(pairable_value_count as float8)
        end as observed_disagreement,
        case
            when pairable_value_count > 0
                then
                    coalesce(cast(chance_pair_count as float8), 0)
                    / (
                        cast(pairable_value_count as float8)
                        * cast(pairable_value_count - 1 as float8)
                    )
        end as expected_disagreement,
        1 - cast(pairable_value_count - 1 as float8)
        * (cast(pairable_value_count as float8) - coincident_agreement)
        / cast(chance_pair_count as float8) as krippendorff_alpha,
        cast(all_agreement_probability as float8) as all_agreement_probability
    from computed
)

select * from final
