{#- The Levenshtein distance between two texts, counted in characters: a
    letter dropped, added or changed is one edit, also when it is æ, ø or å.
    PostgreSQL's levenshtein() (extension fuzzystrmatch, created by the
    on-run-start hook) counts characters. DuckDB's levenshtein() counts
    bytes, so 'æ' against 'a' would be two edits: on DuckDB the lower-case
    letters below are first replaced by one-byte control characters. Compare
    lower-case texts; another character outside ASCII still counts by its
    bytes on DuckDB. -#}
{% macro edit_distance(left_text, right_text) -%}
    {{ return(adapter.dispatch('edit_distance', 'samspil')(left_text, right_text)) }}
{%- endmacro %}

{% macro duckdb__edit_distance(left_text, right_text) -%}
    {%- set letters = 'æøåäöüéèêëáàâíìîïóòôúùûñçý' -%}
    {#- chr(1) to chr(31), without tab, line feed and carriage return -#}
    {%- set codes = (range(1, 9) | list) + [11, 12] + (range(14, 32) | list) -%}
    {%- set one_byte = [] -%}
    {%- for letter in letters -%}
        {%- do one_byte.append('chr(' ~ codes[loop.index0] ~ ')') -%}
    {%- endfor -%}
    levenshtein(
        translate({{ left_text }}, '{{ letters }}', {{ one_byte | join(' || ') }}),
        translate({{ right_text }}, '{{ letters }}', {{ one_byte | join(' || ') }})
    )
{%- endmacro %}

{% macro default__edit_distance(left_text, right_text) -%}
    levenshtein({{ left_text }}, {{ right_text }})
{%- endmacro %}
