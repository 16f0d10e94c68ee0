{#- Folder schemas are used as written (raw, reference, staging, intermediate,
    marts, release), not prefixed with the target schema: users query
    marts.<model> and release.<model>. On PostgreSQL the marts and the release
    tier are built into `marts_build` and `release_build`, which `samspil
    build` publishes as `marts` and `release` in one transaction
    (samspil.publish) once every test and the validation have passed; users
    never read a half-built schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'postgres' and custom_schema_name | trim in ('marts', 'release') -%}
        {{ custom_schema_name | trim }}_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
