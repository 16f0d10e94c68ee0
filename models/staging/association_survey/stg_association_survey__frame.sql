with

source as (
    select * from {{ source('association_survey', 'frame') }}
),

renamed as (
    select
        association_code || '-' || wave as frame_entry_id,
        association_code as association_id,
        kommunekode,
        {{ scrub_personal_data('association_name') }} as association_name,
        cvr as cvr_number,
        chair_key,
        association_field_code,
        cast(wave as integer) as wave,
        cast(invited_date as date) as invited_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
