with

documents as (
    select
        document_id,
        kommunekode,
        document_type,
        document_title,
        document_text,
        published_date
    from {{ ref('stg_discourse__documents') }}
),

segments as (
    select
        segment_id,
        document_id
    from {{ ref('stg_discourse__segments') }}
),

document_segments as (
    select
        document_id,
        count(*) as segment_count
    from segments
    group by document_id
),

final as (
    select
        documents.document_id,
        documents.kommunekode,
        documents.document_type,
        documents.document_title,
        cast(extract(year from documents.published_date) as integer) as publication_year,
        cast(length(documents.document_text) as integer) as text_length,
        cast(coalesce(document_segments.segment_count, 0) as integer) as segment_count,
        documents.published_date
    from documents
    left join document_segments
        on documents.document_id = document_segments.document_id
)

select * from final
