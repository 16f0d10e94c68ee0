{#- The names of the columns of `relation` that start with `name_prefix`, read
    from the database when the model runs, so that a new item column of an
    export is picked up. Before the raw tables exist only dbt's parser and a
    linter (var `lint`, set in .sqlfluff) compile a model: then there are
    none. A unit test gives its fixture's names by overriding this macro. -#}
{% macro column_names(relation, name_prefix='') %}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name.startswith(name_prefix) -%}
                {%- do names.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not names and not var('lint', false) -%}
            {{ exceptions.raise_compiler_error(
                relation ~ " has no columns named " ~ name_prefix ~ "…: is it loaded?"
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}

{#- Two select-list items that turn each row of `relation_alias` into one row
    per column of `names`: `column_name`, and `column_value` as text (empty
    cells null). Wide survey exports have one column per item; staging needs
    one row per item. Written as two unnest(array[…]) of the same length,
    which DuckDB and PostgreSQL both zip row by row (faster than through each
    row's JSON: docs/performance.md). Without names, the items are typed nulls. -#}
{% macro unpivot_columns(relation_alias, names) -%}
    {%- if names -%}
        unnest(array[
            {%- for name in names %}
            '{{ name | replace("'", "''") }}'{{ "," if not loop.last }}
            {%- endfor %}
        ]) as column_name,
        unnest(array[
            {%- for name in names %}
            cast({{ relation_alias }}.{{ adapter.quote(name) }} as text){{ "," if not loop.last }}
            {%- endfor %}
        ]) as column_value
    {%- else -%}
        cast(null as text) as column_name,
        cast(null as text) as column_value
    {%- endif -%}
{%- endmacro %}
