{#- Change between consecutive waves (of the survey_waves seed) within the
    panel: the institutions and associations that returned a questionnaire in
    both. Per survey, item, pair of waves and domain (`municipality`, of the
    earlier wave's frame, and `survey`): the pairs with a valid answer in both
    waves, the share answering yes (yes/no cooperation items) or the mean
    agreement (attitude items) in each wave, the mean within-respondent change
    with its standard error and 95 % interval (estimate ± z · SE).
    Unweighted: the panel is described as it is (doc block panel_change).
    Not disclosure-controlled: the release tier's rpt_panel_change selects
    from it. -#}
with

survey_responses as (
    select
        response_id,
        survey,
        coalesce(institution_id, association_id) as respondent_entity_id,
        kommunekode,
        wave
    from {{ ref('int_survey_responses_unioned') }}
),

institution_answers as (
    select
        response_id,
        survey_item_id,
        answer_status,
        answer_value
    from {{ ref('stg_institution_survey__answers') }}
),

association_answers as (
    select
        response_id,
        survey_item_id,
        answer_status,
        answer_value
    from {{ ref('stg_association_survey__answers') }}
),

survey_items as (
    select
        survey_item_id,
        case when topic = 'attitude' then 'mean' else 'share_yes' end as statistic
    from {{ ref('survey_items') }}
    where topic = 'attitude' or (topic = 'cooperation' and value_set = 'yes_no')
),

survey_waves as (
    select
        wave as from_wave,
        lead(wave) over (order by wave) as to_wave
    from {{ ref('survey_waves') }}
),

answers as (
    select * from institution_answers
    union all
    select * from association_answers
),

valid_values as (
    select
        survey_responses.survey,
        survey_responses.respondent_entity_id,
        survey_responses.kommunekode,
        answers.survey_item_id,
        survey_items.statistic,
        survey_responses.wave,
        case
            when survey_items.statistic = 'mean' then cast(answers.answer_value as float8)
            when answers.answer_value = 1 then cast(1 as float8)
            else cast(0 as float8)
        end as observed_value
    from answers
    inner join survey_responses
        on answers.response_id = survey_responses.response_id
    inner join survey_items
        on answers.survey_item_id = survey_items.survey_item_id
    where answers.answer_status = 'valid'
),

-- A pair: one entity's valid answers to one item in two consecutive waves,
-- in the municipality of the earlier wave's frame.
pairs as (
    select
        first_answers.survey,
        first_answers.kommunekode,
        first_answers.survey_item_id,
        first_answers.statistic,
        survey_waves.from_wave,
        survey_waves.to_wave,
        first_answers.observed_value as value_from,
        second_answers.observed_value as value_to,
        second_answers.observed_value - first_answers.observed_value as change
    from valid_values as first_answers
    inner join survey_waves
        on first_answers.wave = survey_waves.from_wave
    inner join valid_values as second_answers
        on
            first_answers.survey = second_answers.survey
            and first_answers.respondent_entity_id = second_answers.respondent_entity_id
            and first_answers.survey_item_id = second_answers.survey_item_id
            and survey_waves.to_wave = second_answers.wave
),

domain_pairs as (
    select
        'municipality' as domain_level,
        kommunekode as domain_code,
        kommunekode,
        survey,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        value_from,
        value_to,
        change
    from pairs

    union all

    select
        'survey' as domain_level,
        'all' as domain_code,
        cast(null as varchar) as kommunekode,
        survey,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        value_from,
        value_to,
        change
    from pairs
),

-- The values are whole numbers, so these sums are exact and a rebuild gives
-- the same bits whatever order the rows come in.
sums as (
    select
        domain_level,
        domain_code,
        kommunekode,
        survey,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        count(*) as pair_count,
        least(count(distinct value_from), count(distinct value_to)) as distinct_value_count,
        sum(value_from) as sum_from,
        sum(value_to) as sum_to,
        sum(change) as change_sum,
        sum(change * change) as change_square_sum
    from domain_pairs
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

-- Variance of the mean difference, s_d² / n, written as
-- (n Σd² - (Σd)²) / (n² (n - 1)): exact up to the one division.
cells as (
    select
        *,
        sum_from / pair_count as value_from,
        sum_to / pair_count as value_to,
        change_sum / pair_count as change,
        case
            when pair_count > 1
                then
                    sqrt(
                        (pair_count * change_square_sum - change_sum * change_sum)
                        / (cast(pair_count as float8) * pair_count * (pair_count - 1))
                    )
        end as standard_error
    from sums
),

final as (
    select
        survey_item_id
        || '-' || cast(from_wave as varchar) || '-' || cast(to_wave as varchar)
        || '-' || domain_level || '-' || domain_code as panel_change_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        cast(from_wave as integer) as from_wave,
        cast(to_wave as integer) as to_wave,
        cast(pair_count as integer) as pair_count,
        cast(distinct_value_count as integer) as distinct_value_count,
        cast(value_from as float8) as value_from,
        cast(value_to as float8) as value_to,
        cast(change as float8) as change,
        cast(standard_error as float8) as standard_error,
        cast(change - cast({{ var('confidence_z') }} as float8) * standard_error as float8)
            as ci_lower,
        cast(change + cast({{ var('confidence_z') }} as float8) * standard_error as float8)
            as ci_upper
    from cells
)

select * from final
