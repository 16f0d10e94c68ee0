{#- A decision must name an entity of the frames, of its type: a typing
    error in the seed would otherwise link names to nothing. -#}
with

linking_decisions as (
    select
        entity_type,
        kommunekode,
        name_variant,
        entity_id
    from {{ ref('linking_decisions') }}
),

organisation_names as (
    select distinct
        entity_type,
        entity_id
    from {{ ref('int_organisation_names_normalised') }}
)

select linking_decisions.*
from linking_decisions
left join organisation_names
    on
        linking_decisions.entity_type = organisation_names.entity_type
        and linking_decisions.entity_id = organisation_names.entity_id
where organisation_names.entity_id is null
