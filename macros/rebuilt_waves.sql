{#- The survey models whose rows each belong to one wave are incremental by
    wave: an incremental build deletes the rows of the waves that changed
    (stg_load__rebuilt_waves; a staging model, which reads sources only,
    passes the source) before the model runs, and the model selects only
    those waves' rows to insert. A full build (or a first one, or a dbt
    project changed since the last good build: --full-refresh) builds every
    wave. The list is named outside the condition, so that dbt knows the
    dependency when it parses the model. -#}

{% macro wave_is_rebuilt(wave_column, rebuilt_waves=none) -%}
    {%- set rebuilt_waves = rebuilt_waves or ref('stg_load__rebuilt_waves') -%}
    {%- if is_incremental() -%}
        {{ wave_column }} in (select wave from {{ rebuilt_waves }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_rebuilt_waves(rebuilt_waves=none) -%}
    {%- set rebuilt_waves = rebuilt_waves or ref('stg_load__rebuilt_waves') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where wave in (select wave from {{ rebuilt_waves }})
    {%- endif -%}
{%- endmacro %}
