with

institution_responses as (
    select * from {{ ref('stg_institution_survey__responses') }}
),

institution_frame as (
    select
        institution_id,
        kommunekode,
        policy_area_code,
        leader_key,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

association_responses as (
    select * from {{ ref('stg_association_survey__responses') }}
),

association_frame as (
    select
        association_id,
        kommunekode,
        association_field_code,
        chair_key,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

institution_side as (
    select
        institution_responses.response_id,
        'institution' as survey,
        institution_responses.institution_id,
        cast(null as varchar) as association_id,
        institution_frame.leader_key as respondent_key,
        institution_frame.kommunekode,
        institution_frame.policy_area_code,
        cast(null as varchar) as association_field_code,
        institution_responses.completion_status,
        institution_responses.wave,
        institution_responses.is_complete,
        institution_responses.submitted_date,
        institution_responses.started_at
    from institution_responses
    inner join institution_frame
        on
            institution_responses.institution_id = institution_frame.institution_id
            and institution_responses.wave = institution_frame.wave
),

association_side as (
    select
        association_responses.response_id,
        'association' as survey,
        cast(null as varchar) as institution_id,
        association_responses.association_id,
        association_frame.chair_key as respondent_key,
        association_frame.kommunekode,
        cast(null as varchar) as policy_area_code,
        association_frame.association_field_code,
        association_responses.completion_status,
        association_responses.wave,
        association_responses.is_complete,
        association_responses.submitted_date,
        association_responses.started_at
    from association_responses
    inner join association_frame
        on
            association_responses.association_id = association_frame.association_id
            and association_responses.wave = association_frame.wave
),

unioned as (
    select * from institution_side
    union all
    select * from association_side
)

select * from unioned
