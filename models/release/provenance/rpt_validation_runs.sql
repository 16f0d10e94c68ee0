{#- The validation runs of the staged tables: per run, the expectations
    checked, passed, and failed at error and at warning level. -#}
with

expectation_results as (
    select
        run_id,
        severity,
        is_success,
        run_at
    from {{ ref('stg_validation__expectation_results') }}
),

runs as (
    select
        run_id,
        count(*) as expectation_count,
        sum(case when is_success then 1 else 0 end) as passed_count,
        sum(case when not is_success and severity = 'error' then 1 else 0 end)
            as failed_error_count,
        sum(case when not is_success and severity != 'error' then 1 else 0 end)
            as failed_warning_count,
        max(run_at) as run_at
    from expectation_results
    group by run_id
),

final as (
    select
        run_id,
        cast(null as varchar) as suppression_reason,
        cast(expectation_count as integer) as expectation_count,
        cast(passed_count as integer) as passed_count,
        cast(failed_error_count as integer) as failed_error_count,
        cast(failed_warning_count as integer) as failed_warning_count,
        false as is_suppressed,
        run_at
    from runs
)

select * from final
