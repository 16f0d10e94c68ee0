with

source as (
    select * from {{ source('disclosure', 'suppression_pattern') }}
),

renamed as (
    select
        cast(release_cell_id as varchar) as release_cell_id,
        cast(is_suppressed as boolean) as is_suppressed,
        cast(suppression_reason as varchar) as suppression_reason
    from source
)

select * from renamed
