{#- The bootstrap distribution of Krippendorff's alpha by Hayes &
    Krippendorff's algorithm (2007, KALPHA): a replicate draws M pairs of
    values (M = Σ m_u (m_u - 1) / 2, the pairs of the reliability data) with
    replacement from the coincidence matrix, each cell with probability
    o_ck / n (o_ck + o_kc for a pair of different values), and its alpha is
    1 - (Σ δ² of the draws / M) / D_e with the data's expected disagreement.
    Nominal δ² is 1 for a pair of different values and 0 otherwise, so the
    sum is the number of disagreeing pairs among M independent draws, which
    is binomial(M, D_o): each replicate draws that number at once, as the
    smallest k whose binomial distribution function reaches its random
    number (inversion; the same distribution as M single draws, with one
    random number instead of M). The numbers are md5_uniform of
    '<seed>-<subject>-<replicate>' (vars reliability_bootstrap_seed and
    reliability_bootstrap_replicates): every build and engine draws the
    same. As in KALPHA, an alpha below -1 is -1; an alpha of 1 counts as 0
    where only one value was ever agreed on; and as many alphas of 1 as
    B · Σ_v (o_vv / n)^M (rounded) are set to 0. See the doc block
    krippendorff_alpha_bootstrap. -#}
with

alphas as (
    select
        reliability_id,
        value_pair_count,
        agreed_value_count,
        observed_disagreement,
        expected_disagreement,
        all_agreement_probability
    from {{ ref('int_krippendorff_alphas_computed') }}
    where expected_disagreement > 0 and value_pair_count > 0
),

replicates as (
    select series.replicate
    from generate_series(1, {{ var('reliability_bootstrap_replicates') }}) as series (replicate)
),

-- The binomial(M, D_o) probabilities of k = 0 … M disagreeing pairs, through
-- their logarithms: ln C(M, k) is the running sum of ln((M - j + 1) / j).
-- The floors keep ln() defined where D_o is 0 or 1.
binomial_terms as (
    select
        alphas.reliability_id,
        series.disagreeing_count,
        alphas.value_pair_count,
        ln(greatest(alphas.observed_disagreement, 1e-300)) as log_disagreement,
        ln(greatest(1 - alphas.observed_disagreement, 1e-300)) as log_agreement,
        case
            when series.disagreeing_count = 0 then 0.0
            else
                ln(
                    cast(alphas.value_pair_count - series.disagreeing_count + 1 as float8)
                    / series.disagreeing_count
                )
        end as log_ratio
    from alphas
    cross join lateral generate_series(0, alphas.value_pair_count)
        as series (disagreeing_count)
),

binomial_logarithms as (
    select
        reliability_id,
        disagreeing_count,
        sum(log_ratio)
            over (
                partition by reliability_id order by disagreeing_count
                rows between unbounded preceding and current row
            )
        + disagreeing_count * log_disagreement
        + (value_pair_count - disagreeing_count) * log_agreement as log_probability
    from binomial_terms
),

-- 0 below e^-700: PostgreSQL raises an error where exp() underflows.
binomial_probabilities as (
    select
        reliability_id,
        disagreeing_count,
        case when log_probability > -700 then exp(log_probability) else 0.0 end as probability
    from binomial_logarithms
),

distribution as (
    select
        reliability_id,
        disagreeing_count,
        sum(probability) over (
            partition by reliability_id order by disagreeing_count
            rows between unbounded preceding and current row
        ) as cumulative_probability
    from binomial_probabilities
),

replicate_numbers as (
    select
        alphas.reliability_id,
        replicates.replicate,
        {{ md5_uniform(
            "cast(" ~ var('reliability_bootstrap_seed') ~ " as varchar)"
            ~ " || '-' || alphas.reliability_id"
            ~ " || '-' || cast(replicates.replicate as varchar)"
        ) }} as uniform_number
    from alphas
    cross join replicates
),

-- A replicate's count is the number of k whose distribution function lies
-- below its number: the distribution's values and the numbers are sorted
-- together, the numbers first at a tie.
positions as (
    select
        reliability_id,
        cumulative_probability as position,
        0 as is_replicate,
        cast(null as integer) as replicate
    from distribution
    union all
    select
        reliability_id,
        uniform_number as position,
        1 as is_replicate,
        replicate
    from replicate_numbers
),

counted as (
    select
        reliability_id,
        replicate,
        is_replicate,
        sum(1 - is_replicate) over (
            partition by reliability_id order by position asc, is_replicate desc
            rows between unbounded preceding and current row
        ) as below_count
    from positions
),

disagreements as (
    select
        counted.reliability_id,
        counted.replicate,
        least(counted.below_count, alphas.value_pair_count) as disagreeing_draw_count
    from counted
    inner join alphas
        on counted.reliability_id = alphas.reliability_id
    where counted.is_replicate = 1
),

raw_alphas as (
    select
        disagreements.reliability_id,
        disagreements.replicate,
        disagreements.disagreeing_draw_count,
        alphas.agreed_value_count,
        floor(
            {{ var('reliability_bootstrap_replicates') }} * alphas.all_agreement_probability + 0.5
        ) as all_agreement_expected_count,
        greatest(
            1 - cast(disagreements.disagreeing_draw_count as float8)
            / alphas.value_pair_count / alphas.expected_disagreement,
            -1.0
        ) as drawn_alpha
    from disagreements
    inner join alphas
        on disagreements.reliability_id = alphas.reliability_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by reliability_id, drawn_alpha = 1 order by replicate
        ) as rank_among_equal
    from raw_alphas
),

final as (
    select
        reliability_id || '-' || cast(replicate as varchar) as alpha_replicate_id,
        reliability_id,
        cast(replicate as integer) as replicate,
        cast(disagreeing_draw_count as integer) as disagreeing_draw_count,
        cast(
            case
                when drawn_alpha = 1 and agreed_value_count = 1 then 0.0
                when
                    drawn_alpha = 1
                    and agreed_value_count > 1
                    and rank_among_equal <= all_agreement_expected_count
                    then 0.0
                else drawn_alpha
            end as float8
        ) as krippendorff_alpha
    from ranked
)

select * from final
