{#- The response rates the release tier publishes, as linear equations in
    the counts of each stratum (the attacker's unknowns, "atoms"):
    questionnaires `complete`, `partial`, and invited units `not_responded`.
    A published cell adds its counts: `unit_count` (invited, public: the
    frames list organisations, and a structural row per stratum states its
    invited units whatever is shown), and to protect, `responded_count` and
    `complete_count`; a published stratum also adds
    its post-stratum's weight as the equation N_h − w_h n_h = 0 over the
    strata pooled with it. A structural row per stratum and item published by
    area links the respondents to the item's answers: `yes` + `other` (the
    answers of int_estimate_terms_listed) + `missing` = `complete` +
    `partial`. One row per cell, measure and atom; atom_value is the true
    count. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'response-%'
),

structural_cells as (
    select release_cell_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'answers-%'
),

frame_cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'frame-%'
),

survey_estimates as (
    select
        survey_estimate_id,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        domain_code,
        wave,
        answer_base,
        unweighted_estimate
    from {{ ref('int_survey_estimates_computed') }}
    where domain_level = 'municipality_area'
),

response_rates as (
    select
        response_rate_id,
        domain_level,
        post_stratum_id,
        survey,
        kommunekode,
        policy_area_code,
        association_field_code,
        wave,
        invited_count,
        responded_count,
        complete_count,
        nonresponse_weight
    from {{ ref('int_response_rates_computed') }}
),

strata as (
    select * from response_rates
    where domain_level = 'stratum'
),

atoms as (
    select
        *,
        'complete' as atom_kind,
        complete_count as atom_value
    from strata

    union all

    select
        *,
        'partial' as atom_kind,
        responded_count - complete_count as atom_value
    from strata

    union all

    select
        *,
        'not_responded' as atom_kind,
        invited_count - responded_count as atom_value
    from strata
),

cell_atoms as (
    select
        cells.release_cell_id,
        'response-' || atoms.response_rate_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_kind,
        atoms.atom_value
    from cells
    inner join response_rates
        on cells.source_id = response_rates.response_rate_id
    inner join atoms
        on
            response_rates.survey = atoms.survey
            and response_rates.kommunekode = atoms.kommunekode
            and response_rates.wave = atoms.wave
    where
        response_rates.domain_level = 'municipality'
        or response_rates.response_rate_id = atoms.response_rate_id
),

-- A published stratum's weight: every stratum of its post-stratum.
-- A structural row's atoms: the stratum's answers to the item (valid, the
-- atoms of int_estimate_terms_listed, and missing) and its respondents.
area_items as (
    select distinct
        survey,
        wave,
        survey_item_id,
        statistic
    from survey_estimates
),

stratum_items as (
    select
        strata.response_rate_id,
        strata.survey,
        strata.kommunekode || '-'
        || coalesce(strata.policy_area_code, strata.association_field_code) as domain_code,
        strata.wave,
        strata.responded_count,
        area_items.survey_item_id,
        area_items.statistic,
        'answers-' || strata.response_rate_id || '-' || area_items.survey_item_id
        || '-' || area_items.statistic as release_cell_id
    from strata
    inner join area_items
        on
            strata.survey = area_items.survey
            and strata.wave = area_items.wave
),

answer_atoms as (
    select
        structural_cells.release_cell_id,
        stratum_items.response_rate_id,
        survey_estimates.survey_estimate_id,
        stratum_items.responded_count,
        coalesce(survey_estimates.answer_base, 0) as answer_count,
        coalesce(
            round(survey_estimates.unweighted_estimate * survey_estimates.answer_base), 0
        ) as yes_count
    from structural_cells
    inner join stratum_items
        on structural_cells.release_cell_id = stratum_items.release_cell_id
    left join survey_estimates
        on
            stratum_items.survey = survey_estimates.survey
            and stratum_items.survey_item_id = survey_estimates.survey_item_id
            and stratum_items.statistic = survey_estimates.statistic
            and stratum_items.wave = survey_estimates.wave
            and stratum_items.domain_code = survey_estimates.domain_code
),

structural_terms as (
    select
        release_cell_id,
        'estimate-' || survey_estimate_id || '-yes' as atom_id,
        yes_count as atom_value,
        cast(1 as float8) as coefficient
    from answer_atoms
    where survey_estimate_id is not null

    union all

    select
        release_cell_id,
        'estimate-' || survey_estimate_id || '-other' as atom_id,
        answer_count - yes_count as atom_value,
        cast(1 as float8) as coefficient
    from answer_atoms
    where survey_estimate_id is not null

    union all

    select
        release_cell_id,
        release_cell_id || '-missing' as atom_id,
        responded_count - answer_count as atom_value,
        cast(1 as float8) as coefficient
    from answer_atoms

    union all

    select
        answer_atoms.release_cell_id,
        'response-' || answer_atoms.response_rate_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_value,
        cast(-1 as float8) as coefficient
    from answer_atoms
    inner join atoms
        on answer_atoms.response_rate_id = atoms.response_rate_id
    where atoms.atom_kind in ('complete', 'partial')
),

weight_atoms as (
    select
        cells.release_cell_id,
        'response-' || atoms.response_rate_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_value,
        case
            when atoms.atom_kind = 'not_responded' then cast(1 as float8)
            else 1 - response_rates.nonresponse_weight
        end as coefficient
    from cells
    inner join response_rates
        on cells.source_id = response_rates.response_rate_id
    inner join atoms
        on response_rates.post_stratum_id = atoms.post_stratum_id
    where response_rates.nonresponse_weight is not null
),

terms as (
    select
        release_cell_id,
        'unit_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        false as is_protected
    from cell_atoms

    union all

    select
        frame_cells.release_cell_id,
        'invited_units' as measure,
        'response-' || atoms.response_rate_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_value,
        cast(1 as float8) as coefficient,
        false as is_protected
    from frame_cells
    inner join atoms
        on frame_cells.source_id = atoms.response_rate_id

    union all

    select
        release_cell_id,
        'responded_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from cell_atoms
    where atom_kind in ('complete', 'partial')

    union all

    select
        release_cell_id,
        'complete_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from cell_atoms
    where atom_kind = 'complete'

    union all

    select
        release_cell_id,
        'nonresponse_weight' as measure,
        atom_id,
        atom_value,
        coefficient,
        false as is_protected
    from weight_atoms

    union all

    select
        release_cell_id,
        'answers_of_respondents' as measure,
        atom_id,
        atom_value,
        coefficient,
        false as is_protected
    from structural_terms
),

final as (
    select
        release_cell_id || '-' || measure || '-' || atom_id as release_term_id,
        release_cell_id,
        measure,
        atom_id,
        cast(atom_value as float8) as atom_value,
        cast(coefficient as float8) as coefficient,
        is_protected
    from terms
)

select * from final
