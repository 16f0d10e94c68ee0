{#- A table model's post-hook: on PostgreSQL, gather the table's statistics
    at once, so that the models that read it next are planned on its real
    size and values (autovacuum analyzes a new table only later, and the
    planner then guesses). Nothing on DuckDB, nor for views. -#}
{% macro postgres_analyze() %}
    {%- if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
