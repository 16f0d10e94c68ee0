with

name_mentions as (
    select * from {{ ref('int_name_mentions_unioned') }}
),

name_variants as (
    select
        name_variant_id,
        entity_type,
        kommunekode,
        name_variant,
        linked_entity_id,
        match_method,
        match_score
    from {{ ref('int_name_variants_linked') }}
),

linked as (
    select
        name_mentions.name_mention_id,
        name_mentions.mention_source,
        name_mentions.record_id,
        name_mentions.kommunekode,
        name_mentions.entity_type,
        name_variants.name_variant_id,
        name_variants.match_method,
        name_mentions.named_by_institution_id,
        name_mentions.named_by_association_id,
        name_mentions.case_id,
        case
            when name_mentions.entity_type = 'institution' then name_variants.linked_entity_id
        end as institution_id,
        case
            when name_mentions.entity_type = 'association' then name_variants.linked_entity_id
        end as association_id,
        name_mentions.mention_position,
        name_mentions.wave,
        name_variants.match_score
    from name_mentions
    inner join name_variants
        on
            name_mentions.entity_type = name_variants.entity_type
            and name_mentions.kommunekode = name_variants.kommunekode
            and name_mentions.name_variant = name_variants.name_variant
)

select * from linked
