{#- Free text that staging must carry (partner names, case actors' names)
    without the personal data respondents sometimes add to it: a contact
    person after "v/" or in "(kontakt: …)", e-mail addresses, phone numbers
    (+45, or written in groups of digits) and CPR numbers (ddmmyy-xxxx) are
    removed. A bare eight-digit number stays: it is read as a CVR number. -#}
{% macro scrub_personal_data(expression) -%}
    nullif(trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        regexp_replace(
            {{ expression }},
            '[[:space:]]*[(](kontakt|att)[^)]*[)]', '', 'gi'),
        '[[:space:],]+v/.*$', '', 'g'),
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]+', '', 'g'),
        '[0-3][0-9][01][0-9][0-9]{2}-?[0-9]{4}', '', 'g'),
        '([+]45[[:space:]]?|(tlf|telefon|mobil)[.:]?[[:space:]]?)[0-9][0-9 ]{6,10}[0-9]', '', 'gi'),
        '[0-9]{2} [0-9]{2} [0-9]{2} [0-9]{2}|[0-9]{4} [0-9]{4}', '', 'g')), '')
{%- endmacro %}
