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

responses_by_association as (
    select
        association_id,
        max(case when wave = 2016 then 1 else 0 end) = 1 as answered_2016,
        max(case when wave = 2018 then 1 else 0 end) = 1 as answered_2018
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
        coalesce(responses_by_association.answered_2016, false) as answered_2016,
        coalesce(responses_by_association.answered_2018, false) as answered_2018
    from association_frame
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
