{#- Every cell the release tier publishes about persons (survey respondents),
    in one shape: which release table shows it, the statistic it comes from,
    its block (cells of different blocks share no unit, so the suppression
    solver treats each block alone), its unit count and its primary
    suppression reason: `small_cell` (fewer units than var min_cell_size) or
    `all_alike` (every unit answered alike: a share of 0 or 1). Structural
    rows (is_structural) are not published cells but facts an attacker knows
    anyway (a panel pair answers in both waves; a stratum's respondents answer
    an item validly or not; a stratum's invited units, from the public frame). The study's published figures
    (int_published_figures_computed) are cells like any other. The release
    tables select their rows from here; samspil.disclosure reads it with
    int_release_terms_unioned and writes the suppression pattern. -#}
with

survey_estimates as (
    select
        survey_estimate_id,
        domain_level,
        survey,
        survey_item_id,
        statistic,
        wave,
        answer_base,
        distinct_value_count
    from {{ ref('int_survey_estimates_computed') }}
),

survey_items as (
    select
        survey_item_id,
        topic,
        value_set
    from {{ ref('survey_items') }}
),

response_rates as (
    select
        response_rate_id,
        domain_level,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count
    from {{ ref('int_response_rates_computed') }}
),

panel_changes as (
    select
        panel_change_id,
        domain_level,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        from_wave,
        to_wave,
        pair_count,
        distinct_value_count
    from {{ ref('int_panel_changes_computed') }}
),

published_figures as (
    select
        figure_id,
        source_cell_id,
        survey,
        statistic,
        survey_item_id,
        wave,
        unit_count
    from {{ ref('int_published_figures_computed') }}
),

tie_reciprocity as (
    select
        tie_reciprocity_id,
        wave,
        tie_count,
        reciprocated_tie_count,
        both_responded_tie_count
    from {{ ref('int_tie_reciprocity_computed') }}
),

-- The panel's published changes: yes/no cooperation items (the share
-- answering yes) and attitude items (the mean agreement).
published_panel_changes as (
    select panel_changes.*
    from panel_changes
    inner join survey_items
        on panel_changes.survey_item_id = survey_items.survey_item_id
    where
        (
            survey_items.topic = 'cooperation'
            and survey_items.value_set = 'yes_no'
            and panel_changes.statistic = 'share_yes'
        )
        or (survey_items.topic = 'attitude' and panel_changes.statistic = 'mean')
),

-- A figure is all alike where the survey estimate it is read from is.
figure_cells as (
    select
        published_figures.*,
        survey_estimates.distinct_value_count
    from published_figures
    left join survey_estimates
        on published_figures.source_cell_id = survey_estimates.survey_estimate_id
),

-- Institutions' cooperation by municipality and area (and by municipality),
-- and both surveys' attitudes over all municipalities.
published_estimates as (
    select
        survey_estimates.*,
        case
            when survey_estimates.domain_level = 'municipality_area'
                then 'rpt_cooperation_by_municipality_area'
            when survey_estimates.domain_level = 'municipality'
                then 'rpt_cooperation_by_municipality'
        end as release_table
    from survey_estimates
    inner join survey_items
        on survey_estimates.survey_item_id = survey_items.survey_item_id
    where
        survey_estimates.survey = 'institution'
        and survey_items.topic = 'cooperation'
        and survey_items.value_set = 'yes_no'
        and survey_estimates.domain_level in ('municipality_area', 'municipality')

    union all

    select
        survey_estimates.*,
        'rpt_attitudes_by_sector' as release_table
    from survey_estimates
    inner join survey_items
        on survey_estimates.survey_item_id = survey_items.survey_item_id
    where
        survey_items.topic = 'attitude'
        and survey_estimates.domain_level = 'survey'
        and survey_estimates.statistic in ('mean', 'share_agreeing')
),

-- Every stratum and item published by area: each respondent has a valid
-- answer to the item or not (its valid answers and the stratum's respondents
-- are linked, shown or not).
answered_strata as (
    select distinct
        response_rates.response_rate_id,
        response_rates.survey,
        response_rates.wave,
        published_estimates.survey_item_id,
        published_estimates.statistic,
        response_rates.responded_count
    from response_rates
    inner join published_estimates
        on
            response_rates.survey = published_estimates.survey
            and response_rates.wave = published_estimates.wave
    where
        response_rates.domain_level = 'stratum'
        and published_estimates.domain_level = 'municipality_area'
        and published_estimates.statistic != 'mean'
),

unioned as (
    select
        'estimate-' || survey_estimate_id as release_cell_id,
        release_table,
        survey_estimate_id as source_id,
        'estimate-' || survey || '-' || cast(wave as varchar) || '-' || survey_item_id
        || '-' || statistic as block_id,
        answer_base as unit_count,
        case
            when answer_base < {{ var('min_cell_size') }} then 'small_cell'
            when distinct_value_count = 1 then 'all_alike'
        end as primary_reason,
        false as is_structural
    from published_estimates

    union all

    select
        'response-' || response_rate_id as release_cell_id,
        case
            when domain_level = 'stratum' then 'rpt_response_rates_by_stratum'
            else 'rpt_response_rates'
        end as release_table,
        response_rate_id as source_id,
        'response-' || survey || '-' || cast(wave as varchar) as block_id,
        invited_count as unit_count,
        case when invited_count < {{ var('min_cell_size') }} then 'small_cell' end
            as primary_reason,
        false as is_structural
    from response_rates

    union all

    select
        'panel-' || panel_change_id as release_cell_id,
        'rpt_panel_change' as release_table,
        panel_change_id as source_id,
        'panel-' || survey || '-' || survey_item_id || '-' || cast(from_wave as varchar)
        || '-' || cast(to_wave as varchar) as block_id,
        pair_count as unit_count,
        case
            when pair_count < {{ var('min_cell_size') }} then 'small_cell'
            when distinct_value_count = 1 then 'all_alike'
        end as primary_reason,
        false as is_structural
    from published_panel_changes

    union all

    -- The pairs of a municipality answered in both waves: as many answers
    -- in the later wave as in the earlier one, shown or not.
    select
        'pairs-' || panel_change_id as release_cell_id,
        cast(null as varchar) as release_table,
        panel_change_id as source_id,
        'panel-' || survey || '-' || survey_item_id || '-' || cast(from_wave as varchar)
        || '-' || cast(to_wave as varchar) as block_id,
        pair_count as unit_count,
        cast(null as varchar) as primary_reason,
        true as is_structural
    from published_panel_changes
    where domain_level = 'municipality' and statistic = 'share_yes'

    union all

    select
        'answers-' || response_rate_id || '-' || survey_item_id || '-' || statistic
            as release_cell_id,
        cast(null as varchar) as release_table,
        response_rate_id as source_id,
        'response-' || survey || '-' || cast(wave as varchar) as block_id,
        responded_count as unit_count,
        cast(null as varchar) as primary_reason,
        true as is_structural
    from answered_strata

    union all

    -- The frames list organisations (municipal institutions, associations in
    -- the municipalities' registers), public and the same in every wave: a
    -- stratum's invited units are known whatever is shown.
    select
        'frame-' || response_rate_id as release_cell_id,
        cast(null as varchar) as release_table,
        response_rate_id as source_id,
        'response-' || survey || '-' || cast(wave as varchar) as block_id,
        invited_count as unit_count,
        cast(null as varchar) as primary_reason,
        true as is_structural
    from response_rates
    where domain_level = 'stratum'

    union all

    -- The study's published figures: a count or response rate of a survey is
    -- in the response block, a share in its item's estimate block.
    select
        'figure-' || figure_id as release_cell_id,
        'rpt_published_figures' as release_table,
        figure_id as source_id,
        case
            when statistic = 'share_yes'
                then
                    'estimate-' || survey || '-' || cast(wave as varchar) || '-'
                    || survey_item_id || '-' || statistic
            else 'response-' || survey || '-' || cast(wave as varchar)
        end as block_id,
        coalesce(unit_count, 0) as unit_count,
        case
            when coalesce(unit_count, 0) < {{ var('min_cell_size') }} then 'small_cell'
            when distinct_value_count = 1 then 'all_alike'
        end as primary_reason,
        false as is_structural
    from figure_cells

    union all

    select
        'tie-' || tie_reciprocity_id as release_cell_id,
        'rpt_tie_reciprocity' as release_table,
        tie_reciprocity_id as source_id,
        'tie-' || cast(wave as varchar) as block_id,
        tie_count as unit_count,
        case
            when
                tie_count < {{ var('min_cell_size') }}
                or both_responded_tie_count < {{ var('min_cell_size') }}
                then 'small_cell'
            when
                reciprocated_tie_count = 0
                or reciprocated_tie_count = both_responded_tie_count
                then 'all_alike'
        end as primary_reason,
        false as is_structural
    from tie_reciprocity
),

final as (
    select
        release_cell_id,
        release_table,
        source_id,
        block_id,
        primary_reason,
        cast(unit_count as integer) as unit_count,
        cast({{ var('min_cell_size') }} as integer) as protection_width,
        is_structural
    from unioned
)

select * from final
