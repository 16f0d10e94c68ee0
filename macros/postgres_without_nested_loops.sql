{% macro postgres_without_nested_loops() %}
    {%- if target.type == 'postgres' -%}
        set local enable_nestloop = off
    {%- endif -%}
{% endmacro %}
