{#- Student's t quantile t(1 - (1 - level)/2; ν) at the var confidence_level,
    for every ν from 1 to the largest number of valid answers of an item in a
    wave, which bounds the degrees of freedom of every survey estimate (n - H)
    and panel change (n - 1). Up to the seed's last ν (200) the seed's value,
    computed with scipy; beyond it the Cornish-Fisher expansion of
    Abramowitz & Stegun 26.7.5 in powers of 1/ν to the fourth term, whose
    error is below 3e-12 from ν = 200 on and falls as 1/ν⁵ (see the doc block
    t_quantiles). -#}
with

confidence_quantiles as (
    select
        distribution,
        degrees_of_freedom,
        quantile
    from {{ ref('confidence_quantiles') }}
    where confidence_level = {{ var('confidence_level') }}
),

weighted_answers as (
    select
        survey_item_id,
        wave
    from {{ ref('int_survey_answers_weighted') }}
),

normal_quantile as (
    select quantile as z
    from confidence_quantiles
    where distribution = 'normal'
),

tabulated as (
    select
        degrees_of_freedom,
        quantile
    from confidence_quantiles
    where distribution = 'student_t'
),

item_answer_counts as (
    select count(*) as answer_count
    from weighted_answers
    group by survey_item_id, wave
),

bound as (
    select
        greatest(
            coalesce((select max(answer_count) from item_answer_counts), 0),
            (select max(degrees_of_freedom) from tabulated)
        ) as largest_degrees_of_freedom
),

degrees as (
    select series.degrees_of_freedom
    from bound
    cross join lateral generate_series(1, bound.largest_degrees_of_freedom)
        as series (degrees_of_freedom)
),

-- g1 … g4 of A&S 26.7.5, polynomials in z.
expansion_terms as (
    select
        z,
        (power(z, 3) + z) / 4 as first_term,
        (5 * power(z, 5) + 16 * power(z, 3) + 3 * z) / 96 as second_term,
        (3 * power(z, 7) + 19 * power(z, 5) + 17 * power(z, 3) - 15 * z) / 384 as third_term,
        (
            79 * power(z, 9) + 776 * power(z, 7) + 1482 * power(z, 5)
            - 1920 * power(z, 3) - 945 * z
        ) / 92160 as fourth_term
    from normal_quantile
),

final as (
    select
        cast(degrees.degrees_of_freedom as integer) as degrees_of_freedom,
        cast(
            coalesce(
                tabulated.quantile,
                expansion_terms.z
                + expansion_terms.first_term / degrees.degrees_of_freedom
                + expansion_terms.second_term / power(degrees.degrees_of_freedom, 2)
                + expansion_terms.third_term / power(degrees.degrees_of_freedom, 3)
                + expansion_terms.fourth_term / power(degrees.degrees_of_freedom, 4)
            ) as float8
        ) as t_quantile,
        cast(expansion_terms.z as float8) as normal_quantile,
        tabulated.quantile is null as is_expanded
    from degrees
    cross join expansion_terms
    left join tabulated
        on degrees.degrees_of_freedom = tabulated.degrees_of_freedom
)

select * from final
