{#- Attitudes to co-production, institutions versus associations: for each
    attitude item asked in both surveys, the mean on the 1-5 agreement scale and
    the share agreeing (4 or 5), by wave and survey. Unweighted, valid answers. -#}
with

answers as (
    select
        survey_item_id,
        survey,
        wave,
        answer_value
    from {{ ref('fct_survey_answers') }}
    where answer_status = 'valid'
),

survey_items as (
    select
        survey_item_id,
        construct,
        question_en
    from {{ ref('dim_survey_items') }}
    where topic = 'attitude'
),

by_cell as (
    select
        survey_items.construct,
        answers.survey,
        answers.wave,
        min(survey_items.question_en) as question_en,
        count(*) as answer_base,
        avg(cast(answers.answer_value as float8)) as mean_agreement,
        avg(case when answers.answer_value >= 4 then 1.0 else 0.0 end) as share_agreeing
    from answers
    inner join survey_items
        on answers.survey_item_id = survey_items.survey_item_id
    group by 1, 2, 3
),

final as (
    select
        construct || '-' || survey || '-' || cast(wave as varchar) as attitude_cell_id,
        construct,
        survey,
        question_en,
        wave,
        cast(answer_base as integer) as answer_base,
        case
            when answer_base >= {{ var('min_cell_size') }}
                then cast(mean_agreement as float8)
        end as mean_agreement,
        case
            when answer_base >= {{ var('min_cell_size') }}
                then cast(share_agreeing as float8)
        end as share_agreeing,
        answer_base < {{ var('min_cell_size') }} as is_suppressed
    from by_cell
)

select * from final
