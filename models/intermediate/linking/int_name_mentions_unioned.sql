with

institution_partner_mentions as (
    select
        partner_mention_id,
        response_id,
        partner_name,
        mention_position
    from {{ ref('stg_institution_survey__partner_mentions') }}
),

institution_responses as (
    select
        response_id,
        institution_id,
        wave
    from {{ ref('stg_institution_survey__responses') }}
),

institution_frame as (
    select
        institution_id,
        kommunekode,
        wave
    from {{ ref('stg_institution_survey__frame') }}
),

association_partner_mentions as (
    select
        partner_mention_id,
        response_id,
        partner_name,
        mention_position
    from {{ ref('stg_association_survey__partner_mentions') }}
),

association_responses as (
    select
        response_id,
        association_id,
        wave
    from {{ ref('stg_association_survey__responses') }}
),

association_frame as (
    select
        association_id,
        kommunekode,
        wave
    from {{ ref('stg_association_survey__frame') }}
),

case_actors as (
    select
        actor_id,
        case_id,
        actor_type,
        actor_name,
        cvr_number
    from {{ ref('stg_cases__actors') }}
),

cases as (
    select
        case_id,
        kommunekode
    from {{ ref('stg_cases__cases') }}
),

named_by_institutions as (
    select
        'institution_survey:' || institution_partner_mentions.partner_mention_id as name_mention_id,
        'institution_survey' as mention_source,
        institution_partner_mentions.response_id as record_id,
        institution_frame.kommunekode,
        'association' as entity_type,
        institution_partner_mentions.partner_name as name_variant,
        institution_responses.institution_id as named_by_institution_id,
        cast(null as varchar) as named_by_association_id,
        cast(null as varchar) as case_id,
        institution_partner_mentions.mention_position,
        institution_responses.wave
    from institution_partner_mentions
    inner join institution_responses
        on institution_partner_mentions.response_id = institution_responses.response_id
    inner join institution_frame
        on
            institution_responses.institution_id = institution_frame.institution_id
            and institution_responses.wave = institution_frame.wave
),

named_by_associations as (
    select
        'association_survey:' || association_partner_mentions.partner_mention_id
            as name_mention_id,
        'association_survey' as mention_source,
        association_partner_mentions.response_id as record_id,
        association_frame.kommunekode,
        'institution' as entity_type,
        association_partner_mentions.partner_name as name_variant,
        cast(null as varchar) as named_by_institution_id,
        association_responses.association_id as named_by_association_id,
        cast(null as varchar) as case_id,
        association_partner_mentions.mention_position,
        association_responses.wave
    from association_partner_mentions
    inner join association_responses
        on association_partner_mentions.response_id = association_responses.response_id
    inner join association_frame
        on
            association_responses.association_id = association_frame.association_id
            and association_responses.wave = association_frame.wave
),

named_in_cases as (
    select
        'cases:' || case_actors.actor_id as name_mention_id,
        'cases' as mention_source,
        case_actors.actor_id as record_id,
        cases.kommunekode,
        case_actors.actor_type as entity_type,
        case
            when case_actors.cvr_number is null then case_actors.actor_name
            else case_actors.actor_name || ' CVR ' || case_actors.cvr_number
        end as name_variant,
        cast(null as varchar) as named_by_institution_id,
        cast(null as varchar) as named_by_association_id,
        case_actors.case_id,
        0 as mention_position,
        cast(null as integer) as wave
    from case_actors
    inner join cases
        on case_actors.case_id = cases.case_id
    where case_actors.actor_type in ('institution', 'association')
),

unioned as (
    select * from named_by_institutions
    union all
    select * from named_by_associations
    union all
    select * from named_in_cases
)

select * from unioned
