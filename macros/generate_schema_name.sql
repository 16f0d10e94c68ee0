{#- Folder schemas are used as written (raw, reference, staging, intermediate,
    marts), not prefixed with the target schema: users query marts.<model>.
    On PostgreSQL the marts are built into `marts_build`, which `samspil build`
    publishes as `marts` in one transaction (samspil.publish) once every test
    and the validation have passed; users never read a half-built `marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'postgres' and custom_schema_name | trim == 'marts' -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
