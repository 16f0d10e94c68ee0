{#- One nonresponse weight per returned questionnaire (complete or partial,
    as in rpt_response_rates): N_h / n_h of its post-stratum h, the invited
    units of h over its respondents. See the doc block nonresponse_weights. -#}
with

survey_responses as (
    select
        response_id,
        survey,
        institution_id,
        association_id,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        is_complete
    from {{ ref('int_survey_responses_unioned') }}
),

survey_strata as (
    select
        survey_stratum_id,
        post_stratum_id,
        survey,
        kommunekode,
        stratum_code,
        wave,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight,
        finite_population_correction,
        is_collapsed,
        is_represented
    from {{ ref('int_survey_strata_collapsed') }}
),

final as (
    select
        survey_responses.response_id,
        survey_strata.survey_stratum_id,
        survey_strata.post_stratum_id,
        survey_responses.survey,
        survey_responses.institution_id,
        survey_responses.association_id,
        survey_responses.kommunekode,
        survey_responses.policy_area_code,
        survey_responses.association_field_code,
        survey_responses.wave,
        survey_strata.post_stratum_invited_count,
        survey_strata.post_stratum_responded_count,
        survey_strata.nonresponse_weight,
        survey_strata.finite_population_correction,
        survey_responses.is_complete,
        survey_strata.is_collapsed,
        survey_strata.is_represented
    from survey_responses
    inner join survey_strata
        on
            survey_responses.survey = survey_strata.survey
            and survey_responses.kommunekode = survey_strata.kommunekode
            and coalesce(survey_responses.policy_area_code, survey_responses.association_field_code)
            = survey_strata.stratum_code
            and survey_responses.wave = survey_strata.wave
)

select * from final
