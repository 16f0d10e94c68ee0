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

organisation_names as (
    select
        entity_type,
        entity_id,
        kommunekode,
        official_name,
        normalised_name,
        cvr_number
    from {{ ref('int_organisation_names_normalised') }}
),

name_variants as (
    select
        entity_type,
        kommunekode,
        name_variant,
        cast(count(*) as integer) as mention_count
    from name_mentions
    group by 1, 2, 3
),

variants_normalised as (
    select
        name_variants.entity_type,
        name_variants.kommunekode,
        name_variants.name_variant,
        name_variants.mention_count,
        name_texts.normalised_name,
        {{ extract_pattern('name_variants.name_variant', '[0-9]{8}') }} as cvr_in_name
    from name_variants
    inner join name_texts
        on name_variants.name_variant = name_texts.name_text
),

candidates as (
    -- Candidate entities by method, strongest first. A CVR number identifies an
    -- association anywhere; names are compared within the variant's municipality
    -- (blocking), since respondents name local partners.
    select
        variants_normalised.entity_type,
        variants_normalised.kommunekode,
        variants_normalised.name_variant,
        organisation_names.entity_id,
        'cvr' as match_method,
        1 as method_rank,
        cast(1.0 as float8) as match_score
    from variants_normalised
    inner join organisation_names
        on
            variants_normalised.entity_type = organisation_names.entity_type
            and variants_normalised.cvr_in_name = organisation_names.cvr_number

    union all

    select
        variants_normalised.entity_type,
        variants_normalised.kommunekode,
        variants_normalised.name_variant,
        organisation_names.entity_id,
        'exact_name' as match_method,
        2 as method_rank,
        cast(1.0 as float8) as match_score
    from variants_normalised
    inner join organisation_names
        on
            variants_normalised.entity_type = organisation_names.entity_type
            and variants_normalised.kommunekode = organisation_names.kommunekode
            and variants_normalised.name_variant = organisation_names.official_name

    union all

    select
        variants_normalised.entity_type,
        variants_normalised.kommunekode,
        variants_normalised.name_variant,
        organisation_names.entity_id,
        'normalised_name' as match_method,
        3 as method_rank,
        cast(0.9 as float8) as match_score
    from variants_normalised
    inner join organisation_names
        on
            variants_normalised.entity_type = organisation_names.entity_type
            and variants_normalised.kommunekode = organisation_names.kommunekode
            and variants_normalised.normalised_name = organisation_names.normalised_name
),

best_rank as (
    select
        entity_type,
        kommunekode,
        name_variant,
        min(method_rank) as method_rank
    from candidates
    group by 1, 2, 3
),

best_candidates as (
    select
        candidates.entity_type,
        candidates.kommunekode,
        candidates.name_variant,
        min(candidates.match_method) as match_method,
        min(candidates.match_score) as match_score,
        min(candidates.entity_id) as entity_id,
        cast(count(distinct candidates.entity_id) as integer) as candidate_count
    from candidates
    inner join best_rank
        on
            candidates.entity_type = best_rank.entity_type
            and candidates.kommunekode = best_rank.kommunekode
            and candidates.name_variant = best_rank.name_variant
            and candidates.method_rank = best_rank.method_rank
    group by 1, 2, 3
),

linked as (
    select
        {{ dbt.hash(
            "variants_normalised.entity_type || '|' || variants_normalised.kommunekode"
            ~ " || '|' || variants_normalised.name_variant"
        ) }}
            as name_variant_id,
        variants_normalised.entity_type,
        variants_normalised.kommunekode,
        variants_normalised.name_variant,
        variants_normalised.normalised_name,
        variants_normalised.cvr_in_name,
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
        coalesce(best_candidates.candidate_count, 0) as candidate_count,
        variants_normalised.mention_count
    from variants_normalised
    left join best_candidates
        on
            variants_normalised.entity_type = best_candidates.entity_type
            and variants_normalised.kommunekode = best_candidates.kommunekode
            and variants_normalised.name_variant = best_candidates.name_variant
)

select * from linked
