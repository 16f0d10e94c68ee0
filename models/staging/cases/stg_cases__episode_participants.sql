with

source as (
    select * from {{ source('cases', 'episode_participants') }}
),

renamed as (
    select
        episode_id || '-' || actor_id as episode_participant_id,
        episode_id,
        actor_id,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
