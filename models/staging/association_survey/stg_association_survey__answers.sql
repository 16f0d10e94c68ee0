{#- A table, not a view: the unpivot of every response is read by many
    tests and by several models, and a view would unpivot it each time. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('association_survey', 'responses') }}
),

survey_items as (
    select
        survey_item_id,
        variable,
        value_set
    from {{ ref('survey_items') }}
    where survey = 'association'
),

survey_value_labels as (
    select
        value_set,
        code,
        label_da,
        label_en,
        missing_reason
    from {{ ref('survey_value_labels') }}
),

-- Each questionnaire as one JSON object, so that an item's cell is read by
-- the item's variable: the codebook, not the export, lists the items (the
-- loader has checked that the export has a column for every one). This CTE
-- and the next are materialized: PostgreSQL would otherwise write the whole
-- row as JSON again for every use of a cell (docs/performance.md).
response_documents as materialized (
    select
        source.response_id,
        to_json(source) as response_document
    from source
),

unpivoted as materialized (
    select
        response_documents.response_id,
        survey_items.survey_item_id,
        survey_items.variable,
        survey_items.value_set,
        response_documents.response_document ->> survey_items.variable as raw_value
    from response_documents
    cross join survey_items
),

-- An empty cell is not answered (never reached or skipped); a declared
-- missing code keeps its codebook reason; any other code is an answer, a
-- scale point with its label or a count (the loader has rejected codes off
-- the item's scale).
decoded as (
    select
        unpivoted.response_id || '-' || unpivoted.variable as survey_answer_id,
        unpivoted.response_id,
        unpivoted.survey_item_id,
        unpivoted.raw_value,
        survey_value_labels.label_da as value_label_da,
        survey_value_labels.label_en as value_label_en,
        case
            when unpivoted.raw_value is null then 'not_answered'
            when survey_value_labels.missing_reason is not null
                then survey_value_labels.missing_reason
            else 'valid'
        end as answer_status,
        case
            when unpivoted.raw_value is null then 'not_answered'
            else survey_value_labels.missing_reason
        end as missing_reason,
        case
            when survey_value_labels.missing_reason is null
                then cast(unpivoted.raw_value as integer)
        end as answer_value,
        unpivoted.raw_value is null as is_blank
    from unpivoted
    left join survey_value_labels
        on
            unpivoted.value_set = survey_value_labels.value_set
            and unpivoted.raw_value = survey_value_labels.code
)

select * from decoded
