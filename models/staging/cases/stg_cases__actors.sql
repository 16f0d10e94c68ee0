{#- contact_person and contact_phone are personal data and are never selected
    (the loader's keyed pseudonym of the person is); a contact person or phone
    number written into the name is scrubbed. -#}
with

source as (
    select * from {{ source('cases', 'actors') }}
),

renamed as (
    select
        actor_id,
        case_id,
        actor_type,
        {{ scrub_personal_data('actor_name') }} as actor_name,
        cvr as cvr_number,
        contact_person_key,
        _file as source_file,
        _line as source_line
    from source
)

select * from renamed
