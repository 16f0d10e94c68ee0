{#- The on-run-start hook: what a target needs before any model runs.
    PostgreSQL needs the fuzzystrmatch extension for levenshtein() (a trusted
    extension: the owner of the database, or a role with CREATE on it, may
    create it); DuckDB has it built in. -#}
{% macro prepare_database() -%}
    {{ return(adapter.dispatch('prepare_database', 'samspil')()) }}
{%- endmacro %}

{% macro postgres__prepare_database() -%}
    create extension if not exists fuzzystrmatch
{%- endmacro %}

{% macro default__prepare_database() -%}
    select 1 as nothing_to_prepare
{%- endmacro %}
