{#- A number in [0, 1) from a text: the first 13 hex digits (52 bits) of its
    MD5 over 2^52, the same on every engine, so a seeded resampling draws the
    same numbers on DuckDB and PostgreSQL and in every build. -#}
{% macro md5_uniform(text) -%}
    {{ return(adapter.dispatch('md5_uniform', 'samspil')(text)) }}
{%- endmacro %}

{% macro duckdb__md5_uniform(text) -%}
    cast(cast('0x' || substr(md5({{ text }}), 1, 13) as bigint) as float8)
    / cast(4503599627370496 as float8)
{%- endmacro %}

{% macro default__md5_uniform(text) -%}
    cast(cast(cast('x000' || substr(md5({{ text }}), 1, 13) as bit(64)) as bigint) as float8)
    / cast(4503599627370496 as float8)
{%- endmacro %}
