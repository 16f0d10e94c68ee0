with

institution_frame as (
    select
        institution_id,
        kommunekode,
        institution_name,
        institution_type,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

name_texts as (
    select
        name_text,
        cleaned_name,
        contracted_name,
        normalised_name
    from {{ ref('int_name_texts_normalised') }}
),

association_frame as (
    select
        association_id,
        kommunekode,
        association_name,
        cvr_number,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

institution_names as (
    select distinct
        'institution' as entity_type,
        institution_id as entity_id,
        kommunekode,
        institution_name as official_name,
        institution_type,
        cast(null as varchar) as cvr_number
    from institution_frame
),

association_names as (
    select distinct
        'association' as entity_type,
        association_id as entity_id,
        kommunekode,
        association_name as official_name,
        cast(null as varchar) as institution_type,
        cvr_number
    from association_frame
),

unioned as (
    select * from institution_names
    union all
    select * from association_names
),

normalised as (
    select
        unioned.entity_type || ':' || unioned.entity_id || ':' || unioned.official_name
            as organisation_name_id,
        unioned.entity_type,
        unioned.entity_id,
        unioned.kommunekode,
        unioned.official_name,
        unioned.institution_type,
        name_texts.cleaned_name,
        name_texts.contracted_name,
        name_texts.normalised_name,
        unioned.cvr_number
    from unioned
    inner join name_texts
        on unioned.official_name = name_texts.name_text
)

select * from normalised
