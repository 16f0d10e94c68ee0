with

source as (
    select * from {{ source('discourse', 'documents') }}
),

renamed as (
    select
        document_id,
        kommunekode,
        document_type,
        {{ scrub_personal_data('title') }} as document_title,
        text as document_text,
        cast(published_date as date) as published_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
