"""The expectation suites: what Great Expectations checks on the staged tables, and why.

Great Expectations holds what only it expresses well on staged data
(docs/contracts.md): tolerances (`mostly`), fieldwork windows and other orders
of dates, check digits, bands of response rates. What a raw row must hold to be
loaded (required values, types, codes, scales, keys, references) is the
loader's, declared in the sources YAML; the keys and relationships of models
are dbt's tests. No expectation here restates one of those: each can fail on
data the loader and dbt let through (tests/python/test_validate.py plants a
fault for every one).

One function per suite returns its definition; these functions are the single
source of the suites: `samspil.validate` writes them to `gx/expectations/*.json`
on every run, so the JSON is what a reader of the repository (and of the Data
Docs) sees, never a second definition.

Every expectation carries `meta.severity`, `error` (the build stops before
anything is published) or `warning` (reported, the build goes on), and
`meta.why`, the study's reason for it. Each suite's `meta` holds the query that
builds its batch (`batch_query`, SQL that DuckDB and PostgreSQL run alike, naming
dbt's relations as dbt does, `{{ ref('...') }}`: `samspil.validate.batches`
asks dbt's manifest where they are), the column that identifies a row (`key`,
the only value a report shows of a failing row) and the columns derived in
Python (`derived_columns`, see `samspil.validate.batches`).

Reference data come from the project: the waves and their fieldwork windows
from the seed `survey_waves`, the attitude items from the seed `survey_items`,
the study municipalities and the study period from dbt vars.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import yaml
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column

ERROR = "error"
WARNING = "warning"

# GX's own severity field, so its Data Docs show ours.
GX_SEVERITY = {ERROR: "critical", WARNING: "warning"}

LATE_ANSWERS_TOLERATED = 0.95
"""Share of a wave's answers that must fall inside its fieldwork window."""

RESPONSE_RATE_BAND = (0.2, 0.9)
"""Plausible response rate of one municipality, wave and survey."""

RESPONSE_RATE_MIN_INVITED = 30
"""Below this many invitations a rate outside the band can be chance: a warning only."""

ATTITUDE_SCALE = "likert5"
"""The value set (seed survey_value_sets) of the attitude items."""

REF = re.compile(r"\{\{\s*ref\(\s*'(\w+)'\s*\)\s*\}\}")
"""`{{ ref('name') }}` in a batch query: a model or seed of the dbt project."""


def ref(name: str) -> str:
    """`{{ ref('name') }}`, as a batch query names the model or seed `name`."""
    return "{{ ref('" + name + "') }}"


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class StudyReference:
    """What the suites check values against, read from the project's seeds and vars."""

    fieldwork: dict[int, tuple[dt.date, dt.date]]
    """wave -> first and last day of its fieldwork (seed survey_waves)."""
    attitude_items: dict[str, list[str]]
    """survey -> its attitude items (seed survey_items)."""
    study_municipalities: tuple[str, ...]
    study_period: tuple[dt.date, dt.date]


