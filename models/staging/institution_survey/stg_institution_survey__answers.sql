{#- A table, not a view: the unpivot of every response is read by many
    tests and by several models, and a view would unpivot it each time. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('institution_survey', 'responses') }}
),

survey_items as (
    select * from {{ ref('survey_items') }}
    where survey = 'institution'
),

survey_value_labels as (
    select * from {{ ref('survey_value_labels') }}
),

item_values as (
    select
        source.response_id,
        {{ unpivot_columns(
            'source', column_names(source('institution_survey', 'responses'))
        ) }}
    from source
),

unpivoted as (
    select
        response_id,
        column_name as variable,
        column_value as raw_value
    from item_values
),

decoded as (
    {{ decode_survey_answers('unpivoted', 'survey_items', 'survey_value_labels') }}
)

select * from decoded
