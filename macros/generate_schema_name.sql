{#- Folder schemas are used as written (raw, reference, staging, intermediate,
    marts), not prefixed with the target schema: users query marts.<model>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
