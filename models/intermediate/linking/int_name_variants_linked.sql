{#- The linking's mapping table: each distinct name variant with the entity
    the strongest method finds. Two or more entities tied at the best method
    and score leave the variant ambiguous and unlinked; a close runner-up
    flags a link for review. -#}
with

name_mentions as (
    select
        kommunekode,
        entity_type,
        name_variant
    from {{ ref('int_name_mentions_unioned') }}
),

name_texts as (
    select
        name_text,
        normalised_name
    from {{ ref('int_name_texts_normalised') }}
),

name_candidates as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_method,
        match_score,
        candidate_rank
    from {{ ref('int_name_candidates_scored') }}
),

name_variants as (
    select
        name_mentions.entity_type,
        name_mentions.kommunekode,
        name_mentions.name_variant,
        name_texts.normalised_name,
        {{ extract_pattern('name_mentions.name_variant', '[0-9]{8}') }} as cvr_in_name,
        count(*) as mention_count
    from name_mentions
    inner join name_texts
        on name_mentions.name_variant = name_texts.name_text
    group by 1, 2, 3, 4
),

best_candidates as (
    select
        entity_type,
        kommunekode,
        name_variant,
        min(match_method) as match_method,
        max(match_score) as match_score,
        min(entity_id) as entity_id,
        count(distinct entity_id) as candidate_count
    from name_candidates
    where candidate_rank = 1
    group by 1, 2, 3
),

-- The best score any other entity reaches, by any method.
runners_up as (
    select
        name_candidates.entity_type,
        name_candidates.kommunekode,
        name_candidates.name_variant,
        max(name_candidates.match_score) as runner_up_score
    from name_candidates
    inner join best_candidates
        on
            name_candidates.entity_type = best_candidates.entity_type
            and name_candidates.kommunekode = best_candidates.kommunekode
            and name_candidates.name_variant = best_candidates.name_variant
            and name_candidates.entity_id != best_candidates.entity_id
    where best_candidates.candidate_count = 1
    group by 1, 2, 3
),

linked as (
    select
        {{ dbt.hash(
            "name_variants.entity_type || '|' || name_variants.kommunekode"
            ~ " || '|' || name_variants.name_variant"
        ) }}
            as name_variant_id,
        name_variants.entity_type,
        name_variants.kommunekode,
        name_variants.name_variant,
        name_variants.normalised_name,
        name_variants.cvr_in_name,
        case
            when best_candidates.candidate_count = 1 then best_candidates.entity_id
        end as linked_entity_id,
        case
            when best_candidates.candidate_count is null then 'unmatched'
            when best_candidates.candidate_count > 1 then 'ambiguous'
            else best_candidates.match_method
        end as match_method,
        case
            when best_candidates.candidate_count = 1 then best_candidates.match_score
        end as match_score,
        runners_up.runner_up_score,
        cast(coalesce(best_candidates.candidate_count, 0) as integer) as candidate_count,
        cast(name_variants.mention_count as integer) as mention_count,
        coalesce(
            best_candidates.candidate_count > 1
            -- a place can be the town an institution lies in without being in its name
            or best_candidates.match_method = 'nickname_place'
            or (
                best_candidates.match_method in ('fuzzy_name', 'partial_name', 'nickname_place')
                and runners_up.runner_up_score >= best_candidates.match_score
                - {{ var('review_score_margin') }}
            ),
            false
        ) as is_flagged_for_review
    from name_variants
    left join best_candidates
        on
            name_variants.entity_type = best_candidates.entity_type
            and name_variants.kommunekode = best_candidates.kommunekode
            and name_variants.name_variant = best_candidates.name_variant
    left join runners_up
        on
            name_variants.entity_type = runners_up.entity_type
            and name_variants.kommunekode = runners_up.kommunekode
            and name_variants.name_variant = runners_up.name_variant
)

select * from linked
