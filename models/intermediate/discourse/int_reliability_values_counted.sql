with

coded_segments as (
    select
        segment_id,
        coder_id,
        justification_code
    from {{ ref('stg_discourse__codings') }}
),

justification_codes as (
    select
        justification_code as justification_code_id,
        frame_code
    from {{ ref('justification_codes') }}
),

frames as (
    select distinct frame_code
    from justification_codes
),

-- The units of reliability: segments coded by two or more coders.
pairable_segments as (
    select segment_id
    from coded_segments
    group by segment_id
    having count(distinct coder_id) >= 2
),

pairable_codings as (
    select distinct
        coded_segments.segment_id,
        coded_segments.coder_id,
        coded_segments.justification_code,
        justification_codes.frame_code
    from coded_segments
    inner join pairable_segments
        on coded_segments.segment_id = pairable_segments.segment_id
    left join justification_codes
        on coded_segments.justification_code = justification_codes.justification_code_id
),

segment_coders as (
    select distinct
        segment_id,
        coder_id
    from pairable_codings
),

coder_frames as (
    select distinct
        segment_id,
        coder_id,
        frame_code
    from pairable_codings
),

-- Per code, every coder of a unit gives one binary value: applied the code or not.
code_values as (
    select
        justification_codes.justification_code_id as justification_code,
        justification_codes.frame_code,
        segment_coders.segment_id,
        segment_coders.coder_id,
        pairable_codings.coder_id is not null as is_code_applied
    from segment_coders
    cross join justification_codes
    left join pairable_codings
        on
            segment_coders.segment_id = pairable_codings.segment_id
            and segment_coders.coder_id = pairable_codings.coder_id
            and justification_codes.justification_code_id = pairable_codings.justification_code
),

-- Per frame, the binary value is: applied at least one code of the frame.
frame_values as (
    select
        frames.frame_code,
        segment_coders.segment_id,
        segment_coders.coder_id,
        coder_frames.coder_id is not null as is_code_applied
    from segment_coders
    cross join frames
    left join coder_frames
        on
            segment_coders.segment_id = coder_frames.segment_id
            and segment_coders.coder_id = coder_frames.coder_id
            and frames.frame_code = coder_frames.frame_code
),

code_value_counts as (
    select
        'code-' || justification_code as reliability_id,
        'code' as reliability_level,
        justification_code,
        frame_code,
        segment_id,
        case when is_code_applied then '1' else '0' end as coded_value,
        count(*) as value_count,
        is_code_applied
    from code_values
    group by justification_code, frame_code, segment_id, is_code_applied
),

frame_value_counts as (
    select
        'frame-' || frame_code as reliability_id,
        'frame' as reliability_level,
        cast(null as varchar) as justification_code,
        frame_code,
        segment_id,
        case when is_code_applied then '1' else '0' end as coded_value,
        count(*) as value_count,
        is_code_applied
    from frame_values
    group by frame_code, segment_id, is_code_applied
),

-- Overall, every coding (coder × code) is a value of its unit, so a coder who
-- gave a segment two codes adds two values (the pairable-values formulation).
overall_value_counts as (
    select
        'overall' as reliability_id,
        'overall' as reliability_level,
        cast(null as varchar) as justification_code,
        cast(null as varchar) as frame_code,
        segment_id,
        justification_code as coded_value,
        count(*) as value_count,
        true as is_code_applied
    from pairable_codings
    group by segment_id, justification_code
),

unioned as (
    select * from code_value_counts
    union all
    select * from frame_value_counts
    union all
    select * from overall_value_counts
),

final as (
    select
        reliability_id || '-' || segment_id || '-' || coded_value as reliability_value_id,
        cast(reliability_id as varchar) as reliability_id,
        cast(reliability_level as varchar) as reliability_level,
        cast(justification_code as varchar) as justification_code,
        cast(frame_code as varchar) as frame_code,
        cast(segment_id as varchar) as segment_id,
        cast(coded_value as varchar) as coded_value,
        cast(value_count as integer) as value_count,
        is_code_applied
    from unioned
)

select * from final
