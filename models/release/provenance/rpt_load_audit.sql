{#- The raw files the published tables were built from: one row per raw
    table of the last load, with its file's checksum and rows. -#}
with

load_audit as (
    select
        table_name,
        file,
        file_format,
        sha256,
        rows_read,
        rows_loaded,
        rows_rejected,
        loaded_at
    from {{ ref('stg_load__load_audit') }}
),

final as (
    select
        table_name,
        file,
        file_format,
        sha256,
        cast(null as varchar) as suppression_reason,
        rows_read,
        rows_loaded,
        rows_rejected,
        false as is_suppressed,
        loaded_at
    from load_audit
)

select * from final
