{#- Response per survey, wave and municipality, from the frames: everyone
    invited against every returned questionnaire (complete or partial). -#}
with

institution_frame as (
    select
        kommunekode,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

association_frame as (
    select
        kommunekode,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

survey_responses as (
    select
        survey,
        kommunekode,
        wave,
        is_complete
    from {{ ref('int_survey_responses_unioned') }}
),

invited as (
    select
        'institution' as survey,
        kommunekode,
        wave,
        count(*) as invited_count
    from institution_frame
    group by 1, 2, 3

    union all

    select
        'association' as survey,
        kommunekode,
        wave,
        count(*) as invited_count
    from association_frame
    group by 1, 2, 3
),

responded as (
    select
        survey,
        kommunekode,
        wave,
        count(*) as responded_count,
        sum(case when is_complete then 1 else 0 end) as complete_count
    from survey_responses
    group by 1, 2, 3
),

final as (
    select
        invited.survey || '-' || invited.kommunekode || '-' || cast(invited.wave as varchar)
            as response_cell_id,
        invited.survey,
        invited.kommunekode,
        invited.wave,
        cast(invited.invited_count as integer) as invited_count,
        cast(coalesce(responded.responded_count, 0) as integer) as responded_count,
        cast(coalesce(responded.complete_count, 0) as integer) as complete_count,
        case
            when invited.invited_count >= {{ var('min_cell_size') }}
                then
                    cast(coalesce(responded.responded_count, 0) as float8)
                    / invited.invited_count
        end as response_rate,
        invited.invited_count < {{ var('min_cell_size') }} as is_suppressed
    from invited
    left join responded
        on
            invited.survey = responded.survey
            and invited.kommunekode = responded.kommunekode
            and invited.wave = responded.wave
)

select * from final
