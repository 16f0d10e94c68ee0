{#- Case timelines pooled over the cases: per quarter since a case started
    and episode type, how many cases had such an episode and how many
    episodes there were. The unit is the case (a case's own timeline is in
    fct_cooperation_episodes). Not about persons (the researchers' notes on
    organisations' cooperation), so not suppressed: see its meta.disclosure. -#}
with

episodes as (
    select
        case_id,
        episode_type,
        quarter_index
    from {{ ref('fct_cooperation_episodes') }}
),

by_cell as (
    select
        quarter_index,
        episode_type,
        count(distinct case_id) as case_count,
        count(*) as episode_count
    from episodes
    group by 1, 2
),

final as (
    select
        cast(quarter_index as varchar) || '-' || episode_type as case_timeline_id,
        episode_type,
        cast(quarter_index as integer) as quarter_index,
        cast(case_count as integer) as case_count,
        cast(episode_count as integer) as episode_count,
        cast(episode_count as float8) / case_count as episodes_per_case,
        cast(null as varchar) as suppression_reason,
        false as is_suppressed
    from by_cell
)

select * from final
