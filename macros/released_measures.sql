{#- The one suppression path of the release tier: each of `measures` as it
    is where the cell is shown, null where the suppression pattern withholds
    it. Reads the column `is_suppressed` of the relation being selected
    from (the cell's row of stg_disclosure__suppression_pattern, true where
    the pattern has no row for it: a cell nobody checked is not shown).

    The real-valued ones among `measures` are also rounded, to the var
    release_decimals decimals: those in `nearest` (point values, standard
    errors, weights) to the nearest, those in `down` (lower bounds) down and
    those in `up` (upper bounds) up, so that an interval still covers what it
    claims and stays within its bounds (floor and ceil of a value in [0, 1]
    stay in [0, 1]). At full precision a weighted estimate is an equation in
    the withheld cells' whole-number counts that one filling alone usually
    satisfies (doc block disclosure_control). Where `percent_where` (a SQL
    condition on the row) holds, the rounded measures are in percent and are
    rounded to release_decimals − 2 decimals: the precision of the share. A
    name in `nearest`, `down` or `up` must be one of `measures`. -#}
{% macro released_measures(measures, nearest=[], down=[], up=[], percent_where=none) -%}
    {%- set rounded = {} -%}
    {%- for direction, names in [('nearest', nearest), ('down', down), ('up', up)] -%}
        {%- for name in names -%}
            {%- if name not in measures or name in rounded -%}
                {{ exceptions.raise_compiler_error(
                    "released_measures: " ~ name ~ " is rounded once, and only if it is one of "
                    ~ measures | join(', ')
                ) }}
            {%- endif -%}
            {%- do rounded.update({name: direction}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for measure in measures %}
    {%- if measure in rounded %}
        {%- set value = released_rounded(measure, rounded[measure], percent_where) %}
    {%- else %}
        {%- set value = measure %}
    {%- endif %}
    case when not is_suppressed then {{ value }} end as {{ measure }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- `expression` rounded `direction` ('nearest', 'down' or 'up') to the var
    release_decimals decimals, or two fewer where `percent_where` holds; the
    same type (float8) on DuckDB and PostgreSQL, whose round() of a float8
    has no decimals argument: the value is scaled, rounded to a whole number
    and scaled back. To the nearest is floor(x + 0.5), half up on both
    engines: their round() breaks ties apart (DuckDB away from zero,
    PostgreSQL to even), and a rate of 13/16 is a tie at 3 decimals. -#}
{% macro released_rounded(expression, direction, percent_where=none) -%}
    {%- set decimals = var('release_decimals') | int -%}
    {%- if percent_where is none -%}
        {{ _released_rounded_to(expression, direction, decimals) }}
    {%- else -%}
        case
            when {{ percent_where }}
                then {{ _released_rounded_to(expression, direction, decimals - 2) }}
            else {{ _released_rounded_to(expression, direction, decimals) }}
        end
    {%- endif -%}
{%- endmacro %}

{% macro _released_rounded_to(expression, direction, decimals) -%}
    {%- set function = {'nearest': 'floor', 'down': 'floor', 'up': 'ceil'}.get(direction) -%}
    {%- if function is none -%}
        {{ exceptions.raise_compiler_error("released_rounded: no direction " ~ direction) }}
    {%- endif -%}
    {%- set half = ' + 0.5' if direction == 'nearest' else '' -%}
    {%- set scale = 10 ** (decimals | abs) -%}
    {%- if decimals >= 0 -%}
        {{ function }}({{ expression }} * {{ scale }}{{ half }}) / {{ scale }}
    {%- else -%}
        {{ function }}({{ expression }} / {{ scale }}{{ half }}) * {{ scale }}
    {%- endif -%}
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

{#- The measures of a survey estimate's release row (the cross-sectional
    survey tables): its units, and its estimates, standard error and
    interval, withheld and rounded as released_measures does. -#}
{% macro released_survey_estimate() -%}
    {{ released_measures(
        [
            'unit_count', 'estimate', 'unweighted_estimate', 'standard_error',
            'ci_lower', 'ci_upper'
        ],
        nearest=['estimate', 'unweighted_estimate', 'standard_error'],
        down=['ci_lower'],
        up=['ci_upper']
    ) }}
{%- endmacro %}
