with

source as (
    select * from {{ source('load', 'load_audit') }}
),

renamed as (
    select
        cast(file as varchar) as file,
        cast(table_name as varchar) as table_name,
        cast(format as varchar) as file_format,
        cast(sha256 as varchar) as sha256,
        cast(rows_read as integer) as rows_read,
        cast(rows_loaded as integer) as rows_loaded,
        cast(rows_rejected as integer) as rows_rejected,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
