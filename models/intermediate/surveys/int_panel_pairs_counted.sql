{#- The panel between consecutive waves of the survey_waves seed, counted:
    the institutions and associations that returned a questionnaire in both
    waves of a pair, placed in the municipality of the earlier wave's frame,
    and per survey, item, statistic and domain (the whole survey, or the
    municipality) the sums over the pairs (members with a valid answer in
    both waves) that int_panel_changes_computed needs: y is 1/0 for a share,
    the answer for a mean. The answers are those of every estimate, with one
    base per item (int_survey_answers_recoded, doc block item_base). -#}
with

survey_waves as (
    select wave
    from {{ ref('survey_waves') }}
),

survey_responses as (
    select
        response_id,
        survey,
        coalesce(institution_id, association_id) as respondent_entity_id,
        kommunekode,
        wave
    from {{ ref('int_survey_responses_unioned') }}
),

answers as (
    select
        response_id,
        survey_item_id,
        value_set,
        answer_value
    from {{ ref('int_survey_answers_recoded') }}
    where answer_status = 'valid'
),

item_statistics as (
    select
        'share_yes' as statistic,
        'yes_no' as value_set
    union all
    select
        'share_yes' as statistic,
        'yes_no_filtered' as value_set
    union all
    select
        'mean' as statistic,
        'likert5' as value_set
    union all
    select
        'mean' as statistic,
        'count' as value_set
    union all
    select
        'share_agreeing' as statistic,
        'likert5' as value_set
),

wave_pairs as (
    select
        lag(wave) over (order by wave) as from_wave,
        wave as to_wave
    from survey_waves
),

-- One observed value per valid answer and statistic, as in the cross-section:
-- 1/0 for a share, the answer for a mean.
observations as (
    select
        survey_responses.survey,
        survey_responses.respondent_entity_id,
        survey_responses.kommunekode,
        survey_responses.wave,
        answers.survey_item_id,
        item_statistics.statistic,
        cast(
            case
                when item_statistics.statistic = 'mean' then answers.answer_value
                when item_statistics.statistic = 'share_yes' and answers.answer_value = 1 then 1
                when item_statistics.statistic = 'share_agreeing' and answers.answer_value >= 4
                    then 1
                else 0
            end as float8
        ) as observed_value
    from answers
    inner join survey_responses
        on answers.response_id = survey_responses.response_id
    inner join item_statistics
        on answers.value_set = item_statistics.value_set
),

-- Panel members of a wave pair, in the municipality of the earlier wave.
panel_members as (
    select
        first_wave.survey,
        first_wave.respondent_entity_id,
        first_wave.kommunekode,
        wave_pairs.from_wave,
        wave_pairs.to_wave
    from wave_pairs
    inner join survey_responses as first_wave
        on wave_pairs.from_wave = first_wave.wave
    inner join survey_responses as second_wave
        on
            first_wave.survey = second_wave.survey
            and first_wave.respondent_entity_id = second_wave.respondent_entity_id
            and wave_pairs.to_wave = second_wave.wave
),

pairs as (
    select
        panel_members.survey,
        panel_members.kommunekode,
        panel_members.from_wave,
        panel_members.to_wave,
        first_values.survey_item_id,
        first_values.statistic,
        first_values.observed_value as value_from,
        second_values.observed_value as value_to
    from panel_members
    inner join observations as first_values
        on
            panel_members.survey = first_values.survey
            and panel_members.respondent_entity_id = first_values.respondent_entity_id
            and panel_members.from_wave = first_values.wave
    inner join observations as second_values
        on
            panel_members.survey = second_values.survey
            and panel_members.respondent_entity_id = second_values.respondent_entity_id
            and panel_members.to_wave = second_values.wave
            and first_values.survey_item_id = second_values.survey_item_id
            and first_values.statistic = second_values.statistic
),

domain_members as (
    select
        'municipality' as domain_level,
        kommunekode as domain_code,
        survey,
        kommunekode,
        from_wave,
        to_wave
    from panel_members
    union all
    select
        'survey' as domain_level,
        'all' as domain_code,
        survey,
        cast(null as varchar) as kommunekode,
        from_wave,
        to_wave
    from panel_members
),

domain_pairs as (
    select
        'municipality' as domain_level,
        pairs.kommunekode as domain_code,
        pairs.survey,
        pairs.kommunekode,
        pairs.from_wave,
        pairs.to_wave,
        pairs.survey_item_id,
        pairs.statistic,
        pairs.value_from,
        pairs.value_to
    from pairs
    union all
    select
        'survey' as domain_level,
        'all' as domain_code,
        pairs.survey,
        cast(null as varchar) as kommunekode,
        pairs.from_wave,
        pairs.to_wave,
        pairs.survey_item_id,
        pairs.statistic,
        pairs.value_from,
        pairs.value_to
    from pairs
),

panel_sizes as (
    select
        domain_level,
        domain_code,
        survey,
        from_wave,
        to_wave,
        count(*) as panel_member_count
    from domain_members
    group by 1, 2, 3, 4, 5
),

-- The values are whole numbers, so these sums are exact and a rebuild gives
-- the same bits whatever order the rows come in.
cells as (
    select
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        count(*) as pair_count,
        sum(value_from) as from_sum,
        sum(value_to) as to_sum,
        sum(value_to - value_from) as change_sum,
        sum((value_to - value_from) * (value_to - value_from)) as change_square_sum,
        sum(case when value_from = 1 and value_to = 1 then 1 else 0 end) as both_count,
        sum(case when value_from = 1 and value_to = 0 then 1 else 0 end) as from_only_count,
        sum(case when value_from = 0 and value_to = 1 then 1 else 0 end) as to_only_count,
        sum(case when value_from = 0 and value_to = 0 then 1 else 0 end) as neither_count,
        least(
            count(distinct value_from),
            count(distinct value_to),
            count(distinct value_to - value_from)
        ) as distinct_value_count
    from domain_pairs
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

final as (
    select
        cells.survey_item_id
        || '-' || cells.statistic
        || '-' || cast(cells.from_wave as varchar)
        || '-' || cast(cells.to_wave as varchar)
        || '-' || cells.domain_level
        || '-' || cells.domain_code as panel_change_id,
        cells.domain_level,
        cells.domain_code,
        cells.survey,
        cells.kommunekode,
        cells.survey_item_id,
        cells.statistic,
        cells.from_wave,
        cells.to_wave,
        cast(panel_sizes.panel_member_count as integer) as panel_member_count,
        cast(cells.pair_count as integer) as pair_count,
        cast(cells.distinct_value_count as integer) as distinct_value_count,
        cast(cells.both_count as integer) as both_count,
        cast(cells.from_only_count as integer) as from_only_count,
        cast(cells.to_only_count as integer) as to_only_count,
        cast(cells.neither_count as integer) as neither_count,
        cast(cells.from_sum as float8) as from_sum,
        cast(cells.to_sum as float8) as to_sum,
        cast(cells.change_sum as float8) as change_sum,
        cast(cells.change_square_sum as float8) as change_square_sum
    from cells
    inner join panel_sizes
        on
            cells.domain_level = panel_sizes.domain_level
            and cells.domain_code = panel_sizes.domain_code
            and cells.survey = panel_sizes.survey
            and cells.from_wave = panel_sizes.from_wave
            and cells.to_wave = panel_sizes.to_wave
)

select * from final
