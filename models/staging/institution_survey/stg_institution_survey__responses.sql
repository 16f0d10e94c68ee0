with

source as (
    select * from {{ source('institution_survey', 'responses') }}
),

renamed as (
    select
        response_id,
        institution_code as institution_id,
        completion_status,
        cast(wave as integer) as wave,
        completion_status = 'complete' as is_complete,
        cast(submitted_date as date) as submitted_date,
        cast(started_at as timestamp) as started_at,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
