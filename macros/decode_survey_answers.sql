{#- Decode unpivoted survey answers through the codebook seeds.
    Every (response, item) pair is kept; missing answers keep their reason:
    an empty cell means the respondent never reached or skipped the item
    (`not_answered`), a declared missing code keeps its codebook reason. Any
    other code is an answer: a scale point with its label, or a count. The
    loader has rejected every code off the item's scale, so there is no other. -#}
{% macro decode_survey_answers(answers, survey_items, value_labels) -%}
    select
        {{ answers }}.response_id || '-' || {{ survey_items }}.variable as survey_answer_id,
        {{ answers }}.response_id,
        {{ survey_items }}.survey_item_id,
        {{ answers }}.raw_value,
        {{ value_labels }}.label_da as value_label_da,
        {{ value_labels }}.label_en as value_label_en,
        case
            when {{ answers }}.raw_value is null then 'not_answered'
            when {{ value_labels }}.missing_reason is not null
                then {{ value_labels }}.missing_reason
            else 'valid'
        end as answer_status,
        case
            when {{ answers }}.raw_value is null then 'not_answered'
            else {{ value_labels }}.missing_reason
        end as missing_reason,
        case
            when {{ value_labels }}.missing_reason is null
                then cast({{ answers }}.raw_value as integer)
        end as answer_value,
        {{ answers }}.raw_value is null as is_blank
    from {{ answers }}
    inner join {{ survey_items }}
        on {{ answers }}.variable = {{ survey_items }}.variable
    left join {{ value_labels }}
        on
            {{ survey_items }}.value_set = {{ value_labels }}.value_set
            and {{ answers }}.raw_value = {{ value_labels }}.code
{%- endmacro %}
