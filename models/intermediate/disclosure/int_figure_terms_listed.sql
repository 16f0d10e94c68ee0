{#- The published figures (rpt_published_figures) as linear equations in the
    atoms of the other release cells, so that the solver protects them
    together and no figure undoes another cell's suppression. A count or
    response rate of a survey (or a municipality) is written in the counts of
    its strata (`complete`, `partial`, `not_responded`, the atoms of
    int_response_terms_listed): a survey's figure is the sum of its
    municipalities' rows of rpt_response_rates. A share is written in the
    answers `yes` and `other` of the item's municipality × area cells (the
    atoms of int_estimate_terms_listed), with its weighted share as an
    equation (each stratum's nonresponse weight known): the sum of those
    cells where the item is published by area; an item published nowhere
    else (a derived item, the association survey's items) has atoms no other
    cell has. A figure adds `unit_count` (the units it rests on: invited,
    public as the frame is, returned questionnaires or valid answers),
    `responded_count` (a response rate's numerator) and `attribute_count` (a
    share's yes answers), counts to protect, and `weighted_estimate`, an
    equation only. One row per cell,
    measure and atom; atom_value is the true count. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'figure-%'
),

published_figures as (
    select
        figure_id,
        survey,
        statistic,
        survey_item_id,
        domain_level,
        domain_code,
        wave
    from {{ ref('int_published_figures_computed') }}
),

survey_estimates as (
    select
        survey_estimate_id,
        domain_level,
        domain_code,
        survey,
        kommunekode,
        survey_item_id,
        wave,
        answer_base,
        unweighted_estimate,
        weighted_estimate
    from {{ ref('int_survey_estimates_computed') }}
    where statistic = 'share_yes'
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

response_strata as (
    select
        response_rate_id,
        survey,
        kommunekode,
        wave,
        invited_count,
        responded_count,
        complete_count
    from {{ ref('int_response_rates_computed') }}
    where domain_level = 'stratum'
),

figures as (
    select
        cells.release_cell_id,
        published_figures.survey,
        published_figures.statistic,
        published_figures.survey_item_id,
        published_figures.domain_level,
        published_figures.domain_code,
        published_figures.wave
    from cells
    inner join published_figures
        on cells.source_id = published_figures.figure_id
),

stratum_atoms as (
    select
        *,
        'complete' as atom_kind,
        complete_count as atom_value
    from response_strata

    union all

    select
        *,
        'partial' as atom_kind,
        responded_count - complete_count as atom_value
    from response_strata

    union all

    select
        *,
        'not_responded' as atom_kind,
        invited_count - responded_count as atom_value
    from response_strata
),

-- The municipality × area cells of every item, as int_estimate_terms_listed
-- has them: answers yes and other, and the stratum's weight.
area_cells as (
    select
        survey_estimates.survey_estimate_id,
        survey_estimates.survey,
        survey_estimates.kommunekode,
        survey_estimates.survey_item_id,
        survey_estimates.wave,
        survey_estimates.answer_base,
        round(survey_estimates.unweighted_estimate * survey_estimates.answer_base) as yes_count,
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

area_atoms as (
    select
        *,
        'yes' as atom_kind,
        yes_count as atom_value
    from area_cells

    union all

    select
        *,
        'other' as atom_kind,
        answer_base - yes_count as atom_value
    from area_cells
),

response_terms as (
    select
        figures.release_cell_id,
        figures.statistic,
        'response-' || stratum_atoms.response_rate_id || '-' || stratum_atoms.atom_kind
            as atom_id,
        stratum_atoms.atom_kind,
        stratum_atoms.atom_value
    from figures
    inner join stratum_atoms
        on
            figures.survey = stratum_atoms.survey
            and figures.wave = stratum_atoms.wave
            and (
                figures.domain_level = 'survey'
                or figures.domain_code = stratum_atoms.kommunekode
            )
    where figures.statistic in ('invited_count', 'responded_count', 'response_rate')
),

share_terms as (
    select
        figures.release_cell_id,
        figure_estimates.weighted_estimate,
        'estimate-' || area_atoms.survey_estimate_id || '-' || area_atoms.atom_kind as atom_id,
        area_atoms.atom_kind,
        area_atoms.atom_value,
        area_atoms.nonresponse_weight
    from figures
    inner join survey_estimates as figure_estimates
        on
            figures.survey_item_id = figure_estimates.survey_item_id
            and figures.wave = figure_estimates.wave
            and figures.domain_level = figure_estimates.domain_level
            and figures.domain_code = figure_estimates.domain_code
    inner join area_atoms
        on
            figures.survey_item_id = area_atoms.survey_item_id
            and figures.wave = area_atoms.wave
            and (
                figures.domain_level = 'survey'
                or figures.domain_code = area_atoms.kommunekode
            )
    where figures.statistic = 'share_yes'
),

terms as (
    select
        release_cell_id,
        'unit_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        -- invited units are public (the frame); returned questionnaires are not
        statistic = 'responded_count' as is_protected
    from response_terms
    where statistic != 'responded_count' or atom_kind in ('complete', 'partial')

    union all

    select
        release_cell_id,
        'responded_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from response_terms
    where statistic = 'response_rate' and atom_kind in ('complete', 'partial')

    union all

    select
        release_cell_id,
        'unit_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from share_terms

    union all

    select
        release_cell_id,
        'attribute_count' as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from share_terms
    where atom_kind = 'yes'

    union all

    select
        release_cell_id,
        'weighted_estimate' as measure,
        atom_id,
        atom_value,
        case
            when atom_kind = 'yes' then nonresponse_weight * (1 - weighted_estimate)
            else -nonresponse_weight * weighted_estimate
        end as coefficient,
        false as is_protected
    from share_terms
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
