with

coded_segments as (
    select
        segment_id,
        frame_code,
        kommunekode,
        document_type,
        publication_year
    from {{ ref('fct_coded_segments') }}
),

justification_codes as (
    select frame_code
    from {{ ref('dim_justification_codes') }}
),

frames as (
    select distinct frame_code
    from justification_codes
),

-- A cell is a municipality, document type and publication year; its units
-- are the distinct segments coded by anyone.
cells as (
    select
        kommunekode,
        document_type,
        publication_year,
        count(distinct segment_id) as coded_segment_count
    from coded_segments
    group by 1, 2, 3
),

-- A segment carries a frame when at least one coder gave it a code of that
-- frame, so one segment can count towards several frames.
frame_segments as (
    select
        kommunekode,
        document_type,
        publication_year,
        frame_code,
        count(distinct segment_id) as frame_segment_count
    from coded_segments
    group by 1, 2, 3, 4
),

cell_frames as (
    select
        cells.kommunekode,
        cells.document_type,
        cells.publication_year,
        frames.frame_code,
        cells.coded_segment_count,
        coalesce(frame_segments.frame_segment_count, 0) as frame_segment_count
    from cells
    cross join frames
    left join frame_segments
        on
            cells.kommunekode = frame_segments.kommunekode
            and cells.document_type = frame_segments.document_type
            and cells.publication_year = frame_segments.publication_year
            and frames.frame_code = frame_segments.frame_code
),

final as (
    select
        kommunekode
        || '-' || document_type
        || '-' || cast(publication_year as varchar)
        || '-' || frame_code as frame_share_id,
        cast(kommunekode as varchar) as kommunekode,
        cast(document_type as varchar) as document_type,
        cast(frame_code as varchar) as frame_code,
        cast(publication_year as integer) as publication_year,
        cast(coded_segment_count as integer) as coded_segment_count,
        cast(frame_segment_count as integer) as frame_segment_count,
        cast(frame_segment_count as double precision)
        / cast(coded_segment_count as double precision) as frame_segment_share,
        cast(null as varchar) as suppression_reason,
        false as is_suppressed
    from cell_frames
)

select * from final
