{#- Every coded segment lies inside its document's text and its text is the
    substring its offsets point to (0-based, end exclusive, counted in
    characters). Returns the segments that break this. -#}
with

segments as (
    select
        segment_id,
        document_id,
        segment_text,
        start_offset,
        end_offset
    from {{ ref('stg_discourse__segments') }}
),

documents as (
    select
        document_id,
        document_text
    from {{ ref('stg_discourse__documents') }}
),

segments_outside_text as (
    select
        segments.segment_id,
        segments.document_id,
        segments.start_offset,
        segments.end_offset,
        length(documents.document_text) as text_length
    from segments
    inner join documents
        on segments.document_id = documents.document_id
    where
        segments.start_offset < 0
        or segments.end_offset <= segments.start_offset
        or segments.end_offset > length(documents.document_text)
        or segments.segment_text is distinct from substring(
            documents.document_text,
            segments.start_offset + 1,
            segments.end_offset - segments.start_offset
        )
)

select * from segments_outside_text
