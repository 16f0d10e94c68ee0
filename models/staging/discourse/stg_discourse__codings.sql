with

source as (
    select * from {{ source('discourse', 'codings') }}
),

renamed as (
    select
        segment_id || '-' || coder_id || '-' || justification_code as coding_id,
        segment_id,
        coder_id,
        justification_code,
        cast(coded_date as date) as coded_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
