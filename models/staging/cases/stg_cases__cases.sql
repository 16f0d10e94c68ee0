with

source as (
    select * from {{ source('cases', 'cases') }}
),

renamed as (
    select
        case_id,
        kommunekode,
        policy_area_code,
        {{ scrub_personal_data('case_title') }} as case_title,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
