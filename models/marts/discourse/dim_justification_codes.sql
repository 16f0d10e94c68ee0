with

justification_codes as (
    select
        justification_code,
        frame_code,
        code_name_en,
        code_name_da,
        frame_name_en,
        frame_name_da,
        description_en
    from {{ ref('justification_codes') }}
),

final as (
    select
        cast(justification_code as varchar) as justification_code_id,
        cast(frame_code as varchar) as frame_code,
        cast(code_name_en as varchar) as code_name_en,
        cast(code_name_da as varchar) as code_name_da,
        cast(frame_name_en as varchar) as frame_name_en,
        cast(frame_name_da as varchar) as frame_name_da,
        cast(description_en as varchar) as description_en
    from justification_codes
)

select * from final
