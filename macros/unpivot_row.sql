{#- A lateral subquery turning one row of `relation_alias` into (column_name,
    column_value) pairs, values as text and empty values kept as null. Wide
    survey exports have one column per item; staging needs one row per item. -#}
{% macro unpivot_row(relation_alias) -%}
    {{ return(adapter.dispatch('unpivot_row', 'samspil')(relation_alias)) }}
{%- endmacro %}

{% macro duckdb__unpivot_row(relation_alias) -%}
    (
        select
            row_values.key as column_name,
            row_values.value ->> '$' as column_value
        from json_each(to_json({{ relation_alias }})) as row_values
    )
{%- endmacro %}

{% macro default__unpivot_row(relation_alias) -%}
    (
        select
            row_values.key as column_name,
            row_values.value as column_value
        from jsonb_each_text(to_jsonb({{ relation_alias }})) as row_values
    )
{%- endmacro %}
