{#- The first substring of `expression` matching the regular expression
    `pattern`, or null where nothing matches. -#}
{% macro extract_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('extract_pattern', 'samspil')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__extract_pattern(expression, pattern) -%}
    nullif(regexp_extract({{ expression }}, '{{ pattern }}'), '')
{%- endmacro %}

{% macro default__extract_pattern(expression, pattern) -%}
    substring({{ expression }} from '{{ pattern }}')
{%- endmacro %}
