{#- The answers every survey estimate reads, with one base per item. A
    filtered item (survey_items.filter_condition) that the filter question
    routed past (its valid answer does not meet the condition; the export
    says not applicable, or nothing where the questionnaire was left
    unfinished) gets the answer the questionnaire implies,
    survey_value_sets.not_asked_value (no, or 0 partners): so a filtered
    item's base is everyone with a valid answer to its filter question,
    everywhere. The derived items of
    survey_derived_items follow: yes where any component is yes, no where
    every component is a valid no. See the doc block item_base. -#}
with

institution_answers as (
    select
        survey_answer_id,
        response_id,
        survey_item_id,
        answer_status,
        answer_value
    from {{ ref('stg_institution_survey__answers') }}
),

association_answers as (
    select
        survey_answer_id,
        response_id,
        survey_item_id,
        answer_status,
        answer_value
    from {{ ref('stg_association_survey__answers') }}
),

survey_items as (
    select
        survey_item_id,
        survey,
        variable,
        value_set,
        filter_condition
    from {{ ref('survey_items') }}
),

survey_value_sets as (
    select
        value_set,
        not_asked_value
    from {{ ref('survey_value_sets') }}
),

survey_derived_items as (
    select
        survey_item_id,
        survey,
        variable,
        component_variable
    from {{ ref('survey_derived_items') }}
),

answers as (
    select * from institution_answers
    union all
    select * from association_answers
),

-- 'coop_municipal = 1': the filter item of the same survey and the value
-- that puts the question to a unit.
item_filters as (
    select
        filtered_items.survey_item_id,
        filter_items.survey_item_id as filter_survey_item_id,
        cast(
            trim({{ dbt.split_part('filtered_items.filter_condition', "'='", 2) }}) as integer
        ) as filter_value,
        survey_value_sets.not_asked_value
    from survey_items as filtered_items
    inner join survey_items as filter_items
        on
            filtered_items.survey = filter_items.survey
            and trim({{ dbt.split_part('filtered_items.filter_condition', "'='", 1) }})
            = filter_items.variable
    inner join survey_value_sets
        on filtered_items.value_set = survey_value_sets.value_set
    where filtered_items.filter_condition is not null
),

recoded as (
    select
        answers.survey_answer_id,
        answers.response_id,
        answers.survey_item_id,
        survey_items.survey,
        survey_items.value_set,
        answers.answer_status,
        answers.answer_value,
        item_filters.not_asked_value,
        coalesce(
            answers.answer_status <> 'valid'
            and filter_answers.answer_status = 'valid'
            and filter_answers.answer_value <> item_filters.filter_value
            and item_filters.not_asked_value is not null,
            false
        ) as is_routed_past
    from answers
    inner join survey_items
        on answers.survey_item_id = survey_items.survey_item_id
    left join item_filters
        on answers.survey_item_id = item_filters.survey_item_id
    left join answers as filter_answers
        on
            answers.response_id = filter_answers.response_id
            and item_filters.filter_survey_item_id = filter_answers.survey_item_id
),

item_answers as (
    select
        survey_answer_id,
        response_id,
        survey_item_id,
        survey,
        value_set,
        case when is_routed_past then 'valid' else answer_status end as answer_status,
        case when is_routed_past then not_asked_value else answer_value end as answer_value,
        is_routed_past,
        false as is_derived
    from recoded
),

derived_counts as (
    select
        item_answers.response_id,
        survey_derived_items.survey_item_id,
        survey_derived_items.survey,
        survey_derived_items.variable,
        count(*) as component_count,
        sum(case when item_answers.answer_status = 'valid' then 1 else 0 end) as valid_count,
        sum(
            case
                when item_answers.answer_status = 'valid' and item_answers.answer_value = 1
                    then 1
                else 0
            end
        ) as yes_count
    from item_answers
    inner join survey_items
        on item_answers.survey_item_id = survey_items.survey_item_id
    inner join survey_derived_items
        on
            survey_items.survey = survey_derived_items.survey
            and survey_items.variable = survey_derived_items.component_variable
    group by 1, 2, 3, 4
),

derived_answers as (
    select
        response_id || '-' || variable as survey_answer_id,
        response_id,
        survey_item_id,
        survey,
        'yes_no' as value_set,
        case
            when yes_count > 0 or valid_count = component_count then 'valid' else 'incomplete'
        end as answer_status,
        case
            when yes_count > 0 then 1
            when valid_count = component_count then 2
        end as answer_value,
        false as is_routed_past,
        true as is_derived
    from derived_counts
),

final as (
    select
        survey_answer_id,
        response_id,
        survey_item_id,
        survey,
        value_set,
        answer_status,
        cast(answer_value as integer) as answer_value,
        is_routed_past,
        is_derived
    from item_answers

    union all

    select
        survey_answer_id,
        response_id,
        survey_item_id,
        survey,
        value_set,
        answer_status,
        cast(answer_value as integer) as answer_value,
        is_routed_past,
        is_derived
    from derived_answers
)

select * from final
