{#- Share of responding institutions that cooperate with associations, and
    with volunteers, by wave, municipality and policy area. Unweighted shares
    of valid answers (don't know and not answered left out of the base). -#}
with

answers as (
    select
        response_id,
        survey_item_id,
        answer_value
    from {{ ref('fct_survey_answers') }}
    where
        survey_item_id in (
            'institution__coop_associations', 'institution__coop_volunteers'
        )
        and answer_status = 'valid'
),

survey_responses as (
    select
        response_id,
        kommunekode,
        policy_area_code,
        wave
    from {{ ref('int_survey_responses_unioned') }}
    where survey = 'institution'
),

by_cell as (
    select
        survey_responses.kommunekode,
        survey_responses.policy_area_code,
        survey_responses.wave,
        sum(
            case when answers.survey_item_id = 'institution__coop_associations' then 1 else 0 end
        ) as associations_base,
        sum(
            case
                when
                    answers.survey_item_id = 'institution__coop_associations'
                    and answers.answer_value = 1
                    then 1
                else 0
            end
        ) as associations_yes,
        sum(
            case when answers.survey_item_id = 'institution__coop_volunteers' then 1 else 0 end
        ) as volunteers_base,
        sum(
            case
                when
                    answers.survey_item_id = 'institution__coop_volunteers'
                    and answers.answer_value = 1
                    then 1
                else 0
            end
        ) as volunteers_yes
    from answers
    inner join survey_responses
        on answers.response_id = survey_responses.response_id
    group by 1, 2, 3
),

final as (
    select
        kommunekode || '-' || policy_area_code || '-' || cast(wave as varchar)
            as cooperation_cell_id,
        kommunekode,
        policy_area_code,
        wave,
        cast(associations_base as integer) as associations_base,
        case
            when associations_base >= {{ var('min_cell_size') }}
                then cast(associations_yes as float8) / associations_base
        end as share_cooperating_with_associations,
        cast(volunteers_base as integer) as volunteers_base,
        case
            when volunteers_base >= {{ var('min_cell_size') }}
                then cast(volunteers_yes as float8) / volunteers_base
        end as share_with_volunteers,
        associations_base < {{ var('min_cell_size') }}
        or volunteers_base < {{ var('min_cell_size') }} as is_suppressed
    from by_cell
)

select * from final
