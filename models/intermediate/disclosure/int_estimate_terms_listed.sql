{#- The survey estimates the release tier publishes, as linear equations in
    the counts of their finest cells (the attacker's unknowns, "atoms"): per
    municipality × area (one stratum) and statistic, the answers `yes` and
    `other` (shares) or the answers' `count` and `sum` (means). Each published
    cell adds its measures: `unit_count` (valid answers) and
    `attribute_count` (answers counted in the share) are counts to protect;
    `value_sum` (n × mean) and `weighted_estimate` (Σ w (y − R), with each
    stratum's nonresponse weight known to the attacker) are equations only.
    One row per cell, measure and atom; atom_value is the true count. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'estimate-%'
),

survey_estimates as (
    select
        survey_estimate_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        statistic,
        wave,
        answer_base,
        unweighted_estimate,
        weighted_estimate
    from {{ ref('int_survey_estimates_computed') }}
),

survey_strata as (
    select
        survey,
        kommunekode,
        stratum_code,
        wave,
        nonresponse_weight
    from {{ ref('int_survey_strata_collapsed') }}
),

finest_cells as (
    select
        survey_estimates.survey_estimate_id,
        survey_estimates.domain_code,
        survey_estimates.survey,
        survey_estimates.kommunekode,
        survey_estimates.survey_item_id,
        survey_estimates.statistic,
        survey_estimates.wave,
        survey_estimates.answer_base,
        survey_estimates.unweighted_estimate * survey_estimates.answer_base as value_total,
        survey_strata.nonresponse_weight
    from survey_estimates
    inner join survey_strata
        on
            survey_estimates.survey = survey_strata.survey
            and survey_estimates.kommunekode = survey_strata.kommunekode
            and survey_estimates.domain_code
            = survey_strata.kommunekode || '-' || survey_strata.stratum_code
            and survey_estimates.wave = survey_strata.wave
    where survey_estimates.domain_level = 'municipality_area'
),

atoms as (
    select
        *,
        'yes' as atom_kind,
        round(value_total) as atom_value
    from finest_cells
    where statistic != 'mean'

    union all

    select
        *,
        'other' as atom_kind,
        answer_base - round(value_total) as atom_value
    from finest_cells
    where statistic != 'mean'

    union all

    select
        *,
        'count' as atom_kind,
        answer_base as atom_value
    from finest_cells
    where statistic = 'mean'

    union all

    select
        *,
        'sum' as atom_kind,
        value_total as atom_value
    from finest_cells
    where statistic = 'mean'
),

-- Each published cell with the atoms of its domain.
cell_atoms as (
    select
        cells.release_cell_id,
        survey_estimates.statistic,
        survey_estimates.weighted_estimate,
        'estimate-' || atoms.survey_estimate_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_kind,
        atoms.atom_value,
        atoms.nonresponse_weight
    from cells
    inner join survey_estimates
        on cells.source_id = survey_estimates.survey_estimate_id
    inner join atoms
        on
            survey_estimates.survey = atoms.survey
            and survey_estimates.survey_item_id = atoms.survey_item_id
            and survey_estimates.statistic = atoms.statistic
            and survey_estimates.wave = atoms.wave
    where
        survey_estimates.domain_level = 'survey'
        or (
            survey_estimates.domain_level = 'municipality'
            and survey_estimates.kommunekode = atoms.kommunekode
        )
        or (
            survey_estimates.domain_level = 'municipality_area'
            and survey_estimates.domain_code = atoms.domain_code
        )
),

terms as (
    select
        release_cell_id,
        'unit_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from cell_atoms
    where atom_kind in ('yes', 'other', 'count')

    union all

    select
        release_cell_id,
        'attribute_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from cell_atoms
    where atom_kind = 'yes'

    union all

    select
        release_cell_id,
        'value_sum' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        false as is_protected
    from cell_atoms
    where atom_kind = 'sum'

    union all

    select
        release_cell_id,
        'weighted_estimate' as measure,
        atom_id,
        atom_value,
        case
            when atom_kind = 'yes' then nonresponse_weight * (1 - weighted_estimate)
            when atom_kind = 'sum' then nonresponse_weight
            else -nonresponse_weight * weighted_estimate
        end as coefficient,
        false as is_protected
    from cell_atoms
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
