with

survey_mentions as (
    select
        name_mention_id,
        mention_source,
        named_by_institution_id,
        named_by_association_id,
        institution_id,
        association_id,
        wave,
        match_method,
        match_score
    from {{ ref('int_name_mentions_linked') }}
    where mention_source in ('institution_survey', 'association_survey')
),

case_actors as (
    select
        actor_id,
        case_id,
        institution_id,
        association_id,
        match_method,
        match_score
    from {{ ref('int_case_actors_linked') }}
),

named_by_institutions as (
    select
        name_mention_id as evidence_id,
        'named_by_institution' as evidence_type,
        named_by_institution_id as institution_id,
        association_id,
        cast(null as varchar) as case_id,
        match_method,
        wave,
        match_score
    from survey_mentions
    where mention_source = 'institution_survey' and association_id is not null
),

named_by_associations as (
    select
        name_mention_id as evidence_id,
        'named_by_association' as evidence_type,
        institution_id,
        named_by_association_id as association_id,
        cast(null as varchar) as case_id,
        match_method,
        wave,
        match_score
    from survey_mentions
    where mention_source = 'association_survey' and institution_id is not null
),

seen_in_cases as (
    -- Every linked institution and every linked association of the same case
    -- form a pair seen in that case; the weaker of the two links is the pair's.
    select
        'cases:' || case_institutions.actor_id || '~' || case_associations.actor_id
            as evidence_id,
        'seen_in_case' as evidence_type,
        case_institutions.institution_id,
        case_associations.association_id,
        case_institutions.case_id,
        case
            when case_institutions.match_score <= case_associations.match_score
                then case_institutions.match_method
            else case_associations.match_method
        end as match_method,
        cast(null as integer) as wave,
        least(case_institutions.match_score, case_associations.match_score) as match_score
    from case_actors as case_institutions
    inner join case_actors as case_associations
        on case_institutions.case_id = case_associations.case_id
    where
        case_institutions.institution_id is not null
        and case_associations.association_id is not null
),

unioned as (
    select * from named_by_institutions
    union all
    select * from named_by_associations
    union all
    select * from seen_in_cases
)

select * from unioned
