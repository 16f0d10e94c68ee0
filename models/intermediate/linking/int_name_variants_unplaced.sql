{#- The written names no strong method (manual, CVR, exact or normalised
    name) placed: the only ones the weaker methods (fuzzy, partial, nickname
    and place) look at, which also keeps their comparisons small. A candidate
    a reviewer rejected (decision `different`) places nothing. -#}
{%- set strong_methods = ['manual', 'cvr', 'exact', 'normalised'] %}
with

name_mentions as (
    select
        entity_type,
        kommunekode,
        name_variant
    from {{ ref('int_name_mentions_unioned') }}
),

name_texts as (
    select
        name_text,
        cleaned_name
    from {{ ref('int_name_texts_normalised') }}
),

linking_decisions as (
    select
        entity_type,
        kommunekode,
        name_variant,
        decision,
        entity_id
    from {{ ref('linking_decisions') }}
),

strong_candidates as (
    {%- for method in strong_methods %}
        select
            entity_type,
            kommunekode,
            name_variant,
            entity_id
        from {{ ref('int_name_candidates_' ~ method ~ '_matched') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

rejected_pairs as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id
    from linking_decisions
    where decision = 'different'
),

placed_variants as (
    select distinct
        strong_candidates.entity_type,
        strong_candidates.kommunekode,
        strong_candidates.name_variant
    from strong_candidates
    left join rejected_pairs
        on
            strong_candidates.entity_type = rejected_pairs.entity_type
            and strong_candidates.kommunekode = rejected_pairs.kommunekode
            and strong_candidates.name_variant = rejected_pairs.name_variant
            and strong_candidates.entity_id = rejected_pairs.entity_id
    where rejected_pairs.entity_id is null
),

name_variants as (
    select distinct
        name_mentions.entity_type,
        name_mentions.kommunekode,
        name_mentions.name_variant,
        name_texts.cleaned_name
    from name_mentions
    inner join name_texts
        on name_mentions.name_variant = name_texts.name_text
),

final as (
    select name_variants.*
    from name_variants
    left join placed_variants
        on
            name_variants.entity_type = placed_variants.entity_type
            and name_variants.kommunekode = placed_variants.kommunekode
            and name_variants.name_variant = placed_variants.name_variant
    where placed_variants.name_variant is null
)

select * from final
