{#- Every name mention with the entity its variant is linked to. A mention of
    an ambiguous variant is settled by context when exactly one of the tied
    candidates is linked by the same respondent elsewhere (another wave or
    partner column), or itself names the respondent in the other survey. -#}
{{ config(pre_hook="{{ postgres_without_nested_loops() }}") }}

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

name_candidates as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_score,
        candidate_rank
    from {{ ref('int_name_candidates_scored') }}
),

mentions_by_variant as (
    select
        name_mentions.*,
        coalesce(name_mentions.named_by_institution_id, name_mentions.named_by_association_id)
            as writer_id,
        name_variants.name_variant_id,
        name_variants.linked_entity_id,
        name_variants.match_method,
        name_variants.match_score
    from name_mentions
    inner join name_variants
        on
            name_mentions.entity_type = name_variants.entity_type
            and name_mentions.kommunekode = name_variants.kommunekode
            and name_mentions.name_variant = name_variants.name_variant
),

-- Who names whom, from the links the names alone settle.
survey_links as (
    select distinct
        writer_id,
        linked_entity_id
    from mentions_by_variant
    where writer_id is not null and linked_entity_id is not null
),

-- The candidates an ambiguous variant could not choose between.
tied_candidates as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_score
    from name_candidates
    where candidate_rank = 1
),

candidates_with_context as (
    select
        mentions_by_variant.name_mention_id,
        tied_candidates.entity_id,
        tied_candidates.match_score
    from mentions_by_variant
    inner join tied_candidates
        on
            mentions_by_variant.entity_type = tied_candidates.entity_type
            and mentions_by_variant.kommunekode = tied_candidates.kommunekode
            and mentions_by_variant.name_variant = tied_candidates.name_variant
    left join survey_links as named_elsewhere
        on
            mentions_by_variant.writer_id = named_elsewhere.writer_id
            and tied_candidates.entity_id = named_elsewhere.linked_entity_id
    left join survey_links as names_the_writer
        on
            tied_candidates.entity_id = names_the_writer.writer_id
            and mentions_by_variant.writer_id = names_the_writer.linked_entity_id
    where
        mentions_by_variant.match_method = 'ambiguous'
        and (
            named_elsewhere.writer_id is not null
            or names_the_writer.writer_id is not null
        )
),

settled_by_context as (
    select
        name_mention_id,
        min(entity_id) as entity_id,
        max(match_score) as match_score
    from candidates_with_context
    group by 1
    having count(distinct entity_id) = 1
),

linked as (
    select
        mentions_by_variant.name_mention_id,
        mentions_by_variant.mention_source,
        mentions_by_variant.record_id,
        mentions_by_variant.kommunekode,
        mentions_by_variant.entity_type,
        mentions_by_variant.name_variant_id,
        case
            when settled_by_context.entity_id is not null then 'context'
            else mentions_by_variant.match_method
        end as match_method,
        mentions_by_variant.named_by_institution_id,
        mentions_by_variant.named_by_association_id,
        mentions_by_variant.case_id,
        case
            when mentions_by_variant.entity_type = 'institution'
                then coalesce(mentions_by_variant.linked_entity_id, settled_by_context.entity_id)
        end as institution_id,
        case
            when mentions_by_variant.entity_type = 'association'
                then coalesce(mentions_by_variant.linked_entity_id, settled_by_context.entity_id)
        end as association_id,
        mentions_by_variant.mention_position,
        mentions_by_variant.wave,
        coalesce(mentions_by_variant.match_score, settled_by_context.match_score) as match_score
    from mentions_by_variant
    left join settled_by_context
        on mentions_by_variant.name_mention_id = settled_by_context.name_mention_id
)

select * from linked
