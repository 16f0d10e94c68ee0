"""The suites of strand (d), the cases: cases, actors and episodes."""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from samspil.validate.expectations import (
    CVR_CHECK,
    SuiteDefinition,
    cvr_check,
    day,
    error,
    warning,
)
from samspil.validate.reference import StudyReference


def stg_cases__cases(reference: StudyReference) -> SuiteDefinition:
    first, last = reference.study_period
    return SuiteDefinition(
        name="stg_cases__cases",
        description="The cooperation cases, with the number of days each was followed.",
        batch_query="""
select
    case_id,
    start_date,
    end_date,
    end_date - start_date as followed_days
from {{ ref('stg_cases__cases') }}
""".strip(),
        key="case_id",
        derived_columns={},
        expectations=[
            error(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_date",
                    column_B="start_date",
                    ignore_row_if="either_value_is_missing",
                ),
                "A case was followed from start_date to a later end_date; a reversed period "
                "places every episode outside it.",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="followed_days", min_value=540, max_value=900
                ),
                "Cases were followed for about two years (730 days); a much shorter or longer "
                "period is a typo in one of the dates or a case dropped early, worth a note "
                "in the case timeline.",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="start_date", min_value=day(first), max_value=day(last)
                ),
                f"Cases started during the project ({first.year}-{last.year}, dbt var "
                "study_period).",
            ),
        ],
    )


def stg_cases__actors(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_cases__actors",
        description="The actors of the cases. Their names (free text, scrubbed of personal "
        "data in staging) do not enter the batch.",
        batch_query="""
select
    actor_id,
    actor_type,
    cvr_number
from {{ ref('stg_cases__actors') }}
""".strip(),
        key="actor_id",
        derived_columns=CVR_CHECK,
        expectations=[
            cvr_check(),
            error(
                gxe.ExpectColumnValuesToBeNull(
                    column="cvr_number", row_condition=Column("actor_type") == "volunteer_group"
                ),
                "Informal volunteer groups are not registered; a CVR number means the actor is "
                "a registered association typed wrongly, and it would not be linked.",
            ),
        ],
    )


def stg_cases__episodes(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_cases__episodes",
        description="The dated episodes of the cases, with their case's period.",
        batch_query="""
with

episodes as (
    select * from {{ ref('stg_cases__episodes') }}
),

cases as (
    select * from {{ ref('stg_cases__cases') }}
)

select
    episodes.episode_id,
    episodes.outcome,
    episodes.episode_date,
    cases.start_date as case_start_date,
    cases.end_date as case_end_date
from episodes
left join cases
    on episodes.case_id = cases.case_id
""".strip(),
        key="episode_id",
        derived_columns={},
        expectations=[
            warning(
                gxe.ExpectColumnValuesToNotBeNull(column="outcome", mostly=0.9),
                "Most episodes have a judged outcome; the study tolerates up to 10 % not yet "
                "judged, more means the case notes are incomplete.",
            ),
            error(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="episode_date",
                    column_B="case_start_date",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                "Episodes are observed while their case was followed: a date before the case "
                "started is a typo or an episode filed under the wrong case.",
            ),
            error(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="case_end_date",
                    column_B="episode_date",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                "Episodes are observed while their case was followed: a date after the case "
                "ended is a typo or an episode filed under the wrong case.",
            ),
        ],
    )
