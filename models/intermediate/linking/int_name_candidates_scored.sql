{#- Every entity a written name could be, by every linking method that finds
    one (a model per method, int_name_candidates_<method>_matched, each with
    one row per name and entity), strongest method first (method_rank). -#}
{%- set methods = ['manual', 'cvr', 'exact', 'normalised', 'fuzzy', 'partial', 'nickname'] %}
with

name_candidates as (
    {%- for method in methods %}
        select
            entity_type,
            kommunekode,
            name_variant,
            entity_id,
            match_method,
            method_rank,
            match_score
        from {{ ref('int_name_candidates_' ~ method ~ '_matched') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
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

rejected_pairs as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id
    from linking_decisions
    where decision = 'different'
),

-- A decision that a variant is not an entity removes that candidate,
-- whatever method found it.
kept_candidates as (
    select name_candidates.*
    from name_candidates
    left join rejected_pairs
        on
            name_candidates.entity_type = rejected_pairs.entity_type
            and name_candidates.kommunekode = rejected_pairs.kommunekode
            and name_candidates.name_variant = rejected_pairs.name_variant
            and name_candidates.entity_id = rejected_pairs.entity_id
    where rejected_pairs.entity_id is null
),

-- The order the linking takes candidates in: strongest method, then highest
-- score; the candidates ranked 1 are the variant's best (several: a tie).
final as (
    select
        {{ dbt.hash(
            "entity_type || '|' || kommunekode || '|' || name_variant"
            ~ " || '|' || entity_id || '|' || match_method"
        ) }} as name_candidate_id,
        entity_type,
        kommunekode,
        name_variant,
        entity_id,
        match_method,
        method_rank,
        match_score,
        rank() over (
            partition by entity_type, kommunekode, name_variant
            order by method_rank asc, match_score desc
        ) as candidate_rank
    from kept_candidates
)

select * from final
