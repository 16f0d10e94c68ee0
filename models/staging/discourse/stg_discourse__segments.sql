with

source as (
    select * from {{ source('discourse', 'segments') }}
),

renamed as (
    select
        segment_id,
        document_id,
        segment_text,
        cast(start_offset as integer) as start_offset,
        cast(end_offset as integer) as end_offset,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
