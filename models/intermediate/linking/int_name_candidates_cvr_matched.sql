{#- An eight-digit number in a written name, read as a CVR number, finds the
    association registered with it: rank 1, and the one method that looks
    outside the writer's municipality (a CVR number identifies an
    association anywhere in the country). -#}
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
        cvr_number
    from {{ ref('int_organisation_names_normalised') }}
),

name_variants as (
    select distinct
        entity_type,
        kommunekode,
        name_variant,
        {{ extract_pattern('name_variant', '[0-9]{8}') }} as cvr_in_name
    from name_mentions
),

-- A renamed association has a row per official name, all with its number.
final as (
    select distinct
        name_variants.entity_type,
        name_variants.kommunekode,
        name_variants.name_variant,
        organisation_names.entity_id,
        'cvr' as match_method,
        1 as method_rank,
        cast(1.0 as float8) as match_score
    from name_variants
    inner join organisation_names
        on
            name_variants.entity_type = organisation_names.entity_type
            and name_variants.cvr_in_name = organisation_names.cvr_number
)

select * from final
