with

municipalities as (
    select * from {{ ref('municipalities') }}
),

final as (
    select
        kommunekode as municipality_id,
        kommunekode,
        municipality_name,
        region_code,
        region_name,
        municipality_group,
        urban_rural_class,
        study_role,
        cast(is_study_municipality as boolean) as is_study_municipality
    from municipalities
)

select * from final
