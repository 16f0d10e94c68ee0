{#- summary is the researcher's free text and may name persons: only whether
    there is one is staged. -#}
with

source as (
    select * from {{ source('cases', 'episodes') }}
),

renamed as (
    select
        episode_id,
        case_id,
        episode_type,
        outcome,
        summary is not null as has_summary,
        cast(episode_date as date) as episode_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
