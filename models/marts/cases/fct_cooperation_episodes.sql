with

episodes as (
    select
        episode_id,
        case_id,
        episode_type,
        outcome,
        episode_date
    from {{ ref('stg_cases__episodes') }}
),

cases as (
    select
        case_id,
        kommunekode,
        start_date,
        end_date
    from {{ ref('stg_cases__cases') }}
),

episode_participants as (
    select
        episode_id,
        actor_id
    from {{ ref('stg_cases__episode_participants') }}
),

case_actors_linked as (
    select
        actor_id,
        actor_type,
        institution_id,
        association_id
    from {{ ref('int_case_actors_linked') }}
),

participating_actors as (
    select
        episode_participants.episode_id,
        episode_participants.actor_id,
        case_actors_linked.actor_type,
        case_actors_linked.institution_id,
        case_actors_linked.association_id
    from episode_participants
    inner join case_actors_linked
        on episode_participants.actor_id = case_actors_linked.actor_id
),

episode_participation as (
    select
        episode_id,
        min(institution_id) as institution_id,
        min(association_id) as association_id,
        count(*) as participant_count,
        sum(case when actor_type = 'institution' then 1 else 0 end) as institution_count,
        sum(case when actor_type = 'association' then 1 else 0 end) as association_count,
        sum(case when actor_type = 'volunteer_group' then 1 else 0 end) as volunteer_group_count,
        count(distinct institution_id) as linked_institution_count,
        count(distinct association_id) as linked_association_count
    from participating_actors
    group by episode_id
),

episode_institutions as (
    select distinct
        episode_id,
        institution_id
    from participating_actors
    where institution_id is not null
),

episode_institution_lists as (
    select
        episode_id,
        {{ dbt.listagg('institution_id', "', '", 'order by institution_id') }} as institution_ids
    from episode_institutions
    group by episode_id
),

episode_associations as (
    select distinct
        episode_id,
        association_id
    from participating_actors
    where association_id is not null
),

episode_association_lists as (
    select
        episode_id,
        {{ dbt.listagg('association_id', "', '", 'order by association_id') }} as association_ids
    from episode_associations
    group by episode_id
),

episode_quarters as (
    select
        episodes.episode_id,
        {{ dbt.datediff('cases.start_date', 'episodes.episode_date', 'quarter') }}
            as quarter_index
    from episodes
    inner join cases
        on episodes.case_id = cases.case_id
),

final as (
    select
        episodes.episode_id,
        episodes.case_id,
        cast(episode_participation.institution_id as varchar) as institution_id,
        cast(episode_participation.association_id as varchar) as association_id,
        cases.kommunekode,
        episodes.episode_type,
        episodes.outcome,
        cast(episode_institution_lists.institution_ids as varchar) as institution_ids,
        cast(episode_association_lists.association_ids as varchar) as association_ids,
        cast(episode_quarters.quarter_index as integer) as quarter_index,
        cast(coalesce(episode_participation.participant_count, 0) as integer) as participant_count,
        cast(coalesce(episode_participation.institution_count, 0) as integer) as institution_count,
        cast(coalesce(episode_participation.association_count, 0) as integer) as association_count,
        cast(
            coalesce(episode_participation.volunteer_group_count, 0) as integer
        ) as volunteer_group_count,
        cast(
            coalesce(episode_participation.linked_institution_count, 0) as integer
        ) as linked_institution_count,
        cast(
            coalesce(episode_participation.linked_association_count, 0) as integer
        ) as linked_association_count,
        coalesce(
            episodes.episode_date between cases.start_date and cases.end_date, false
        ) as is_within_case_period,
        episodes.episode_date
    from episodes
    left join cases
        on episodes.case_id = cases.case_id
    left join episode_quarters
        on episodes.episode_id = episode_quarters.episode_id
    left join episode_participation
        on episodes.episode_id = episode_participation.episode_id
    left join episode_institution_lists
        on episodes.episode_id = episode_institution_lists.episode_id
    left join episode_association_lists
        on episodes.episode_id = episode_association_lists.episode_id
)

select * from final
