"""The suites of surveys (b) and (c): frames, responses, answers, partner mentions and
the response rates."""

from __future__ import annotations

import datetime as dt

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column

from samspil.validate.expectations import (
    CVR_CHECK,
    SuiteDefinition,
    cvr_check,
    day,
    error,
    ref,
    warning,
)
from samspil.validate.reference import StudyReference

LATE_ANSWERS_TOLERATED = 0.95
"""Share of a wave's answers that must fall inside its fieldwork window."""

RESPONSE_RATE_BAND = (0.2, 0.9)
"""Plausible response rate of one municipality, wave and survey."""

RESPONSE_RATE_MIN_INVITED = 30
"""Below this many invitations a rate outside the band can be chance: a warning only."""

SURVEY_UNIT = {"institution": "institution", "association": "association"}


def _frame(survey: str, reference: StudyReference) -> list[Expectation]:
    expectations = [
        warning(
            gxe.ExpectColumnValuesToNotBeNull(column="invited_date"),
            "The invitation date dates the start of fieldwork for the respondent; without it "
            "a too early answer cannot be told from a wrong frame date.",
        ),
    ]
    for wave, (first, last) in reference.fieldwork.items():
        expectations.append(
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="invited_date",
                    min_value=day(first),
                    max_value=day(last),
                    row_condition=Column("wave") == wave,
                ),
                f"Invitations of the {wave} wave went out in its fieldwork window "
                f"({first}..{last}, seed survey_waves); a date outside it points to a frame "
                "of another wave.",
            )
        )
    return expectations


def stg_institution_survey__frame(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_institution_survey__frame",
        description="Institutions invited to the institution survey, one row per institution "
        "and wave.",
        batch_query="""
select
    frame_entry_id,
    wave,
    invited_date
from {{ ref('stg_institution_survey__frame') }}
""".strip(),
        key="frame_entry_id",
        derived_columns={},
        expectations=_frame("institution", reference),
    )


def stg_association_survey__frame(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_association_survey__frame",
        description="Associations invited to the association survey, one row per association "
        "and wave.",
        batch_query="""
select
    frame_entry_id,
    wave,
    invited_date,
    cvr_number
from {{ ref('stg_association_survey__frame') }}
""".strip(),
        key="frame_entry_id",
        derived_columns=CVR_CHECK,
        expectations=[
            *_frame("association", reference),
            cvr_check(),
            warning(
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["cvr_number", "wave"], ignore_row_if="any_value_is_missing"
                ),
                "A CVR number names one legal entity: two associations with the same CVR "
                "in a wave are one association invited twice, or a local branch filed "
                "under its national body. Both are possible in a real register, so it is "
                "a warning; the linking then treats them as one association.",
            ),
        ],
    )


