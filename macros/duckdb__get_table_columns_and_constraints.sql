{#- The column list of a mart's contract on DuckDB: every column with its type
    and not-null constraint, but no primary key. DuckDB enforces a primary key
    with an index it builds row by row (3 of fct_survey_answers' 5.5 seconds at
    scale 50), in the working file only: publishing copies the marts without
    constraints, and the `unique` and `not_null` tests check every key. On
    PostgreSQL the marts keep their primary keys (dbt's default). -#}
{% macro duckdb__get_table_columns_and_constraints() %}
    {%- set columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set kept = column.copy() -%}
        {%- do kept.update({
            'constraints': column['constraints']
                | rejectattr('type', 'equalto', 'primary_key') | list
        }) -%}
        {%- do columns.update({name: kept}) -%}
    {%- endfor -%}
    {%- set column_constraints = adapter.render_raw_columns_constraints(raw_columns=columns) -%}
    {%- set model_constraints = adapter.render_raw_model_constraints(
        raw_constraints=model['constraints']
        | rejectattr('type', 'equalto', 'primary_key') | list
    ) -%}
    (
    {%- for constraint in column_constraints + model_constraints %}
        {{ constraint }}{{ "," if not loop.last }}
    {%- endfor %}
    )
{% endmacro %}
