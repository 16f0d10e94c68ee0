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
