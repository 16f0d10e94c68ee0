"""The suites of strand (a), the discourse: documents and codings."""

from __future__ import annotations

import great_expectations.expectations as gxe

from samspil.validate.expectations import (
    SuiteDefinition,
    day,
    warning,
)
from samspil.validate.reference import StudyReference


def stg_discourse__documents(reference: StudyReference) -> SuiteDefinition:
    first, last = reference.study_period
    return SuiteDefinition(
        name="stg_discourse__documents",
        description="Discourse documents. The text itself stays out of the batch: only its length.",
        batch_query="""
select
    document_id,
    published_date,
    length(document_text) as document_text_length
from {{ ref('stg_discourse__documents') }}
""".strip(),
        key="document_id",
        derived_columns={},
        expectations=[
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="published_date", min_value=day(first), max_value=day(last)
                ),
                f"The corpus covers the project's years {first.year}-{last.year} (dbt var "
                "study_period); a document outside them is from another collection or misdated.",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(column="document_text_length", min_value=100),
                "A document of under 100 characters is a title-only row or a truncated "
                "export: there is little to code in it.",
            ),
        ],
    )


def stg_discourse__codings(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_discourse__codings",
        description="Codings (segment x coder x justification code), with the publication "
        "date of the coded document.",
        batch_query="""
with

codings as (
    select * from {{ ref('stg_discourse__codings') }}
),

segments as (
    select * from {{ ref('stg_discourse__segments') }}
),

documents as (
    select * from {{ ref('stg_discourse__documents') }}
)

select
    codings.coding_id,
    codings.coded_date,
    documents.published_date
from codings
left join segments
    on codings.segment_id = segments.segment_id
left join documents
    on segments.document_id = documents.document_id
""".strip(),
        key="coding_id",
        derived_columns={},
        expectations=[
            warning(
                gxe.ExpectColumnValuesToNotBeNull(column="coded_date"),
                "The coding date dates the coder's work; reliability by coding round needs it.",
            ),
            warning(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="coded_date",
                    column_B="published_date",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                "A document is coded after it was published (or its meeting held); an earlier "
                "coding date means one of the two dates is wrong. No figure is dated by the "
                "coding date, hence a warning.",
            ),
        ],
    )
