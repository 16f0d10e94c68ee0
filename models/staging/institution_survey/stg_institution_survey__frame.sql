with

source as (
    select * from {{ source('institution_survey', 'frame') }}
),

renamed as (
    select
        institution_code || '-' || wave as frame_entry_id,
        institution_code as institution_id,
        kommunekode,
        {{ scrub_personal_data('institution_name') }} as institution_name,
        institution_type,
        leader_key,
        policy_area_code,
        cast(wave as integer) as wave,
        cast(invited_date as date) as invited_date,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
