with

codings as (
    select
        coding_id,
        segment_id,
        coder_id,
        justification_code,
        coded_date
    from {{ ref('stg_discourse__codings') }}
),

segments as (
    select
        segment_id,
        document_id,
        start_offset,
        end_offset
    from {{ ref('stg_discourse__segments') }}
),

documents as (
    select
        document_id,
        kommunekode,
        document_type,
        published_date
    from {{ ref('stg_discourse__documents') }}
),

justification_codes as (
    select
        justification_code_id,
        frame_code
    from {{ ref('dim_justification_codes') }}
),

segment_coders as (
    select
        segment_id,
        count(distinct coder_id) as coder_count
    from codings
    group by segment_id
),

final as (
    select
        codings.coding_id,
        codings.segment_id,
        segments.document_id,
        codings.coder_id,
        codings.justification_code,
        justification_codes.frame_code,
        documents.kommunekode,
        documents.document_type,
        cast(extract(year from documents.published_date) as integer) as publication_year,
        segments.start_offset,
        segments.end_offset,
        segments.end_offset - segments.start_offset as segment_length,
        cast(segment_coders.coder_count as integer) as segment_coder_count,
        codings.coded_date
    from codings
    left join segments
        on codings.segment_id = segments.segment_id
    left join documents
        on segments.document_id = documents.document_id
    left join justification_codes
        on codings.justification_code = justification_codes.justification_code_id
    left join segment_coders
        on codings.segment_id = segment_coders.segment_id
)

select * from final
