{#- The first step of an organisation name's comparison key: lower case,
    CVR numbers and "afd."/"afdeling" removed, '&' read as 'og', punctuation
    removed and spaces collapsed. "Ældre Sagen, Odense afd." and "ældre sagen
    odense" both give 'ældre sagen odense'. The abbreviation rules of the
    name_contractions seed are applied after this (int_name_texts_normalised). -#}
{% macro clean_organisation_name(expression) -%}
    trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower({{ expression }}),
        '(cvr[^0-9]*)?[0-9]{8}', ' ', 'g'),
        '&', ' og ', 'g'),
        '(^|[^a-zæøå])(afdeling|afd)([^a-zæøå]|$)', '\1 \3', 'g'),
        '[^a-zæøå0-9 ]', '', 'g'),
        ' +', ' ', 'g'))
{%- endmacro %}
