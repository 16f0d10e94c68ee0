with

case_actors as (
    select
        actor_id,
        case_id,
        actor_type
    from {{ ref('stg_cases__actors') }}
),

case_mentions as (
    select
        record_id as actor_id,
        institution_id,
        association_id,
        match_method,
        match_score
    from {{ ref('int_name_mentions_linked') }}
    where mention_source = 'cases'
),

linked as (
    select
        case_actors.actor_id,
        case_actors.case_id,
        case_actors.actor_type,
        case_mentions.institution_id,
        case_mentions.association_id,
        coalesce(case_mentions.match_method, 'not_an_organisation') as match_method,
        case_mentions.match_score
    from case_actors
    left join case_mentions
        on case_actors.actor_id = case_mentions.actor_id
)

select * from linked
