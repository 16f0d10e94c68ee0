with

cases as (
    select
        case_id,
        kommunekode,
        policy_area_code,
        case_title,
        start_date,
        end_date
    from {{ ref('stg_cases__cases') }}
),

episodes as (
    select
        episode_id,
        case_id,
        episode_date
    from {{ ref('stg_cases__episodes') }}
),

actors as (
    select
        actor_id,
        case_id,
        actor_type
    from {{ ref('stg_cases__actors') }}
),

case_episodes as (
    select
        case_id,
        count(*) as episode_count,
        min(episode_date) as first_episode_date,
        max(episode_date) as last_episode_date
    from episodes
    group by case_id
),

case_actors as (
    select
        case_id,
        count(*) as actor_count,
        sum(case when actor_type = 'institution' then 1 else 0 end) as institution_count,
        sum(case when actor_type = 'association' then 1 else 0 end) as association_count,
        sum(case when actor_type = 'volunteer_group' then 1 else 0 end) as volunteer_group_count
    from actors
    group by case_id
),

case_periods as (
    select
        case_id,
        1 + {{ dbt.datediff('start_date', 'end_date', 'quarter') }}
            as followed_quarter_count
    from cases
),

final as (
    select
        cases.case_id,
        cases.kommunekode,
        cases.policy_area_code,
        cases.case_title,
        cast(case_periods.followed_quarter_count as integer) as followed_quarter_count,
        cast(coalesce(case_episodes.episode_count, 0) as integer) as episode_count,
        cast(coalesce(case_actors.actor_count, 0) as integer) as actor_count,
        cast(coalesce(case_actors.institution_count, 0) as integer) as institution_count,
        cast(coalesce(case_actors.association_count, 0) as integer) as association_count,
        cast(
            coalesce(case_actors.volunteer_group_count, 0) as integer
        ) as volunteer_group_count,
        cases.start_date,
        cases.end_date,
        case_episodes.first_episode_date,
        case_episodes.last_episode_date
    from cases
    left join case_periods
        on cases.case_id = case_periods.case_id
    left join case_episodes
        on cases.case_id = case_episodes.case_id
    left join case_actors
        on cases.case_id = case_actors.case_id
)

select * from final
