with

association_frame as (
    select
        association_id,
        kommunekode,
        association_name,
        cvr_number,
        association_field_code,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

association_responses as (
    select
        association_id,
        wave,
        is_complete
    from {{ ref('stg_association_survey__responses') }}
),

name_variants as (
    select
        linked_entity_id,
        mention_count
    from {{ ref('int_name_variants_linked') }}
    where entity_type = 'association'
),

latest_frame_entry as (
    select
        association_id,
        max(wave) as latest_wave,
        cast(count(*) as integer) as waves_invited
    from association_frame
    group by 1
),

survey_waves as (
    select cast(count(*) as integer) as wave_count
    from {{ ref('survey_waves') }}
),

responses_by_association as (
    select
        association_id,
        cast(count(distinct wave) as integer) as waves_answered,
        min(wave) as first_wave_answered,
        max(wave) as last_wave_answered
    from association_responses
    group by 1
),

mentions_by_association as (
    select
        linked_entity_id as association_id,
        cast(count(*) as integer) as name_variant_count,
        cast(sum(mention_count) as integer) as mention_count
    from name_variants
    where linked_entity_id is not null
    group by 1
),

final as (
    select
        association_frame.association_id,
        association_frame.kommunekode,
        association_frame.association_field_code,
        association_frame.association_name,
        association_frame.cvr_number,
        latest_frame_entry.waves_invited,
        coalesce(mentions_by_association.name_variant_count, 0) as name_variant_count,
        coalesce(mentions_by_association.mention_count, 0) as mention_count,
        coalesce(responses_by_association.waves_answered, 0) as waves_answered,
        responses_by_association.first_wave_answered,
        responses_by_association.last_wave_answered,
        coalesce(responses_by_association.waves_answered = survey_waves.wave_count, false)
            as answered_every_wave
    from association_frame
    cross join survey_waves
    inner join latest_frame_entry
        on
            association_frame.association_id = latest_frame_entry.association_id
            and association_frame.wave = latest_frame_entry.latest_wave
    left join responses_by_association
        on association_frame.association_id = responses_by_association.association_id
    left join mentions_by_association
        on association_frame.association_id = mentions_by_association.association_id
)

select * from final
