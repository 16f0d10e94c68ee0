with

survey_items as (
    select * from {{ ref('survey_items') }}
),

survey_value_sets as (
    select * from {{ ref('survey_value_sets') }}
),

survey_value_labels as (
    select * from {{ ref('survey_value_labels') }}
),

labels_by_value_set as (
    select
        value_set,
        {{ dbt.listagg("code || ' = ' || label_en", "'; '", "order by code") }}
            as value_labels_en,
        {{ dbt.listagg("code || ' = ' || label_da", "'; '", "order by code") }}
            as value_labels_da,
        {{ dbt.listagg(
            "case when missing_reason is not null then code || ' = ' || missing_reason end",
            "'; '",
            "order by code",
        ) }} as missing_codes
    from survey_value_labels
    group by 1
),

final as (
    select
        survey_items.survey_item_id,
        survey_items.survey,
        survey_items.variable,
        survey_items.topic,
        survey_items.construct,
        survey_items.question_da,
        survey_items.question_en,
        survey_items.value_set,
        survey_value_sets.value_type,
        labels_by_value_set.value_labels_da,
        labels_by_value_set.value_labels_en,
        labels_by_value_set.missing_codes,
        survey_items.filter_condition,
        cast(survey_items.item_order as integer) as item_order,
        cast(survey_value_sets.min_value as integer) as min_value,
        cast(survey_value_sets.max_value as integer) as max_value
    from survey_items
    inner join survey_value_sets
        on survey_items.value_set = survey_value_sets.value_set
    inner join labels_by_value_set
        on survey_items.value_set = labels_by_value_set.value_set
)

select * from final
