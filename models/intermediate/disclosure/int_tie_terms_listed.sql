{#- The tie reciprocity the release tier publishes, as linear equations in
    the ties of each municipality and wave (the attacker's unknowns,
    "atoms"): `reciprocated`, `one_sided` (both sides answered, one named
    the tie) and `other` (not both answered). A published cell adds its
    counts to protect: `unit_count` (ties), `reciprocated_tie_count` and
    `both_responded_tie_count`. One row per cell, measure and atom. -#}
with

cells as (
    select
        release_cell_id,
        source_id
    from {{ ref('int_release_cells_unioned') }}
    where release_cell_id like 'tie-%'
),

tie_reciprocity as (
    select
        tie_reciprocity_id,
        tie_count,
        reciprocated_tie_count,
        both_responded_tie_count
    from {{ ref('int_tie_reciprocity_computed') }}
),

atoms as (
    select
        cells.release_cell_id,
        'tie-' || tie_reciprocity.tie_reciprocity_id as atom_prefix,
        tie_reciprocity.tie_count,
        tie_reciprocity.reciprocated_tie_count,
        tie_reciprocity.both_responded_tie_count
    from cells
    inner join tie_reciprocity
        on cells.source_id = tie_reciprocity.tie_reciprocity_id
),

cell_atoms as (
    select
        release_cell_id,
        atom_prefix || '-reciprocated' as atom_id,
        'reciprocated' as atom_kind,
        reciprocated_tie_count as atom_value
    from atoms

    union all

    select
        release_cell_id,
        atom_prefix || '-one_sided' as atom_id,
        'one_sided' as atom_kind,
        both_responded_tie_count - reciprocated_tie_count as atom_value
    from atoms

    union all

    select
        release_cell_id,
        atom_prefix || '-other' as atom_id,
        'other' as atom_kind,
        tie_count - both_responded_tie_count as atom_value
    from atoms
),

terms as (
    select
        release_cell_id,
        'unit_count' as measure,
        atom_id,
        atom_value
    from cell_atoms

    union all

    select
        release_cell_id,
        'reciprocated_tie_count' as measure,
        atom_id,
        atom_value
    from cell_atoms
    where atom_kind = 'reciprocated'

    union all

    select
        release_cell_id,
        'both_responded_tie_count' as measure,
        atom_id,
        atom_value
    from cell_atoms
    where atom_kind in ('reciprocated', 'one_sided')
),

final as (
    select
        release_cell_id || '-' || measure || '-' || atom_id as release_term_id,
        release_cell_id,
        measure,
        atom_id,
        cast(atom_value as float8) as atom_value,
        cast(1 as float8) as coefficient,
        true as is_protected
    from terms
)

select * from final
