{#- A table, not a view: the unpivot of every response is read by many
    tests and by several models, and a view would unpivot it each time. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('association_survey', 'responses') }}
),

-- The five partner columns, one row each: two arrays of the same length,
-- which DuckDB and PostgreSQL both unnest side by side.
unpivoted as (
    select
        source.response_id,
        unnest(array[1, 2, 3, 4, 5]) as mention_position,
        unnest(array[
            source.partner_1,
            source.partner_2,
            source.partner_3,
            source.partner_4,
            source.partner_5
        ]) as raw_partner_name
    from source
),

scrubbed as (
    select
        response_id,
        mention_position,
        {{ scrub_personal_data('raw_partner_name') }} as partner_name
    from unpivoted
),

partner_mentions as (
    select
        response_id || '-' || mention_position as partner_mention_id,
        response_id,
        partner_name,
        mention_position
    from scrubbed
    where partner_name is not null
)

select * from partner_mentions
