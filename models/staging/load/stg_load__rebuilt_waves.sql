with

source as (
    select * from {{ source('load', 'rebuilt_waves') }}
),

renamed as (
    select cast(wave as integer) as wave
    from source
)

select * from renamed
