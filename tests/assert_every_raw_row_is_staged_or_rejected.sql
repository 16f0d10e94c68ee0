-- Nothing lost: for every raw table, the rows read equal the rows staged plus
-- the rows quarantined in rejected_rows. Returns the tables that do not add up
-- (by table, not file: the three discourse tables may share one .qdpx file).
-- Tagged every_build: an incremental build runs it too, whatever it rebuilds.
{{ config(tags=['every_build']) }}

with

load_audit as (
    select
        table_name,
        file,
        rows_read
    from {{ source('load', 'load_audit') }}
),

rejected_rows as (
    select
        table_name,
        count(distinct line) as rows_rejected
    from {{ source('load', 'rejected_rows') }}
    group by 1
),

staged as (
    {%- set staged_tables = {
        'institution_survey__frame': 'stg_institution_survey__frame',
        'institution_survey__responses': 'stg_institution_survey__responses',
        'association_survey__frame': 'stg_association_survey__frame',
        'association_survey__responses': 'stg_association_survey__responses',
        'discourse__documents': 'stg_discourse__documents',
        'discourse__segments': 'stg_discourse__segments',
        'discourse__codings': 'stg_discourse__codings',
        'cases__cases': 'stg_cases__cases',
        'cases__actors': 'stg_cases__actors',
        'cases__episodes': 'stg_cases__episodes',
        'cases__episode_participants': 'stg_cases__episode_participants',
    } %}
    {%- for table_name, model in staged_tables.items() %}
        select
            '{{ table_name }}' as table_name,
            count(*) as rows_staged
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

reconciled as (
    select
        load_audit.table_name,
        load_audit.file,
        load_audit.rows_read,
        coalesce(staged.rows_staged, 0) as rows_staged,
        coalesce(rejected_rows.rows_rejected, 0) as rows_rejected
    from load_audit
    left join staged
        on load_audit.table_name = staged.table_name
    left join rejected_rows
        on load_audit.table_name = rejected_rows.table_name
)

select * from reconciled
where rows_read != rows_staged + rows_rejected
