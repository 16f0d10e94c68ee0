{#- A table, not a view: the unpivot of every response is read by many
    tests and by several models, and a view would unpivot it each time. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('association_survey', 'responses') }}
),

-- Only the partner columns are scrubbed: scrubbing every column took twice as long.
item_values as (
    select
        source.response_id,
        {{ unpivot_columns(
            'source', column_names(source('association_survey', 'responses'), 'partner_')
        ) }}
    from source
),

unpivoted as (
    select
        response_id,
        column_name,
        {{ scrub_personal_data('column_value') }} as partner_name
    from item_values
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
