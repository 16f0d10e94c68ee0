{#- A reviewer's decision that a written name is an entity (decision `same`
    in the linking_decisions seed): the strongest method, rank 0. -#}
with

name_mentions as (
    select
        entity_type,
        kommunekode,
        name_variant
    from {{ ref('int_name_mentions_unioned') }}
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

name_variants as (
    select distinct
        entity_type,
        kommunekode,
        name_variant
    from name_mentions
),

final as (
    select
        name_variants.entity_type,
        name_variants.kommunekode,
        name_variants.name_variant,
        linking_decisions.entity_id,
        'manual' as match_method,
        0 as method_rank,
        cast(1.0 as float8) as match_score
    from name_variants
    inner join linking_decisions
        on
            name_variants.entity_type = linking_decisions.entity_type
            and name_variants.kommunekode = linking_decisions.kommunekode
            and name_variants.name_variant = linking_decisions.name_variant
    where linking_decisions.decision = 'same'
)

select * from final
