{#- A name `name_length` letters long cut into three pieces as equal as
    can be: where piece 0, 1 or 2 starts (1-based) and how long it is. The
    fuzzy linking's pigeonhole filter (int_name_candidates_fuzzy_matched). -#}
{% macro name_piece_start(name_length, piece_number) -%}
    cast(floor(({{ piece_number }}) * ({{ name_length }}) / 3.0) as integer) + 1
{%- endmacro %}

{% macro name_piece_length(name_length, piece_number) -%}
    cast(floor(({{ piece_number }} + 1) * ({{ name_length }}) / 3.0) as integer)
    - cast(floor(({{ piece_number }}) * ({{ name_length }}) / 3.0) as integer)
{%- endmacro %}
