with

source as (
    select * from {{ source('association_survey', 'responses') }}
),

renamed as (
    select
        response_id,
        association_code as association_id,
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
