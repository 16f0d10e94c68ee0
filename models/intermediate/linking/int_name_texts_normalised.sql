{#- Incremental: a text's normalised forms depend on the text and the
    contraction rules only, so a build adds the texts it has not seen. A change
    to the rules changes the project, which makes the build a full refresh.
    The rules (seed name_contractions) are read when the model runs and written
    into the SQL as constant patterns (macro name_contraction_rules). -#}
{{ config(materialized='incremental', incremental_strategy='append') }}
{%- set contraction_rules = name_contraction_rules(ref('name_contractions')) %}

with

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

cleaned as (
    select
        name_text,
        {{ clean_organisation_name('name_text') }} as cleaned_name
    from name_texts
),

-- The contraction rules one after another, in rule order, so that the long
-- and the short form of an abbreviation give the same key.
contracted as (
    select
        name_text,
        cleaned_name,
        {{ apply_contraction_rules('cleaned_name', contraction_rules) }} as name_key
    from cleaned
),

final as (
    select
        name_text,
        cleaned_name,
        trim(regexp_replace(name_key, ' +', ' ', 'g')) as contracted_name,
        regexp_replace(name_key, '[^a-zæøå0-9]', '', 'g') as normalised_name
    from contracted
)

select * from final
