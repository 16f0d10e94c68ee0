{#- Incremental: a text's normalised forms depend on the text and the
    contraction rules only, so a build adds the texts it has not seen. A change
    to the rules changes the project, which makes the build a full refresh. -#}
{{ config(materialized='incremental', incremental_strategy='append') }}

with recursive

institution_frame as (
    select institution_name
    from {{ ref('stg_institution_survey__frame') }}
),

association_frame as (
    select association_name
    from {{ ref('stg_association_survey__frame') }}
),

name_mentions as (
    select name_variant
    from {{ ref('int_name_mentions_unioned') }}
),

name_contractions as (
    select
        pattern,
        replacement,
        rule_order
    from {{ ref('name_contractions') }}
),

all_name_texts as (
    select institution_name as name_text from institution_frame
    union
    select association_name as name_text from association_frame
    union
    select name_variant as name_text from name_mentions
),

name_texts as (
    select all_name_texts.name_text
    from all_name_texts
    {% if is_incremental() -%}
        where not exists (
            select 1 from {{ this }} as seen where seen.name_text = all_name_texts.name_text
        )
    {%- endif %}
),

rules as (
    select
        pattern,
        coalesce(replacement, '') as replacement,
        row_number() over (order by rule_order) as rule_step
    from name_contractions
),

-- Apply the contraction rules one after another, in rule order, so that
-- the long and the short form of an abbreviation give the same key.
contracted (name_text, cleaned_name, name_key, rule_step) as (
    select
        name_text,
        {{ clean_organisation_name('name_text') }} as cleaned_name,
        {{ clean_organisation_name('name_text') }} as name_key,
        cast(0 as bigint) as rule_step
    from name_texts

    union all

    select
        contracted.name_text,
        contracted.cleaned_name,
        regexp_replace(contracted.name_key, rules.pattern, rules.replacement, 'g') as name_key,
        rules.rule_step
    from contracted
    inner join rules
        on contracted.rule_step + 1 = rules.rule_step
),

final as (
    select
        name_text,
        cleaned_name,
        trim(regexp_replace(name_key, ' +', ' ', 'g')) as contracted_name,
        regexp_replace(name_key, '[^a-zæøå0-9]', '', 'g') as normalised_name
    from contracted
    where rule_step = (select coalesce(max(rules.rule_step), 0) from rules)
)

select * from final
