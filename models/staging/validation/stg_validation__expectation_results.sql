{#- Built after the validation has run (samspil build's release phase): its
    source is written by the validation, not by the load. -#}
with

source as (
    select * from {{ source('validation', 'expectation_results') }}
),

renamed as (
    select
        cast(run_id as varchar) || '-' || cast(expectation_id as varchar)
            as expectation_result_id,
        cast(run_id as varchar) as run_id,
        cast(expectation_id as varchar) as expectation_id,
        cast(severity as varchar) as severity,
        cast(success as boolean) as is_success,
        cast(run_at as timestamp) as run_at
    from source
)

select * from renamed
