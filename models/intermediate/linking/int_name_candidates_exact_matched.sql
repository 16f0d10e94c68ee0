{#- A written name equal, letter for letter, to an official name in the
    writer's municipality: rank 2. -#}
with

name_mentions as (
    select
        entity_type,
        kommunekode,
        name_variant
    from {{ ref('int_name_mentions_unioned') }}
),

organisation_names as (
    select
        entity_type,
        entity_id,
        kommunekode,
        official_name
    from {{ ref('int_organisation_names_normalised') }}
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
        organisation_names.entity_id,
        'exact_name' as match_method,
        2 as method_rank,
        cast(1.0 as float8) as match_score
    from name_variants
    inner join organisation_names
        on
            name_variants.entity_type = organisation_names.entity_type
            and name_variants.kommunekode = organisation_names.kommunekode
            and name_variants.name_variant = organisation_names.official_name
)

select * from final
