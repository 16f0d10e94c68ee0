{#- The panel changes the release tier publishes, as linear equations in the
    counts of each municipality's pairs (the attacker's unknowns, "atoms"):
    yes/no items: answers `yes_from`, `no_from` in the earlier wave and
    `yes_to`, `no_to` in the later; attitude items: the pairs' `count` and
    their answers' `sum_from` and `sum_to`. A published cell adds
    `unit_count` (pairs), `from_count` and `to_count` (pairs answering yes),
    counts to protect, or the equations `from_sum` and `to_sum` (n × mean).
    A structural row says what the attacker knows of every municipality:
    its pairs answer in both waves (yes_to + no_to = yes_from + no_from).
    One row per cell, measure and atom; atom_value is the true count. -#}
with

cells as (
    select
        release_cell_id,
        source_id,
        is_structural
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'panel-%' or release_cell_id like 'pairs-%'
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
        value_from * pair_count as from_total,
        value_to * pair_count as to_total
    from {{ ref('int_panel_changes_computed') }}
),

municipalities as (
    select * from panel_changes
    where domain_level = 'municipality'
),

atoms as (
    select
        *,
        'yes_from' as atom_kind,
        round(from_total) as atom_value
    from municipalities
    where statistic = 'share_yes'

    union all

    select
        *,
        'no_from' as atom_kind,
        pair_count - round(from_total) as atom_value
    from municipalities
    where statistic = 'share_yes'

    union all

    select
        *,
        'yes_to' as atom_kind,
        round(to_total) as atom_value
    from municipalities
    where statistic = 'share_yes'

    union all

    select
        *,
        'no_to' as atom_kind,
        pair_count - round(to_total) as atom_value
    from municipalities
    where statistic = 'share_yes'

    union all

    select
        *,
        'count' as atom_kind,
        pair_count as atom_value
    from municipalities
    where statistic = 'mean'

    union all

    select
        *,
        'sum_from' as atom_kind,
        from_total as atom_value
    from municipalities
    where statistic = 'mean'

    union all

    select
        *,
        'sum_to' as atom_kind,
        to_total as atom_value
    from municipalities
    where statistic = 'mean'
),

cell_atoms as (
    select
        cells.release_cell_id,
        cells.is_structural,
        'panel-' || atoms.panel_change_id || '-' || atoms.atom_kind as atom_id,
        atoms.atom_kind,
        atoms.atom_value
    from cells
    inner join panel_changes
        on cells.source_id = panel_changes.panel_change_id
    inner join atoms
        on
            panel_changes.survey_item_id = atoms.survey_item_id
            and panel_changes.statistic = atoms.statistic
            and panel_changes.from_wave = atoms.from_wave
            and panel_changes.to_wave = atoms.to_wave
    where
        panel_changes.domain_level = 'survey'
        or panel_changes.panel_change_id = atoms.panel_change_id
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
    where not is_structural and atom_kind in ('yes_from', 'no_from', 'count')

    union all

    select
        release_cell_id,
        case when atom_kind = 'yes_from' then 'from_count' else 'to_count' end as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from cell_atoms
    where not is_structural and atom_kind in ('yes_from', 'yes_to')

    union all

    select
        release_cell_id,
        case when atom_kind = 'sum_from' then 'from_sum' else 'to_sum' end as measure,
        atom_id,
        atom_value,
        cast(1 as float8) as coefficient,
        false as is_protected
    from cell_atoms
    where not is_structural and atom_kind in ('sum_from', 'sum_to')

    union all

    select
        release_cell_id,
        'pairs_in_both_waves' as measure,
        atom_id,
        atom_value,
        case when atom_kind in ('yes_to', 'no_to') then 1.0 else -1.0 end as coefficient,
        false as is_protected
    from cell_atoms
    where is_structural
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
