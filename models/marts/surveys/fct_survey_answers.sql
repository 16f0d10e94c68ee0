with

institution_answers as (
    select * from {{ ref('stg_institution_survey__answers') }}
),

association_answers as (
    select * from {{ ref('stg_association_survey__answers') }}
),

survey_responses as (
    select
        response_id,
        survey,
        institution_id,
        association_id,
        respondent_key,
        kommunekode,
        wave,
        is_complete
    from {{ ref('int_survey_responses_unioned') }}
),

answers as (
    select * from institution_answers
    union all
    select * from association_answers
),

final as (
    select
        answers.survey_answer_id,
        answers.response_id,
        answers.survey_item_id,
        survey_responses.survey,
        survey_responses.institution_id,
        survey_responses.association_id,
        survey_responses.respondent_key,
        survey_responses.kommunekode,
        answers.raw_value as answer_code,
        answers.value_label_da,
        answers.value_label_en,
        answers.answer_status,
        answers.missing_reason,
        survey_responses.wave,
        answers.answer_value,
        answers.missing_reason is not null as is_missing,
        answers.is_blank,
        survey_responses.is_complete as is_complete_response
    from answers
    inner join survey_responses
        on answers.response_id = survey_responses.response_id
)

select * from final