def _seed(project: Path, name: str) -> list[dict[str, str]]:
    with (project / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_reference(project: Path) -> StudyReference:
    variables = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    attitude_items: dict[str, list[str]] = {}
    for row in _seed(project, "survey_items"):
        if row["value_set"] == ATTITUDE_SCALE:
            attitude_items.setdefault(row["survey"], []).append(row["survey_item_id"])
    period = variables["study_period"]
    return StudyReference(
        fieldwork={
            int(row["wave"]): (
                dt.date.fromisoformat(row["fieldwork_start_date"]),
                dt.date.fromisoformat(row["fieldwork_end_date"]),
            )
            for row in _seed(project, "survey_waves")
        },
        attitude_items={survey: sorted(items) for survey, items in attitude_items.items()},
        study_municipalities=tuple(str(code) for code in variables["study_municipalities"]),
        study_period=(
            dt.date.fromisoformat(str(period["first_day"])),
            dt.date.fromisoformat(str(period["last_day"])),
        ),
    )


# --------------------------------------------------------------------------- building blocks


def error(expectation: Expectation, why: str) -> Expectation:
    """An expectation whose failure stops the build before anything is published."""
    return _classify(expectation, ERROR, why)


def warning(expectation: Expectation, why: str) -> Expectation:
    """An expectation whose failure is reported while the build goes on."""
    return _classify(expectation, WARNING, why)


def _classify(expectation: Expectation, severity: str, why: str) -> Expectation:
    why = " ".join(why.split())
    expectation.meta = {"severity": severity, "why": why}
    expectation.severity = GX_SEVERITY[severity]
    expectation.notes = f"**{severity}**: {why}"  # what the Data Docs show of meta
    return expectation


def _day(day: dt.date) -> dt.datetime:
    """Dates arrive in the batch as pandas timestamps at midnight."""
    return dt.datetime(day.year, day.month, day.day)


@dataclass(frozen=True)
class SuiteDefinition:
    """One suite: its expectations and how to build its batch from the warehouse."""

    name: str
    description: str
    batch_query: str
    key: str
    expectations: list[Expectation]
    derived_columns: dict[str, str]

    @property
    def models(self) -> frozenset[str]:
        """The dbt models (and seeds) the batch query reads."""
        return frozenset(REF.findall(self.batch_query))

    def to_suite(self) -> gx.ExpectationSuite:
        """The GX suite, with ids derived from the expectations (stable JSON across runs)."""
        configurations = []
        for expectation in self.expectations:
            configuration = expectation.configuration
            fingerprint = json.dumps(configuration.to_json_dict(), sort_keys=True, default=str)
            configuration.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}/{fingerprint}"))
            configurations.append(configuration)
        return gx.ExpectationSuite(
            name=self.name,
            expectations=configurations,
            notes=[
                " ".join(self.description.split()),
                f"Rows are identified by {self.key}. The batch:",
                f"```sql\n{self.batch_query}\n```",
            ],
            meta={
                "description": " ".join(self.description.split()),
                "batch_query": self.batch_query,
                "key": self.key,
                "derived_columns": self.derived_columns,
            },
        )


CVR_CHECK = {
    "is_cvr_valid": "cvr_number is eight digits passing the CVR modulus-11 check (null where "
    "no CVR); samspil.validate.batches.is_valid_cvr",
}


def _cvr_check() -> Expectation:
    return error(
        gxe.ExpectColumnValuesToBeInSet(column="is_cvr_valid", value_set=[True]),
        "A CVR number is eight digits, the last a modulus-11 check digit (weights "
        "2,7,6,5,4,3,2,1); anything else (spaces, a 'DK' prefix, seven digits after a lost "
        "leading zero, a mistyped digit) would link the organisation to the wrong one or to "
        "none. Rows without a CVR are not judged.",
    )


# ---- surveys (b) and (c): frames, responses, answers, partner mentions

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
                    min_value=_day(first),
                    max_value=_day(last),
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
            _cvr_check(),
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
                    column="started_at", min_value=_day(first), row_condition=Column("wave") == wave
                ),
                f"{window}: nobody could open the questionnaire before it opened, so no "
                "tolerance here; an earlier date is a wrong wave or a misread date.",
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="started_at",
                    min_value=_day(first),
                    max_value=_day(last + dt.timedelta(days=1)),
                    strict_max=True,
                    mostly=LATE_ANSWERS_TOLERATED,
                    row_condition=Column("wave") == wave,
                ),
                late,
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="submitted_date",
                    min_value=_day(first),
                    max_value=_day(last),
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


# ---- strand (a): discourse


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
                    column="published_date", min_value=_day(first), max_value=_day(last)
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


# ---- strand (d): cases


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
                    column="start_date", min_value=_day(first), max_value=_day(last)
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
            _cvr_check(),
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


SUITES: tuple[Callable[[StudyReference], SuiteDefinition], ...] = (
    stg_institution_survey__frame,
    stg_institution_survey__responses,
    stg_institution_survey__answers,
    stg_institution_survey__partner_mentions,
    stg_association_survey__frame,
    stg_association_survey__responses,
    stg_association_survey__answers,
    stg_association_survey__partner_mentions,
    survey_response_rates,
    stg_discourse__documents,
    stg_discourse__codings,
    stg_cases__cases,
    stg_cases__actors,
    stg_cases__episodes,
)
"""Every suite, in the order of the data flow: surveys, discourse, cases."""


def suite_definitions(project: Path) -> list[SuiteDefinition]:
    reference = read_reference(project)
    return [define(reference) for define in SUITES]
