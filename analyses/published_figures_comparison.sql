-- The study's published figures beside the same figure computed from the
-- warehouse, for the figures the marts can reproduce. On the synthetic demo
-- the two agree only roughly; on the real exports they should agree exactly
-- with one of the disagreeing sources. Compile with `dbt compile` and run the
-- SQL in target/compiled/ from any client.
with

published_figures as (
    select
        figure_id,
        figure,
        value as published_value,
        unit,
        source
    from {{ ref('published_figures') }}
),

response_rates as (
    select
        survey,
        wave,
        unit_count as invited_count,
        responded_count
    from {{ ref('rpt_response_rates') }}
),

survey_answers as (
    select
        response_id,
        survey_item_id,
        wave,
        answer_value,
        answer_status
    from {{ ref('fct_survey_answers') }}
),

-- Per questionnaire: does it say yes to the item? A filtered item that was
-- not applicable (the respondent does not cooperate at all) counts as no.
yes_by_response as (
    select
        response_id,
        wave,
        survey_item_id,
        case when answer_value = 1 then 1.0 else 0.0 end as is_yes
    from survey_answers
    where answer_status in ('valid', 'not_applicable')
),

institutions_cooperating as (
    select
        response_id,
        wave,
        max(is_yes) as is_yes
    from yes_by_response
    where
        survey_item_id in (
            'institution__coop_associations', 'institution__coop_volunteers'
        )
    group by 1, 2
),

association_shares as (
    select
        survey_item_id,
        wave,
        100.0 * avg(is_yes) as percent_yes
    from yes_by_response
    where survey_item_id like 'association\_\_%' escape '\'
    group by 1, 2
),

computed as (
    select
        'institutions_cooperating_istr' as figure_id,
        100.0 * avg(is_yes) as computed_value
    from institutions_cooperating
    where wave = 2016

    union all

    select
        case survey_item_id
            when 'association__coop_school' then 'associations_cooperating_school_2016'
            when 'association__coop_daycare_sfo_youth'
                then 'associations_cooperating_daycare_2016'
            when 'association__coop_other_institution'
                then 'associations_cooperating_other_2016'
        end as figure_id,
        percent_yes as computed_value
    from association_shares
    where wave = 2016

    union all

    select
        'associations_cooperating_2018' as figure_id,
        percent_yes as computed_value
    from association_shares
    where wave = 2018 and survey_item_id = 'association__coop_municipal'

    union all

    select
        'institution_leaders_invited_2016' as figure_id,
        cast(sum(invited_count) as float8) as computed_value
    from response_rates
    where survey = 'institution' and wave = 2016

    union all

    select
        'institution_response_rate_2016_sdu' as figure_id,
        100.0 * sum(responded_count) / sum(invited_count) as computed_value
    from response_rates
    where survey = 'institution' and wave = 2016

    union all

    select
        'institution_response_rate_2016_istr' as figure_id,
        100.0 * sum(responded_count) / sum(invited_count) as computed_value
    from response_rates
    where survey = 'institution' and wave = 2016

    union all

    select
        'associations_answering_2016' as figure_id,
        cast(sum(responded_count) as float8) as computed_value
    from response_rates
    where survey = 'association' and wave = 2016

    union all

    select
        'association_response_rate_2016' as figure_id,
        100.0 * sum(responded_count) / sum(invited_count) as computed_value
    from response_rates
    where survey = 'association' and wave = 2016
),

final as (
    select
        published_figures.figure_id,
        published_figures.figure,
        published_figures.unit,
        published_figures.source,
        published_figures.published_value,
        computed.computed_value
    from published_figures
    left join computed
        on published_figures.figure_id = computed.figure_id
)

select * from final
