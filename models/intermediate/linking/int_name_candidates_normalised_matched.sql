{#- A written name with the comparison key (normalised_name) of an official
    name in the writer's municipality: rank 3. Equal letters ("broby  skole"),
    then equal words once abbreviated ("korup sk"), score higher, which
    settles whether it is "Korup Skole" or "Korupskolen". -#}
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
        cleaned_name,
        contracted_name,
        normalised_name
    from {{ ref('int_name_texts_normalised') }}
),

organisation_names as (
    select
        entity_type,
        entity_id,
        kommunekode,
        cleaned_name,
        contracted_name,
        normalised_name
    from {{ ref('int_organisation_names_normalised') }}
),

name_variants as (
    select distinct
        name_mentions.entity_type,
        name_mentions.kommunekode,
        name_mentions.name_variant,
        replace(name_texts.cleaned_name, ' ', '') as compact_name,
        name_texts.contracted_name,
        name_texts.normalised_name
    from name_mentions
    inner join name_texts
        on name_mentions.name_variant = name_texts.name_text
),

scored as (
    select
        name_variants.entity_type,
        name_variants.kommunekode,
        name_variants.name_variant,
        organisation_names.entity_id,
        cast(
            case
                when
                    name_variants.compact_name = replace(organisation_names.cleaned_name, ' ', '')
                    then 0.95
                when name_variants.contracted_name = organisation_names.contracted_name then 0.93
                else 0.9
            end as float8
        ) as match_score
    from name_variants
    inner join organisation_names
        on
            name_variants.entity_type = organisation_names.entity_type
            and name_variants.kommunekode = organisation_names.kommunekode
            and name_variants.normalised_name = organisation_names.normalised_name
),

-- An entity renamed between waves has a row per official name: its best counts.
final as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        'normalised_name' as match_method,
        3 as method_rank,
        max(match_score) as match_score
    from scored
    group by 1, 2, 3, 4
)

select * from final