def _responses(survey: str, reference: StudyReference) -> SuiteDefinition:
    unit = SURVEY_UNIT[survey]
    table = f"stg_{survey}_survey__responses"
    expectations = [
        error(
            gxe.ExpectColumnValuesToNotBeNull(
                column="submitted_date", row_condition=Column("completion_status") == "complete"
            ),
            "A complete questionnaire was submitted on a date; without it the answer cannot be "
            "placed in its fieldwork window.",
        ),
        error(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="submitted_date",
                column_B="started_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            "A questionnaire is submitted on or after the day it was opened; the reverse "
            "means day and month were swapped in one of the dates.",
        ),
        warning(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="started_date",
                column_B="invited_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            "The link came with the invitation, so nobody opens the questionnaire before "
            "invited_date; an earlier start means the frame's invitation date is wrong (a "
            "resend overwrote it). The answer itself is fine, hence a warning.",
        ),
    ]
    for wave, (first, last) in reference.fieldwork.items():
        window = f"{wave} fieldwork ran {first}..{last} (seed survey_waves)"
        late = (
            f"{window}. The survey tool stayed open after the last reminder, so the study "
            f"accepts a few late answers: at least {LATE_ANSWERS_TOLERATED:.0%} of the wave "
            "must lie inside the window. More outside it means answers filed under the wrong "
            "wave or dates misread (dd-mm as mm-dd)."
        )
        expectations += [
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="started_at", min_value=day(first), row_condition=Column("wave") == wave
                ),
                f"{window}: nobody could open the questionnaire before it opened, so no "
                "tolerance here; an earlier date is a wrong wave or a misread date.",
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="started_at",
                    min_value=day(first),
                    max_value=day(last + dt.timedelta(days=1)),
                    strict_max=True,
                    mostly=LATE_ANSWERS_TOLERATED,
                    row_condition=Column("wave") == wave,
                ),
                late,
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="submitted_date",
                    min_value=day(first),
                    max_value=day(last),
                    mostly=LATE_ANSWERS_TOLERATED,
                    row_condition=Column("wave") == wave,
                ),
                late,
            ),
        ]
    return SuiteDefinition(
        name=table,
        description=f"Returned questionnaires of the {survey} survey, with the respondent's "
        "invitation date from the frame.",
        batch_query=f"""
select
    responses.response_id,
    responses.wave,
    responses.completion_status,
    responses.started_at,
    cast(responses.started_at as date) as started_date,
    responses.submitted_date,
    frame.invited_date
from {ref(table)} as responses
left join {ref(f"stg_{survey}_survey__frame")} as frame
    on
        responses.{unit}_id = frame.{unit}_id
        and responses.wave = frame.wave
""".strip(),
        key="response_id",
        derived_columns={},
        expectations=expectations,
    )


def stg_institution_survey__responses(reference: StudyReference) -> SuiteDefinition:
    return _responses("institution", reference)


def stg_association_survey__responses(reference: StudyReference) -> SuiteDefinition:
    return _responses("association", reference)


def _answers(survey: str, reference: StudyReference) -> SuiteDefinition:
    table = f"stg_{survey}_survey__answers"
    return SuiteDefinition(
        name=table,
        description=f"Answers of the {survey} survey, one row per questionnaire and codebook "
        "item, decoded through the codebook seeds.",
        batch_query=f"""
select
    survey_answer_id,
    survey_item_id,
    answer_status
from {ref(table)}
""".strip(),
        key="survey_answer_id",
        derived_columns={},
        expectations=[
            warning(
                gxe.ExpectColumnValuesToBeInSet(
                    column="answer_status",
                    value_set=["valid"],
                    mostly=0.8,
                    row_condition=Column("survey_item_id").is_in(reference.attitude_items[survey]),
                ),
                "Item nonresponse is expected on attitude items (don't know, skipped, partial "
                "questionnaires): the study tolerates up to 20 % per survey; more points to a "
                "shifted column or a misread code rather than to respondents.",
            ),
        ],
    )


def stg_institution_survey__answers(reference: StudyReference) -> SuiteDefinition:
    return _answers("institution", reference)


def stg_association_survey__answers(reference: StudyReference) -> SuiteDefinition:
    return _answers("association", reference)


def _partner_mentions(survey: str) -> SuiteDefinition:
    table = f"stg_{survey}_survey__partner_mentions"
    named = "associations" if survey == "institution" else "municipal institutions"
    return SuiteDefinition(
        name=table,
        description=f"The {named} each {survey} named as partners. The names themselves are "
        "free text (scrubbed of personal data in staging) and do not enter the batch: only "
        "their length.",
        batch_query=f"""
select
    partner_mention_id,
    length(partner_name) as partner_name_length
from {ref(table)}
""".strip(),
        key="partner_mention_id",
        derived_columns={},
        expectations=[
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="partner_name_length", min_value=2, max_value=200
                ),
                "A name of one character or of a paragraph is not an organisation's name; it "
                "will not link and is worth a look.",
            ),
        ],
    )


