{#- Free text that staging must carry (partner names, case actors' names,
    organisations' names, titles) without the personal data people sometimes
    add to it: a contact person after "v/" or in "(kontakt: …)", and every
    match of the var personal_data_patterns (e-mail addresses, CPR numbers,
    phone numbers), are removed. A bare eight-digit number stays: it is read
    as a CVR number. -#}
{% macro scrub_personal_data(expression) -%}
    {%- set personal_data = var('personal_data_patterns').values() | join(')|(') -%}
    nullif(trim(regexp_replace(regexp_replace(regexp_replace(
        {{ expression }},
        '[[:space:]]*[(](kontakt|att)[^)]*[)]', '', 'gi'),
        '[[:space:],]+v/.*$', '', 'g'),
        '({{ personal_data }})', '', 'gi')), '')
{%- endmacro %}
