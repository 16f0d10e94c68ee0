{#- Response per survey, wave and stratum of the frames (municipality ×
    policy area for institutions, municipality × association field for
    associations): everyone invited against every returned questionnaire
    (complete or partial), with the post-stratum the stratum is weighted in
    and its nonresponse weight. Strata without respondents show here with a
    responded_count of 0. -#}
with

survey_strata as (
    select
        survey_stratum_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        post_stratum_invited_count,
        post_stratum_responded_count,
        nonresponse_weight,
        is_collapsed,
        is_represented
    from {{ ref('int_survey_strata_collapsed') }}
),

final as (
    select
        survey_stratum_id as response_stratum_id,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        post_stratum_invited_count,
        post_stratum_responded_count,
        case
            when invited_count >= {{ var('min_cell_size') }}
                then cast(responded_count as float8) / invited_count
        end as response_rate,
        case
            when invited_count >= {{ var('min_cell_size') }}
                then cast(nonresponse_weight as float8)
        end as nonresponse_weight,
        is_collapsed,
        is_represented,
        invited_count < {{ var('min_cell_size') }} as is_suppressed
    from survey_strata
)

select * from final
