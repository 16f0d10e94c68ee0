-- Nothing lost: for every raw file, the rows read equal the rows staged plus
-- the rows quarantined in rejected_rows. Returns the files that do not add up.
with

load_audit as (
    select
        file,
        rows_read
    from {{ source('load', 'load_audit') }}
),

rejected_rows as (
    select
        file,
        count(distinct line) as rows_rejected
    from {{ source('load', 'rejected_rows') }}
    group by 1
),

staged as (
    {%- set staged_files = {
        'institution_survey/frame.csv': 'stg_institution_survey__frame',
        'institution_survey/responses.csv': 'stg_institution_survey__responses',
        'association_survey/frame.csv': 'stg_association_survey__frame',
        'association_survey/responses.csv': 'stg_association_survey__responses',
        'discourse/documents.csv': 'stg_discourse__documents',
        'discourse/segments.csv': 'stg_discourse__segments',
        'discourse/codings.csv': 'stg_discourse__codings',
        'cases/cases.csv': 'stg_cases__cases',
        'cases/actors.csv': 'stg_cases__actors',
        'cases/episodes.csv': 'stg_cases__episodes',
        'cases/episode_participants.csv': 'stg_cases__episode_participants',
    } %}
    {%- for file, model in staged_files.items() %}
        select
            '{{ file }}' as file,
            count(*) as rows_staged
        from {{ ref(model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

reconciled as (
    select
        load_audit.file,
        load_audit.rows_read,
        coalesce(staged.rows_staged, 0) as rows_staged,
        coalesce(rejected_rows.rows_rejected, 0) as rows_rejected
    from load_audit
    left join staged
        on load_audit.file = staged.file
    left join rejected_rows
        on load_audit.file = rejected_rows.file
)

select * from reconciled
where rows_read != rows_staged + rows_rejected
