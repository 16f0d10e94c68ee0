{#- The one suppression path of the release tier: each of `measures` as it
    is where the cell is shown, null where the suppression pattern withholds
    it. Reads the column `is_suppressed` of the relation being selected
    from (the cell's row of stg_disclosure__suppression_pattern, true where
    the pattern has no row for it: a cell nobody checked is not shown). -#}
{% macro released_measures(measures) -%}
    {%- for measure in measures %}
    case when not is_suppressed then {{ measure }} end as {{ measure }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- What the release tier says of a withheld cell: that disclosure control
    withheld it, not by which rule. Each rule bounds the counts it protects
    (`small_cell`: 1 to min_cell_size − 1 units; `all_alike`: every unit
    answered alike; `complementary`: at least min_cell_size units, not all
    alike), and the attacker's program the pattern is solved against knows
    none of it. `reason` is the pattern's reason (null where the pattern has
    no row for the cell, so that a cell nobody checked still shows as one). -#}
{% macro released_suppression_reason(reason) -%}
    case when {{ reason }} is not null then 'disclosure_control' end as suppression_reason
{%- endmacro %}
