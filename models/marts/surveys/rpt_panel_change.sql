{#- Change from 2016 to 2018 within the panel: the institutions and
    associations that returned a questionnaire in both waves. Per survey,
    municipality and item: the share cooperating (yes/no cooperation items)
    or the mean agreement (attitude items) in 2016 and in 2018 among the
    panel members with a valid answer in both waves, the mean of their
    within-respondent changes, and its standard error and 95 % confidence
    interval. Unweighted: the panel is described as it is, see the doc block
    panel_change. -#}
with

survey_answers as (
    select
        survey,
        coalesce(institution_id, association_id) as respondent_entity_id,
        kommunekode,
        survey_item_id,
        answer_status,
        wave,
        answer_value
    from {{ ref('fct_survey_answers') }}
),

survey_items as (
    select
        survey_item_id,
        construct,
        question_en,
        case when topic = 'attitude' then 'mean' else 'share_yes' end as statistic
    from {{ ref('dim_survey_items') }}
    where topic = 'attitude' or (topic = 'cooperation' and value_set = 'yes_no')
),

questionnaires as (
    select distinct
        survey,
        respondent_entity_id,
        kommunekode,
        wave
    from survey_answers
),

-- Municipality of the 2016 frame (an entity does not move in the frames).
panel_members as (
    select
        first_wave.survey,
        first_wave.respondent_entity_id,
        first_wave.kommunekode
    from questionnaires as first_wave
    inner join questionnaires as second_wave
        on
            first_wave.survey = second_wave.survey
            and first_wave.respondent_entity_id = second_wave.respondent_entity_id
            and second_wave.wave = 2018
    where first_wave.wave = 2016
),

panel_sizes as (
    select
        survey,
        kommunekode,
        count(*) as panel_member_count
    from panel_members
    group by 1, 2
),

valid_values as (
    select
        survey_answers.survey,
        survey_answers.respondent_entity_id,
        survey_answers.survey_item_id,
        survey_answers.wave,
        case
            when survey_items.statistic = 'mean' then cast(survey_answers.answer_value as float8)
            when survey_answers.answer_value = 1 then cast(1 as float8)
            else cast(0 as float8)
        end as observed_value
    from survey_answers
    inner join survey_items
        on survey_answers.survey_item_id = survey_items.survey_item_id
    where survey_answers.answer_status = 'valid'
),

pairs as (
    select
        panel_members.survey,
        panel_members.kommunekode,
        first_answers.survey_item_id,
        first_answers.observed_value as value_2016,
        second_answers.observed_value as value_2018,
        second_answers.observed_value - first_answers.observed_value as change
    from panel_members
    inner join valid_values as first_answers
        on
            panel_members.survey = first_answers.survey
            and panel_members.respondent_entity_id = first_answers.respondent_entity_id
            and first_answers.wave = 2016
    inner join valid_values as second_answers
        on
            panel_members.survey = second_answers.survey
            and panel_members.respondent_entity_id = second_answers.respondent_entity_id
            and first_answers.survey_item_id = second_answers.survey_item_id
            and second_answers.wave = 2018
),

-- The values are whole numbers, so these sums are exact and a rebuild gives
-- the same bits whatever order the rows come in.
sums as (
    select
        survey,
        kommunekode,
        survey_item_id,
        count(*) as pair_count,
        sum(value_2016) as sum_2016,
        sum(value_2018) as sum_2018,
        sum(change) as change_sum,
        sum(change * change) as change_square_sum
    from pairs
    group by 1, 2, 3
),

-- Variance of the mean difference, s_d² / n, written as
-- (n Σd² - (Σd)²) / (n² (n - 1)): exact up to the one division.
cells as (
    select
        survey,
        kommunekode,
        survey_item_id,
        pair_count,
        sum_2016 / pair_count as value_2016,
        sum_2018 / pair_count as value_2018,
        change_sum / pair_count as change,
        case
            when pair_count > 1
                then
                    sqrt(
                        (pair_count * change_square_sum - change_sum * change_sum)
                        / (cast(pair_count as float8) * pair_count * (pair_count - 1))
                    )
        end as change_standard_error
    from sums
),

joined as (
    select
        cells.survey,
        cells.kommunekode,
        cells.survey_item_id,
        survey_items.construct,
        survey_items.statistic,
        survey_items.question_en,
        panel_sizes.panel_member_count,
        cells.pair_count,
        cells.value_2016,
        cells.value_2018,
        cells.change,
        cells.change_standard_error,
        cells.pair_count < {{ var('min_cell_size') }} as is_suppressed
    from cells
    inner join survey_items
        on cells.survey_item_id = survey_items.survey_item_id
    inner join panel_sizes
        on
            cells.survey = panel_sizes.survey
            and cells.kommunekode = panel_sizes.kommunekode
),

final as (
    select
        survey_item_id || '-' || kommunekode as panel_change_id,
        survey_item_id,
        survey,
        kommunekode,
        construct,
        statistic,
        question_en,
        cast(panel_member_count as integer) as panel_member_count,
        cast(pair_count as integer) as pair_count,
        cast(case when not is_suppressed then value_2016 end as float8) as value_2016,
        cast(case when not is_suppressed then value_2018 end as float8) as value_2018,
        cast(case when not is_suppressed then change end as float8) as change,
        cast(case when not is_suppressed then change_standard_error end as float8)
            as change_standard_error,
        cast(
            case
                when not is_suppressed
                    then
                        change
                        - cast({{ var('confidence_z') }} as float8) * change_standard_error
            end as float8
        ) as change_ci_lower,
        cast(
            case
                when not is_suppressed
                    then
                        change
                        + cast({{ var('confidence_z') }} as float8) * change_standard_error
            end as float8
        ) as change_ci_upper,
        is_suppressed
    from joined
)

select * from final
