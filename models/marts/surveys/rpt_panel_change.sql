{#- Change between the last two waves within the panel, per survey,
    municipality and item: the share cooperating (yes/no cooperation items)
    or the mean agreement (attitude items) of the pairs in each wave, the
    mean within-respondent change and its confidence interval, from
    int_panel_changes_computed (see the doc blocks estimand and
    panel_changes). -#}
with

panel_changes as (
    select
        survey_item_id,
        survey,
        kommunekode,
        statistic,
        to_wave,
        panel_member_count,
        pair_count,
        value_from,
        value_to,
        change,
        standard_error,
        ci_lower,
        ci_upper
    from {{ ref('int_panel_changes_computed') }}
    where domain_level = 'municipality'
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

last_pair as (
    select max(to_wave) as to_wave
    from panel_changes
),

joined as (
    select
        panel_changes.*,
        survey_items.construct,
        survey_items.question_en,
        panel_changes.pair_count < {{ var('min_cell_size') }} as is_suppressed
    from panel_changes
    inner join survey_items
        on
            panel_changes.survey_item_id = survey_items.survey_item_id
            and panel_changes.statistic = survey_items.statistic
    inner join last_pair
        on panel_changes.to_wave = last_pair.to_wave
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
        cast(case when not is_suppressed then value_from end as float8) as value_2016,
        cast(case when not is_suppressed then value_to end as float8) as value_2018,
        cast(case when not is_suppressed then change end as float8) as change,
        cast(case when not is_suppressed then standard_error end as float8)
            as change_standard_error,
        cast(case when not is_suppressed then ci_lower end as float8) as change_ci_lower,
        cast(case when not is_suppressed then ci_upper end as float8) as change_ci_upper,
        is_suppressed
    from joined
)

select * from final
