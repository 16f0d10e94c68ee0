{#- True where `expression` is a non-negative whole number written in digits. -#}
{% macro is_whole_number(expression) -%}
    {{ return(adapter.dispatch('is_whole_number', 'samspil')(expression)) }}
{%- endmacro %}

{% macro duckdb__is_whole_number(expression) -%}
    regexp_full_match({{ expression }}, '[0-9]+')
{%- endmacro %}

{% macro default__is_whole_number(expression) -%}
    ({{ expression }} ~ '^[0-9]+$')
{%- endmacro %}
