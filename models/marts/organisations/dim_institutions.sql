with

institution_frame as (
    select
        institution_id,
        kommunekode,
        institution_name,
        institution_type,
        policy_area_code,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

institution_responses as (
    select
        institution_id,
        wave,
        is_complete
    from {{ ref('stg_institution_survey__responses') }}
),

name_variants as (
    select
        linked_entity_id,
        mention_count
    from {{ ref('int_name_variants_linked') }}
    where entity_type = 'institution'
),

latest_frame_entry as (
    select
        institution_id,
        max(wave) as latest_wave,
        cast(count(*) as integer) as waves_invited
    from institution_frame
    group by 1
),

survey_waves as (
    select cast(count(*) as integer) as wave_count
    from {{ ref('survey_waves') }}
),

responses_by_institution as (
    select
        institution_id,
        cast(count(distinct wave) as integer) as waves_answered,
        min(wave) as first_wave_answered,
        max(wave) as last_wave_answered
    from institution_responses
    group by 1
),

mentions_by_institution as (
    select
        linked_entity_id as institution_id,
        cast(count(*) as integer) as name_variant_count,
        cast(sum(mention_count) as integer) as mention_count
    from name_variants
    where linked_entity_id is not null
    group by 1
),

final as (
    select
        institution_frame.institution_id,
        institution_frame.kommunekode,
        institution_frame.policy_area_code,
        institution_frame.institution_name,
        institution_frame.institution_type,
        latest_frame_entry.waves_invited,
        coalesce(mentions_by_institution.name_variant_count, 0) as name_variant_count,
        coalesce(mentions_by_institution.mention_count, 0) as mention_count,
        coalesce(responses_by_institution.waves_answered, 0) as waves_answered,
        responses_by_institution.first_wave_answered,
        responses_by_institution.last_wave_answered,
        coalesce(responses_by_institution.waves_answered = survey_waves.wave_count, false)
            as answered_every_wave
    from institution_frame
    cross join survey_waves
    inner join latest_frame_entry
        on
            institution_frame.institution_id = latest_frame_entry.institution_id
            and institution_frame.wave = latest_frame_entry.latest_wave
    left join responses_by_institution
        on institution_frame.institution_id = responses_by_institution.institution_id
    left join mentions_by_institution
        on institution_frame.institution_id = mentions_by_institution.institution_id
)

select * from final
