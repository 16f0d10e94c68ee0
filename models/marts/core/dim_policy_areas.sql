with

policy_areas as (
    select * from {{ ref('policy_areas') }}
),

final as (
    select
        policy_area_code as policy_area_id,
        name_da as policy_area_name_da,
        name_en as policy_area_name_en,
        description_en
    from policy_areas
)

select * from final
