{#- A table, not a view: the unpivot of every response is read by many
    tests and by several models, and a view would unpivot it each time. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('association_survey', 'responses') }}
),

-- Only the partner columns are scrubbed: scrubbing every column took twice as long.
unpivoted as (
    select
        source.response_id,
        item_values.column_name,
        {{ scrub_personal_data('item_values.column_value') }} as partner_name
    from source
    cross join lateral {{ unpivot_row("source") }} as item_values  -- noqa: ST05
    where item_values.column_name like 'partner\_%' escape '\'
),

partner_mentions as (
    select
        response_id || '-' || substring(column_name, 9) as partner_mention_id,
        response_id,
        partner_name,
        cast(substring(column_name, 9) as integer) as mention_position
    from unpivoted
    where partner_name is not null
)

select * from partner_mentions
