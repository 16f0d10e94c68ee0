{#- Everything the release tier publishes about persons as one linear
    system: per cell and measure, the atoms (finest counts, the attacker's
    unknowns) with their coefficients and true values. A measure's value is
    Σ coefficient × atom_value; `is_protected` marks the counts whose
    feasible range must stay at least var min_cell_size wide when the cell
    is suppressed. samspil.disclosure reads it. -#}
with

estimate_terms as (
    select * from {{ ref('int_estimate_terms_listed') }}
),

response_terms as (
    select * from {{ ref('int_response_terms_listed') }}
),

panel_terms as (
    select * from {{ ref('int_panel_terms_listed') }}
),

tie_terms as (
    select * from {{ ref('int_tie_terms_listed') }}
),

figure_terms as (
    select * from {{ ref('int_figure_terms_listed') }}
),

unioned as (
    select * from estimate_terms
    union all
    select * from response_terms
    union all
    select * from panel_terms
    union all
    select * from tie_terms
    union all
    select * from figure_terms
),

final as (
    select
        release_term_id,
        release_cell_id,
        measure,
        atom_id,
        atom_value,
        coefficient,
        is_protected
    from unioned
)

select * from final
