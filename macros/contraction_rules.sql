{#- The abbreviation rules of a relation like the seed name_contractions, in
    rule order, as [pattern, replacement] pairs: read when the model runs, so
    that `apply_contraction_rules` writes each pattern into the SQL as a
    constant, which the database compiles once (a pattern read from a column
    is compiled again for every row: docs/performance.md). Before the seed exists only a linter compiles the
    model (var `lint`, set in .sqlfluff): then there are no rules. -#}
{% macro name_contraction_rules(rules_relation) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if load_relation(rules_relation) is none -%}
        {%- if var('lint', false) -%}
            {{ return([]) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "the contraction rules " ~ rules_relation ~ " are not built: run `samspil build`"
        ) }}
    {%- endif -%}
    {%- set rules = run_query(
        "select pattern, coalesce(replacement, '') from " ~ rules_relation
        ~ " order by rule_order"
    ) -%}
    {{ return(rules.rows | map('list') | list) }}
{% endmacro %}

{#- `expression` with every rule of `rules` (pattern, replacement) applied in
    turn, each to every match: nested regexp_replace calls. -#}
{% macro apply_contraction_rules(expression, rules) -%}
    {%- set applied = namespace(sql=expression) -%}
    {%- for pattern, replacement in rules -%}
        {%- set applied.sql = "regexp_replace(" ~ applied.sql ~ ", '"
            ~ pattern | replace("'", "''") ~ "', '"
            ~ replacement | replace("'", "''") ~ "', 'g')" -%}
    {%- endfor -%}
    {{ applied.sql }}
{%- endmacro %}
