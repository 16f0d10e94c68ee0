{#- Every figure of the published_figures seed computed by the warehouse, one
    row per figure in the release cell shape (unit_count, estimate, ci_lower,
    ci_upper): counts and response rates from the frames and the returned
    questionnaires (exact), shares from the survey estimates (the weighted
    share of the figure's item, with its interval), beside the published
    value. The construct is the seed's: survey, statistic, item, wave and
    domain; the base is the item's own (int_survey_answers_recoded). -#}
with

published_figures as (
    select
        figure_id,
        figure,
        source,
        source_detail,
        survey,
        statistic,
        survey_item_id,
        domain_level,
        domain_code,
        unit,
        note,
        wave,
        cast(value as float8) as published_value,
        cast(rounding_unit as float8) as rounding_unit,
        case when unit = 'percent' then 100.0 else 1.0 end as unit_scale
    from {{ ref('published_figures') }}
),

survey_strata as (
    select
        survey,
        kommunekode,
        wave,
        invited_count,
        responded_count
    from {{ ref('int_survey_strata_collapsed') }}
),

survey_estimates as (
    select
        survey_estimate_id,
        domain_level,
        domain_code,
        survey_item_id,
        wave,
        answer_base,
        weighted_estimate,
        ci_lower,
        ci_upper
    from {{ ref('int_survey_estimates_computed') }}
    where statistic = 'share_yes'
),

survey_items as (
    select
        survey_item_id,
        survey,
        variable,
        value_set,
        filter_condition
    from {{ ref('survey_items') }}
),

survey_derived_items as (
    select
        survey_item_id,
        survey,
        component_variable
    from {{ ref('survey_derived_items') }}
),

survey_value_sets as (
    select
        value_set,
        not_asked_value
    from {{ ref('survey_value_sets') }}
),

survey_value_labels as (
    select
        value_set,
        code,
        label_en
    from {{ ref('survey_value_labels') }}
),

-- Each item's base in words, as int_survey_answers_recoded defines it.
item_bases as (
    select
        survey_items.survey_item_id,
        survey_items.survey_item_id as construct_items,
        case
            when survey_items.filter_condition is null
                then survey_items.survey || 's with a valid answer to ' || survey_items.variable
            else
                survey_items.survey || 's with a valid answer to the filter question ('
                || survey_items.filter_condition || ') and, where it holds, to '
                || survey_items.variable || '; those it routed past count as '
                || coalesce(
                    lower(survey_value_labels.label_en),
                    cast(survey_value_sets.not_asked_value as varchar)
                )
        end as base_description
    from survey_items
    inner join survey_value_sets
        on survey_items.value_set = survey_value_sets.value_set
    left join survey_value_labels
        on
            survey_value_sets.value_set = survey_value_labels.value_set
            and cast(survey_value_sets.not_asked_value as varchar) = survey_value_labels.code

    union all

    select
        survey_derived_items.survey_item_id,
        {{ dbt.listagg(
            'survey_items.survey_item_id', "', '", 'order by survey_items.survey_item_id'
        ) }} as construct_items,
        min(survey_derived_items.survey) || 's answering yes to any of '
        || {{ dbt.listagg(
            'survey_items.variable', "', '", 'order by survey_items.survey_item_id'
        ) }} || ', or a valid no to all' as base_description
    from survey_derived_items
    inner join survey_items
        on
            survey_derived_items.survey = survey_items.survey
            and survey_derived_items.component_variable = survey_items.variable
    group by 1
),

-- The frames of each wave: every unit invited and every questionnaire
-- returned, for the survey and for each municipality.
frame_cells as (
    select
        survey,
        wave,
        'survey' as domain_level,
        'all' as domain_code,
        sum(invited_count) as invited_count,
        sum(responded_count) as responded_count
    from survey_strata
    group by 1, 2, 3, 4

    union all

    select
        survey,
        wave,
        'municipality' as domain_level,
        kommunekode as domain_code,
        sum(invited_count) as invited_count,
        sum(responded_count) as responded_count
    from survey_strata
    group by 1, 2, 3, 4
),

frame_figures as (
    select
        published_figures.figure_id,
        published_figures.survey
        || '-' || cast(published_figures.wave as varchar)
        || '-' || published_figures.domain_level
        || '-' || published_figures.domain_code as source_cell_id,
        cast(null as varchar) as construct_items,
        case
            when published_figures.statistic = 'response_rate'
                then
                    'every ' || published_figures.survey
                    || ' invited in the wave (the frame); returned = complete or partial'
        end as denominator,
        case
            when published_figures.statistic = 'responded_count' then frame_cells.responded_count
            else frame_cells.invited_count
        end as unit_count,
        case published_figures.statistic
            when 'invited_count' then cast(frame_cells.invited_count as float8)
            when 'responded_count' then cast(frame_cells.responded_count as float8)
            when 'response_rate'
                then cast(frame_cells.responded_count as float8) / frame_cells.invited_count
        end as estimate,
        true as is_exact
    from published_figures
    inner join frame_cells
        on
            published_figures.survey = frame_cells.survey
            and published_figures.wave = frame_cells.wave
            and published_figures.domain_level = frame_cells.domain_level
            and published_figures.domain_code = frame_cells.domain_code
    where published_figures.statistic in ('invited_count', 'responded_count', 'response_rate')
),

estimate_figures as (
    select
        published_figures.figure_id,
        survey_estimates.survey_estimate_id as source_cell_id,
        item_bases.construct_items,
        item_bases.base_description
        || '; weighted to every ' || published_figures.survey || ' invited' as denominator,
        survey_estimates.answer_base as unit_count,
        survey_estimates.weighted_estimate as estimate,
        false as is_exact,
        survey_estimates.ci_lower,
        survey_estimates.ci_upper
    from published_figures
    inner join survey_estimates
        on
            published_figures.survey_item_id = survey_estimates.survey_item_id
            and published_figures.wave = survey_estimates.wave
            and published_figures.domain_level = survey_estimates.domain_level
            and published_figures.domain_code = survey_estimates.domain_code
    inner join item_bases
        on published_figures.survey_item_id = item_bases.survey_item_id
    where published_figures.statistic = 'share_yes'
),

-- An exact figure's interval is the figure itself.
computed as (
    select
        figure_id,
        source_cell_id,
        construct_items,
        denominator,
        unit_count,
        estimate,
        is_exact,
        estimate as ci_lower,
        estimate as ci_upper
    from frame_figures

    union all

    select
        figure_id,
        source_cell_id,
        construct_items,
        denominator,
        unit_count,
        estimate,
        is_exact,
        ci_lower,
        ci_upper
    from estimate_figures
),

-- In the figure's unit: a fraction becomes a percent.
final as (
    select
        published_figures.figure_id,
        computed.source_cell_id,
        published_figures.figure,
        published_figures.survey,
        published_figures.statistic,
        published_figures.survey_item_id,
        computed.construct_items,
        computed.denominator,
        published_figures.domain_level,
        published_figures.domain_code,
        case
            when published_figures.domain_level = 'municipality' then published_figures.domain_code
        end as kommunekode,
        published_figures.unit,
        published_figures.source,
        published_figures.source_detail,
        published_figures.note,
        published_figures.wave,
        cast(computed.unit_count as integer) as unit_count,
        published_figures.published_value,
        published_figures.rounding_unit,
        cast(computed.estimate * published_figures.unit_scale as float8) as estimate,
        cast(computed.ci_lower * published_figures.unit_scale as float8) as ci_lower,
        cast(computed.ci_upper * published_figures.unit_scale as float8) as ci_upper,
        coalesce(computed.is_exact, false) as is_exact,
        -- The values that round to the published one meet the interval.
        published_figures.published_value - published_figures.rounding_unit / 2
        <= computed.ci_upper * published_figures.unit_scale
        and published_figures.published_value + published_figures.rounding_unit / 2
        >= computed.ci_lower * published_figures.unit_scale
            as is_published_value_inside_interval
    from published_figures
    left join computed
        on published_figures.figure_id = computed.figure_id
)

select * from final
