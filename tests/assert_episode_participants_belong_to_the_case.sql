{#- An episode's participants are actors of the episode's own case. Returns
    the participations that name an actor of another case. -#}
with

episode_participants as (
    select
        episode_participant_id,
        episode_id,
        actor_id
    from {{ ref('stg_cases__episode_participants') }}
),

episodes as (
    select
        episode_id,
        case_id
    from {{ ref('stg_cases__episodes') }}
),

actors as (
    select
        actor_id,
        case_id
    from {{ ref('stg_cases__actors') }}
),

participants_of_other_cases as (
    select
        episode_participants.episode_participant_id,
        episodes.case_id as episode_case_id,
        actors.case_id as actor_case_id
    from episode_participants
    inner join episodes
        on episode_participants.episode_id = episodes.episode_id
    inner join actors
        on episode_participants.actor_id = actors.actor_id
    where episodes.case_id != actors.case_id
)

select * from participants_of_other_cases
