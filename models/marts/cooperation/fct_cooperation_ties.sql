with

cooperation_evidence as (
    select * from {{ ref('int_cooperation_evidence_unioned') }}
),

institutions as (
    select
        institution_id,
        kommunekode
    from {{ ref('dim_institutions') }}
),

by_pair as (
    select
        institution_id,
        association_id,
        {{ dbt.listagg("distinct match_method", "', '", "order by match_method") }}
            as match_methods,
        count(*) as evidence_count,
        sum(case when evidence_type = 'named_by_institution' then 1 else 0 end)
            as institution_mention_count,
        sum(case when evidence_type = 'named_by_association' then 1 else 0 end)
            as association_mention_count,
        count(distinct case_id) as case_count,
        min(match_score) as min_match_score,
        min(wave) as first_wave,
        max(wave) as last_wave
    from cooperation_evidence
    group by 1, 2
),

final as (
    select
        by_pair.institution_id || '~' || by_pair.association_id as cooperation_tie_id,
        by_pair.institution_id,
        by_pair.association_id,
        institutions.kommunekode,
        by_pair.match_methods,
        cast(by_pair.evidence_count as integer) as evidence_count,
        cast(by_pair.institution_mention_count as integer) as institution_mention_count,
        cast(by_pair.association_mention_count as integer) as association_mention_count,
        cast(by_pair.case_count as integer) as case_count,
        cast(by_pair.min_match_score as float8) as min_match_score,
        cast(by_pair.first_wave as integer) as first_wave,
        cast(by_pair.last_wave as integer) as last_wave,
        by_pair.institution_mention_count > 0 as is_named_by_institution,
        by_pair.association_mention_count > 0 as is_named_by_association,
        by_pair.case_count > 0 as is_seen_in_case,
        by_pair.institution_mention_count > 0
        and by_pair.association_mention_count > 0 as is_reciprocated
    from by_pair
    inner join institutions
        on by_pair.institution_id = institutions.institution_id
)

select * from final
