{#- A text in the form whose levenshtein() counts characters: a letter
    dropped, added or changed is one edit, also when it is æ, ø or å.
    PostgreSQL's levenshtein() (extension fuzzystrmatch, created by the
    on-run-start hook) counts characters, so the text is itself. DuckDB's
    levenshtein() counts bytes, so 'æ' against 'a' would be two edits: on
    DuckDB the lower-case letters below are replaced by one-byte control
    characters. Compute it once per name, then compare with levenshtein();
    use it on lower-case texts (another character outside ASCII still counts
    by its bytes on DuckDB). -#}
{% macro edit_text(text) -%}
    {{ return(adapter.dispatch('edit_text', 'samspil')(text)) }}
{%- endmacro %}

{% macro duckdb__edit_text(text) -%}
    {%- set letters = 'æøåäöüéèêëáàâíìîïóòôúùûñçý' -%}
    {#- chr(1) to chr(31), without tab, line feed and carriage return -#}
    {%- set codes = (range(1, 9) | list) + [11, 12] + (range(14, 32) | list) -%}
    {%- set one_byte = [] -%}
    {%- for letter in letters -%}
        {%- do one_byte.append('chr(' ~ codes[loop.index0] ~ ')') -%}
    {%- endfor -%}
    translate({{ text }}, '{{ letters }}', {{ one_byte | join(' || ') }})
{%- endmacro %}

{% macro default__edit_text(text) -%}
    {{ text }}
{%- endmacro %}