def stg_institution_survey__partner_mentions(reference: StudyReference) -> SuiteDefinition:
    return _partner_mentions("institution")


def stg_association_survey__partner_mentions(reference: StudyReference) -> SuiteDefinition:
    return _partner_mentions("association")


def survey_response_rates(reference: StudyReference) -> SuiteDefinition:
    first, last = RESPONSE_RATE_BAND
    study = ", ".join(f"('{code}')" for code in reference.study_municipalities)
    band = (
        f"Published response rates lie between 47 % and 68 % (seed published_figures). A "
        f"municipality's rate outside {first:.0%}..{last:.0%} means part of an export is "
        "missing or duplicated (responses of one municipality lost, a frame of the wrong wave) "
        "rather than that its respondents behaved differently."
    )
    return SuiteDefinition(
        name="survey_response_rates",
        description="Response rate per survey, wave and municipality: invited respondents "
        "(staged frame) that returned a questionnaire (staged responses, complete or partial); "
        "every study municipality has a row for each survey in each wave the exports hold.",
        batch_query=f"""
with

invited as (
    select 'institution' as survey, wave, kommunekode, institution_id as respondent_id
    from {ref("stg_institution_survey__frame")}
    union all
    select 'association' as survey, wave, kommunekode, association_id as respondent_id
    from {ref("stg_association_survey__frame")}
),

responded as (
    select distinct 'institution' as survey, wave, institution_id as respondent_id
    from {ref("stg_institution_survey__responses")}
    union all
    select distinct 'association' as survey, wave, association_id as respondent_id
    from {ref("stg_association_survey__responses")}
),

cells as (
    select
        invited.survey,
        invited.wave,
        invited.kommunekode,
        count(distinct invited.respondent_id) as invited_count,
        count(distinct responded.respondent_id) as responded_count
    from invited
    left join responded
        on
            invited.survey = responded.survey
            and invited.wave = responded.wave
            and invited.respondent_id = responded.respondent_id
    group by invited.survey, invited.wave, invited.kommunekode
),

study_cells as (
    select surveys.survey, waves.wave, study.kommunekode
    from (values ('institution'), ('association')) as surveys (survey)
    cross join (select distinct wave from invited) as waves
    cross join (values {study}) as study (kommunekode)
),

all_cells as (
    select
        coalesce(cells.survey, study_cells.survey) as survey,
        coalesce(cells.wave, study_cells.wave) as wave,
        coalesce(cells.kommunekode, study_cells.kommunekode) as kommunekode,
        coalesce(cells.invited_count, 0) as invited_count,
        coalesce(cells.responded_count, 0) as responded_count
    from cells
    full outer join study_cells
        on
            cells.survey = study_cells.survey
            and cells.wave = study_cells.wave
            and cells.kommunekode = study_cells.kommunekode
)

select
    survey || '-' || wave || '-' || kommunekode as response_rate_cell_id,
    invited_count,
    cast(responded_count as float8) / nullif(invited_count, 0) as response_rate
from all_cells
""".strip(),
        key="response_rate_cell_id",
        derived_columns={},
        expectations=[
            error(
                gxe.ExpectColumnValuesToBeBetween(column="invited_count", min_value=1),
                "Both surveys invited respondents in every study municipality in every wave "
                "(a wave arrives whole, for both surveys); a cell with nobody invited means a "
                "municipality's frame is missing from the export.",
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="response_rate",
                    min_value=first,
                    max_value=last,
                    row_condition=Column("invited_count") >= RESPONSE_RATE_MIN_INVITED,
                ),
                band,
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="response_rate",
                    min_value=first,
                    max_value=last,
                    row_condition=Column("invited_count") < RESPONSE_RATE_MIN_INVITED,
                ),
                f"{band} With fewer than {RESPONSE_RATE_MIN_INVITED} invited a rate outside "
                "the band can be chance, so only a warning.",
            ),
        ],
    )
