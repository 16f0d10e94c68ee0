{#- The valid answers of both surveys (items and derived items, with the
    one base per item of int_survey_answers_recoded) with their
    questionnaire's nonresponse weight and post-stratum: the input of every
    weighted estimate. Missing answers (don't know, not answered, not
    applicable where the filter question was not answered) are left out: an
    item's estimate uses its valid answers, and its variance still counts
    every respondent of the post-stratum (n_h). Questionnaires without a
    weight (a municipality and wave with fewer than two respondents) are
    left out too. -#}
with

answers as (
    select
        survey_answer_id,
        response_id,
        survey_item_id,
        value_set,
        answer_value
    from {{ ref('int_survey_answers_recoded') }}
    where answer_status = 'valid'
),

survey_weights as (
    select
        response_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight
    from {{ ref('int_survey_weights_computed') }}
    where is_represented
),

final as (
    select
        answers.survey_answer_id,
        answers.response_id,
        answers.survey_item_id,
        survey_weights.post_stratum_id,
        survey_weights.survey,
        survey_weights.kommunekode,
        survey_weights.policy_area_code,
        survey_weights.association_field_code,
        answers.value_set,
        survey_weights.wave,
        answers.answer_value,
        survey_weights.post_stratum_invited_count,
        survey_weights.post_stratum_responded_count,
        survey_weights.nonresponse_weight
    from answers
    inner join survey_weights
        on answers.response_id = survey_weights.response_id
)

select * from final
