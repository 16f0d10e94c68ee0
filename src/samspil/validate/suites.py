"""The expectation suites: what each staged table must satisfy, and why.

One function per staged table (named after it) returns its Great Expectations
suite; `survey_response_rates` checks the response rate per municipality, wave
and survey, computed from the staged frames and responses. These functions are
the single source of the suites: `samspil.validate` writes them to
`gx/expectations/*.json` on every run, so the JSON is what a reader of the
repository (and of the Data Docs) sees, never a second definition.

Every expectation carries `meta.severity`, `error` (the build stops before
anything is published) or `warning` (reported, the build goes on), and
`meta.why`, the study's reason for it. Each suite's `meta` holds the query that
builds its batch from the warehouse (`batch_query`, SQL that DuckDB and
PostgreSQL run alike: no any_value or date_diff, no integer `/`), the columns
that identify a row (`keys`, the only values a report shows of a failing row)
and the columns derived in Python (`derived_columns`, see
`samspil.validate.batches`).

Reference data come from the project, not from the warehouse: the codebook and
the municipalities from `seeds/`, the study municipalities from the dbt var
`study_municipalities`, the fieldwork windows from the study design below.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
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

FIELDWORK: dict[int, tuple[dt.date, dt.date]] = {
    2016: (dt.date(2016, 3, 1), dt.date(2016, 5, 31)),
    2018: (dt.date(2018, 3, 1), dt.date(2018, 5, 31)),
}
"""Fieldwork window of each survey wave (both surveys), first and last day."""

LATE_ANSWERS_TOLERATED = 0.95
"""Share of a wave's answers that must fall inside its fieldwork window."""

RESPONSE_RATE_BAND = (0.2, 0.9)
"""Plausible response rate of one municipality, wave and survey."""

RESPONSE_RATE_MIN_INVITED = 30
"""Below this many invitations a rate outside the band can be chance: a warning only."""

STUDY_PERIOD = (dt.date(2015, 1, 1), dt.date(2018, 12, 31))
"""The project's years: discourse documents and cases lie inside them."""

ANSWER_STATUSES = ("valid", "dont_know", "not_answered", "not_applicable")
EPISODE_TYPES = ("meeting", "joint_activity", "agreement", "conflict", "evaluation")
EPISODE_OUTCOMES = ("positive", "neutral", "negative")
ACTOR_TYPES = ("institution", "association", "volunteer_group")
DOCUMENT_TYPES = ("policy", "minutes", "news")
CVR_PATTERN = r"^[0-9]{8}$"


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class StudyReference:
    """What the suites check values against, read from the project's seeds and vars."""

    municipalities: tuple[str, ...]
    study_municipalities: tuple[str, ...]
    policy_areas: tuple[str, ...]
    association_fields: tuple[str, ...]
    justification_codes: tuple[str, ...]
    items: dict[str, dict[str, tuple[str, ...]]]
    """survey -> value set -> survey_item_ids."""
    codes: dict[str, tuple[str, ...]]
    """value set -> every declared code, valid and missing (as exported, text)."""
    ranges: dict[str, tuple[int, int]]
    """value set -> (min, max) of a valid answer."""

    def items_of(self, survey: str, *value_sets: str) -> list[str]:
        return sorted(item for vs in value_sets for item in self.items[survey].get(vs, ()))


def _seed(project: Path, name: str) -> list[dict[str, str]]:
    with (project / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_reference(project: Path) -> StudyReference:
    variables = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    items: dict[str, dict[str, list[str]]] = {}
    for row in _seed(project, "survey_items"):
        items.setdefault(row["survey"], {}).setdefault(row["value_set"], []).append(
            row["survey_item_id"]
        )
    codes: dict[str, list[str]] = {}
    for row in _seed(project, "survey_value_labels"):
        codes.setdefault(row["value_set"], []).append(row["code"])
    return StudyReference(
        municipalities=tuple(row["kommunekode"] for row in _seed(project, "municipalities")),
        study_municipalities=tuple(str(code) for code in variables["study_municipalities"]),
        policy_areas=tuple(row["policy_area_code"] for row in _seed(project, "policy_areas")),
        association_fields=tuple(
            row["association_field_code"] for row in _seed(project, "association_fields")
        ),
        justification_codes=tuple(
            row["justification_code"] for row in _seed(project, "justification_codes")
        ),
        items={
            survey: {vs: tuple(ids) for vs, ids in sets.items()} for survey, sets in items.items()
        },
        codes={vs: tuple(values) for vs, values in codes.items()},
        ranges={
            row["value_set"]: (int(row["min_value"]), int(row["max_value"]))
            for row in _seed(project, "survey_value_sets")
        },
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


def required(columns: Iterable[str], why: str) -> list[Expectation]:
    """Complete columns (error)."""
    return [error(gxe.ExpectColumnValuesToNotBeNull(column=column), why) for column in columns]


def primary_key(column: str, what: str) -> list[Expectation]:
    why = f"{column} identifies {what}: every report, link and example key relies on it."
    return [
        error(gxe.ExpectColumnValuesToNotBeNull(column=column), why),
        error(gxe.ExpectColumnValuesToBeUnique(column=column), why),
    ]


def _day(day: dt.date) -> dt.datetime:
    """Dates arrive in the batch as pandas timestamps at midnight."""
    return dt.datetime(day.year, day.month, day.day)


def in_municipalities(column: str, reference: StudyReference) -> list[Expectation]:
    return [
        error(
            gxe.ExpectColumnValuesToBeInSet(
                column=column, value_set=list(reference.municipalities)
            ),
            "A kommunekode outside Denmark's 98 municipalities (seed municipalities) is a typo or "
            "a code that lost its leading zero; the row would vanish from every figure by "
            "municipality.",
        ),
        warning(
            gxe.ExpectColumnValuesToBeInSet(
                column=column, value_set=list(reference.study_municipalities)
            ),
            "The study covers five municipalities (dbt var study_municipalities). Other "
            "municipalities are legitimate in the synthetic data at scale > 1 and in a real "
            "export that includes neighbours, so this is a warning: the rows are kept, and "
            "figures for the study filter on dim_municipalities.is_study_municipality.",
        ),
    ]


# --------------------------------------------------------------------------- suites


@dataclass(frozen=True)
class SuiteDefinition:
    """One suite: its expectations and how to build its batch from the warehouse."""

    name: str
    description: str
    batch_query: str
    keys: tuple[str, ...]
    expectations: list[Expectation]
    derived_columns: dict[str, str]

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
                f"Rows are identified by {', '.join(self.keys)}. The batch:",
                f"```sql\n{self.batch_query}\n```",
            ],
            meta={
                "description": " ".join(self.description.split()),
                "batch_query": self.batch_query,
                "keys": list(self.keys),
                "derived_columns": self.derived_columns,
            },
        )


# ---- surveys (b) and (c): frames, responses, answers, partner mentions

SURVEY_UNIT = {"institution": "institution", "association": "association"}


def _frame(survey: str, reference: StudyReference, extra: list[Expectation]) -> list[Expectation]:
    unit = SURVEY_UNIT[survey]
    expectations = [
        *primary_key("frame_entry_id", f"one invitation of one {unit} in one wave"),
        *required(
            [f"{unit}_id", f"{unit}_name", "kommunekode", "wave"],
            f"Every invited {unit} needs its id, name, municipality and wave: the frame is the "
            "denominator of the response rates and the register the partner names link to.",
        ),
        error(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=[f"{unit}_id", "wave"]),
            f"One invitation per {unit} and wave: a duplicate would inflate the response-rate "
            "denominator and give the respondent two municipalities or names.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(column="wave", value_set=sorted(FIELDWORK)),
            "The surveys ran in two waves, 2016 and 2018.",
        ),
        *in_municipalities("kommunekode", reference),
        warning(
            gxe.ExpectColumnValuesToNotBeNull(column="invited_date"),
            "The invitation date dates the start of fieldwork for the respondent; without it "
            "a too early answer cannot be told from a wrong frame date.",
        ),
    ]
    for wave, (first, last) in FIELDWORK.items():
        expectations.append(
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="invited_date",
                    min_value=_day(first),
                    max_value=_day(last),
                    row_condition=Column("wave") == wave,
                ),
                f"Invitations of the {wave} wave went out in its fieldwork window "
                f"({first}..{last}); a date outside it points to a frame of another wave.",
            )
        )
    return expectations + extra


def stg_institution_survey__frame(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_institution_survey__frame",
        description="Institutions invited to the institution survey, one row per institution "
        "and wave.",
        batch_query="select * from staging.stg_institution_survey__frame",
        keys=("frame_entry_id",),
        derived_columns={},
        expectations=_frame(
            "institution",
            reference,
            [
                error(
                    gxe.ExpectColumnValuesToNotBeNull(column="policy_area_code"),
                    "Cooperation is reported by policy area; an institution without one "
                    "drops out of every figure by area.",
                ),
                error(
                    gxe.ExpectColumnValuesToBeInSet(
                        column="policy_area_code", value_set=list(reference.policy_areas)
                    ),
                    "Policy areas are those of the seed policy_areas; another code has no "
                    "name or description in dim_policy_areas.",
                ),
            ],
        ),
    )


def stg_association_survey__frame(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_association_survey__frame",
        description="Associations invited to the association survey, one row per association "
        "and wave.",
        batch_query="select * from staging.stg_association_survey__frame",
        keys=("frame_entry_id",),
        derived_columns={
            "is_cvr_valid": "cvr_number passes the CVR modulus-11 check (null where no CVR); "
            "samspil.validate.batches.is_valid_cvr",
        },
        expectations=_frame(
            "association",
            reference,
            [
                error(
                    gxe.ExpectColumnValuesToBeInSet(
                        column="association_field_code",
                        value_set=list(reference.association_fields),
                    ),
                    "Fields of activity are those of the seed association_fields; another "
                    "code has no label and breaks the field affinity of the linking.",
                ),
                *_cvr_checks(),
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
        ),
    )


def _cvr_checks() -> list[Expectation]:
    return [
        error(
            gxe.ExpectColumnValuesToMatchRegex(column="cvr_number", regex=CVR_PATTERN),
            "A CVR number is eight digits; anything else (spaces, 'DK' prefix, seven digits "
            "after a lost leading zero) cannot link the organisation to the register.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(column="is_cvr_valid", value_set=[True]),
            "CVR numbers carry a modulus-11 check digit (weights 2,7,6,5,4,3,2,1); a number "
            "that fails it is mistyped and would link the organisation to the wrong one or to "
            "none. Rows without a CVR are not judged.",
        ),
    ]


def _responses(survey: str) -> SuiteDefinition:
    unit = SURVEY_UNIT[survey]
    table = f"stg_{survey}_survey__responses"
    expectations = [
        *primary_key("response_id", "a returned questionnaire"),
        *required(
            [f"{unit}_id", "wave", "completion_status", "started_at"],
            "Every questionnaire belongs to an invited respondent and a wave, is complete or "
            "partial, and was opened at some time.",
        ),
        error(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=[f"{unit}_id", "wave"]),
            f"One answer per {unit} and wave: a second questionnaire of the same respondent "
            "would count twice in every share and in the response rate.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(column="wave", value_set=sorted(FIELDWORK)),
            "The surveys ran in two waves, 2016 and 2018.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(
                column="completion_status", value_set=["complete", "partial"]
            ),
            "The survey tool exports complete or partial questionnaires; another status "
            "cannot be weighed in the analyses.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(column="is_in_frame", value_set=[True]),
            f"The respondent was invited in that wave (stg_{survey}_survey__frame); otherwise "
            "the response rate's numerator is not part of its denominator and the answer has "
            "no municipality.",
        ),
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
    for wave, (first, last) in FIELDWORK.items():
        window = f"{wave} fieldwork ran {first}..{last}"
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
        "invitation (municipality and date) from the frame.",
        batch_query=f"""
with

responses as (
    select * from staging.{table}
),

frame as (
    select
        {unit}_id,
        wave,
        min(invited_date) as invited_date
    from staging.stg_{survey}_survey__frame
    group by {unit}_id, wave
)

select
    responses.*,
    cast(responses.started_at as date) as started_date,
    frame.invited_date,
    frame.{unit}_id is not null as is_in_frame
from responses
left join frame
    on
        responses.{unit}_id = frame.{unit}_id
        and responses.wave = frame.wave
""".strip(),
        keys=("response_id",),
        derived_columns={},
        expectations=expectations,
    )


def stg_institution_survey__responses(reference: StudyReference) -> SuiteDefinition:
    return _responses("institution")


def stg_association_survey__responses(reference: StudyReference) -> SuiteDefinition:
    return _responses("association")


def _answers(survey: str, reference: StudyReference) -> SuiteDefinition:
    table = f"stg_{survey}_survey__answers"
    likert = reference.items_of(survey, "likert5")
    yes_no = reference.items_of(survey, "yes_no")
    filtered = reference.items_of(survey, "yes_no_filtered")
    counts = reference.items_of(survey, "count")
    all_items = reference.items_of(survey, *reference.items[survey])
    likert_min, likert_max = reference.ranges["likert5"]
    count_min, count_max = reference.ranges["count"]

    def declared(value_set: str, items: list[str]) -> Expectation:
        return error(
            gxe.ExpectColumnValuesToBeInSet(
                column="raw_value",
                value_set=list(reference.codes[value_set]),
                row_condition=Column("survey_item_id").is_in(items),
            ),
            f"Items of the {value_set} value set are answered with its codes or a declared "
            f"missing code ({', '.join(reference.codes[value_set])}, seed "
            "survey_value_labels); any other code (a 6 on a 1-5 scale, a 99 on yes/no) is "
            "neither an answer nor a reason for a missing one. Empty cells (null) are "
            "'not answered' and allowed.",
        )

    expectations = [
        *primary_key("survey_answer_id", "one answer: questionnaire and item"),
        *required(
            ["response_id", "survey_item_id", "answer_status"],
            "Every answer belongs to a questionnaire and a codebook item and has a status.",
        ),
        error(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["response_id", "survey_item_id"]),
            "One answer per questionnaire and item: a second would count twice in "
            "fct_survey_answers and in every share.",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(column="survey_item_id", value_set=all_items),
            f"Items are those of the {survey} survey in the codebook (seed survey_items).",
        ),
        error(
            gxe.ExpectColumnValuesToBeInSet(
                column="answer_status", value_set=list(ANSWER_STATUSES)
            ),
            "An answer is valid or missing for a declared reason; 'unknown_code' marks a code "
            "the codebook does not declare for the item, which the quarantine should have "
            "rejected before staging.",
        ),
        declared("likert5", likert),
        error(
            gxe.ExpectColumnValuesToBeBetween(
                column="answer_value",
                min_value=likert_min,
                max_value=likert_max,
                row_condition=Column("survey_item_id").is_in(likert),
            ),
            f"Attitude items are on the five-point agreement scale ({likert_min} = strongly "
            f"disagree .. {likert_max} = strongly agree); the means by institution and "
            "association compare on it.",
        ),
        warning(
            gxe.ExpectColumnValuesToBeInSet(
                column="answer_status",
                value_set=["valid"],
                mostly=0.8,
                row_condition=Column("survey_item_id").is_in(likert),
            ),
            "Item nonresponse is expected on attitude items (don't know, skipped, partial "
            "questionnaires): the study tolerates up to 20 % per survey; more points to a "
            "shifted column or a misread code rather than to respondents.",
        ),
        declared("yes_no", yes_no),
        declared("yes_no_filtered", filtered),
        error(
            gxe.ExpectColumnValuesToBeInSet(
                column="answer_value",
                value_set=[1, 2],
                row_condition=Column("survey_item_id").is_in(yes_no + filtered),
            ),
            "Yes/no items are coded 1 = yes, 2 = no; the shares cooperating are counted "
            "from these two values only.",
        ),
        error(
            gxe.ExpectColumnValuesToMatchRegex(
                column="raw_value",
                regex=r"^[0-9]+$",
                row_condition=Column("survey_item_id").is_in(counts),
            ),
            "Numbers of partners are written as whole numbers (97-99 are missing codes).",
        ),
        error(
            gxe.ExpectColumnValuesToBeBetween(
                column="answer_value",
                min_value=count_min,
                max_value=count_max,
                row_condition=Column("survey_item_id").is_in(counts),
            ),
            f"A number of partners is {count_min}..{count_max}; 97-99 are missing codes and "
            "must not be counted as partners.",
        ),
        error(
            gxe.ExpectColumnValuesToNotBeNull(
                column="answer_value", row_condition=Column("answer_status") == "valid"
            ),
            "A valid answer carries its number; without it the answer silently drops out of "
            "means and shares.",
        ),
        error(
            gxe.ExpectColumnValuesToBeNull(
                column="answer_value", row_condition=Column("answer_status") != "valid"
            ),
            "Declared missing codes (7 not applicable, 8 don't know, 9 not answered, 97-99) "
            "never become numbers: a 9 averaged as an answer would push every attitude mean "
            "towards 'strongly agree'.",
        ),
    ]
    return SuiteDefinition(
        name=table,
        description=f"Answers of the {survey} survey, one row per questionnaire and codebook "
        "item, decoded through the codebook seeds.",
        batch_query=f"""
select
    survey_answer_id,
    response_id,
    survey_item_id,
    raw_value,
    answer_status,
    answer_value
from staging.{table}
""".strip(),
        keys=("survey_answer_id",),
        derived_columns={},
        expectations=expectations,
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
    response_id,
    mention_position,
    length(partner_name) as partner_name_length
from staging.{table}
""".strip(),
        keys=("partner_mention_id",),
        derived_columns={},
        expectations=[
            *primary_key("partner_mention_id", "one partner column of one questionnaire"),
            *required(
                ["response_id", "partner_name_length"],
                "A mention belongs to a questionnaire and has a name to link; an empty name "
                "(for example one the personal-data scrub emptied) cannot be linked.",
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(
                    column="mention_position", min_value=1, max_value=5
                ),
                "The questionnaire has five partner columns, partner_1..partner_5.",
            ),
            error(
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["response_id", "mention_position"]
                ),
                "One name per partner column of a questionnaire.",
            ),
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
    from staging.stg_institution_survey__frame
    union all
    select 'association' as survey, wave, kommunekode, association_id as respondent_id
    from staging.stg_association_survey__frame
),

responded as (
    select distinct 'institution' as survey, wave, institution_id as respondent_id
    from staging.stg_institution_survey__responses
    union all
    select distinct 'association' as survey, wave, association_id as respondent_id
    from staging.stg_association_survey__responses
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
    survey,
    wave,
    kommunekode,
    invited_count,
    responded_count,
    cast(responded_count as float8) / nullif(invited_count, 0) as response_rate
from all_cells
order by response_rate_cell_id
""".strip(),
        keys=("response_rate_cell_id",),
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
    return SuiteDefinition(
        name="stg_discourse__documents",
        description="Discourse documents. The text itself stays out of the batch: only its length.",
        batch_query="""
select
    document_id,
    kommunekode,
    document_type,
    published_date,
    length(document_text) as document_text_length
from staging.stg_discourse__documents
""".strip(),
        keys=("document_id",),
        derived_columns={},
        expectations=[
            *primary_key("document_id", "a discourse document"),
            *required(
                ["kommunekode", "document_type", "published_date", "document_text_length"],
                "Justification frames are reported by municipality, document type and year, "
                "and segments are cut from the text: all four are needed.",
            ),
            *in_municipalities("kommunekode", reference),
            error(
                gxe.ExpectColumnValuesToBeInSet(
                    column="document_type", value_set=list(DOCUMENT_TYPES)
                ),
                "The corpus holds policy papers, council minutes and local news items.",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="published_date",
                    min_value=_day(STUDY_PERIOD[0]),
                    max_value=_day(STUDY_PERIOD[1]),
                ),
                f"The corpus covers the project's years {STUDY_PERIOD[0].year}-"
                f"{STUDY_PERIOD[1].year}; a document outside them is from another collection "
                "or misdated.",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(column="document_text_length", min_value=100),
                "A document of under 100 characters is a title-only row or a truncated "
                "export: there is little to code in it.",
            ),
        ],
    )


def stg_discourse__segments(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_discourse__segments",
        description="Coded segments, with the length of their document's text and whether "
        "the segment's text is the document's text between the offsets.",
        batch_query="""
with

segments as (
    select * from staging.stg_discourse__segments
),

documents as (
    select
        document_id,
        min(document_text) as document_text
    from staging.stg_discourse__documents
    group by document_id
)

select
    segments.segment_id,
    segments.document_id,
    segments.start_offset,
    segments.end_offset,
    length(documents.document_text) as document_text_length,
    segments.segment_text = substring(
        documents.document_text,
        segments.start_offset + 1,
        segments.end_offset - segments.start_offset
    ) as is_text_at_offsets
from segments
left join documents
    on segments.document_id = documents.document_id
""".strip(),
        keys=("segment_id",),
        derived_columns={},
        expectations=[
            *primary_key("segment_id", "a coded text segment"),
            *required(
                ["document_id", "start_offset", "end_offset"],
                "A segment is a span of one document's text.",
            ),
            error(
                gxe.ExpectColumnValuesToNotBeNull(column="document_text_length"),
                "The segment's document is among the staged documents (and has a text).",
            ),
            error(
                gxe.ExpectColumnValuesToBeBetween(column="start_offset", min_value=0),
                "Offsets count Unicode code points from 0 at the start of the text.",
            ),
            error(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_offset",
                    column_B="start_offset",
                    ignore_row_if="either_value_is_missing",
                ),
                "A segment ends after it starts (end_offset is exclusive): an empty or "
                "reversed span holds no text to code.",
            ),
            error(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="document_text_length",
                    column_B="end_offset",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                "A segment lies inside its document's text (end_offset <= length): offsets "
                "beyond it come from another version of the document or count bytes instead "
                "of characters (æ, ø, å take two bytes).",
            ),
            error(
                gxe.ExpectColumnValuesToBeInSet(column="is_text_at_offsets", value_set=[True]),
                "The segment's text is the document's text between its offsets; otherwise the "
                "offsets point at other words than the coders coded.",
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
    select * from staging.stg_discourse__codings
),

segments as (
    select
        segment_id,
        min(document_id) as document_id
    from staging.stg_discourse__segments
    group by segment_id
),

documents as (
    select
        document_id,
        min(published_date) as published_date
    from staging.stg_discourse__documents
    group by document_id
)

select
    codings.coding_id,
    codings.segment_id,
    codings.coder_id,
    codings.justification_code,
    codings.coded_date,
    documents.published_date
from codings
left join segments
    on codings.segment_id = segments.segment_id
left join documents
    on segments.document_id = documents.document_id
""".strip(),
        keys=("coding_id",),
        derived_columns={},
        expectations=[
            *primary_key("coding_id", "one code one coder gave one segment"),
            *required(
                ["segment_id", "coder_id", "justification_code"],
                "Inter-coder reliability and the frames by municipality need the segment, "
                "the coder and the code of every coding.",
            ),
            error(
                gxe.ExpectColumnValuesToBeInSet(
                    column="justification_code", value_set=list(reference.justification_codes)
                ),
                "Codes are those of the discourse codebook (seed justification_codes); "
                "another code has no frame (efficiency, democracy, community, economy).",
            ),
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
    return SuiteDefinition(
        name="stg_cases__cases",
        description="The cooperation cases, with the number of days each was followed.",
        batch_query="""
select
    case_id,
    kommunekode,
    policy_area_code,
    start_date,
    end_date,
    end_date - start_date as followed_days
from staging.stg_cases__cases
""".strip(),
        keys=("case_id",),
        derived_columns={},
        expectations=[
            *primary_key("case_id", "a case study"),
            *required(
                ["kommunekode", "policy_area_code", "start_date", "end_date"],
                "Case timelines are reported by municipality and policy area, from the first "
                "to the last day the case was followed.",
            ),
            *in_municipalities("kommunekode", reference),
            error(
                gxe.ExpectColumnValuesToBeInSet(
                    column="policy_area_code", value_set=list(reference.policy_areas)
                ),
                "Policy areas are those of the seed policy_areas.",
            ),
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
                    column="start_date",
                    min_value=_day(STUDY_PERIOD[0]),
                    max_value=_day(STUDY_PERIOD[1]),
                ),
                f"Cases started during the project ({STUDY_PERIOD[0].year}-"
                f"{STUDY_PERIOD[1].year}).",
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
    case_id,
    actor_type,
    cvr_number
from staging.stg_cases__actors
""".strip(),
        keys=("actor_id",),
        derived_columns={
            "is_cvr_valid": "cvr_number passes the CVR modulus-11 check (null where no CVR); "
            "samspil.validate.batches.is_valid_cvr",
        },
        expectations=[
            *primary_key("actor_id", "an actor of a case"),
            *required(["case_id", "actor_type"], "Every actor belongs to a case and has a type."),
            error(
                gxe.ExpectColumnValuesToBeInSet(column="actor_type", value_set=list(ACTOR_TYPES)),
                "Actors are municipal institutions, voluntary associations or informal "
                "volunteer groups; the ties between the first two are the study's object.",
            ),
            *_cvr_checks(),
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
    select * from staging.stg_cases__episodes
),

cases as (
    select
        case_id,
        min(start_date) as case_start_date,
        max(end_date) as case_end_date
    from staging.stg_cases__cases
    group by case_id
)

select
    episodes.episode_id,
    episodes.case_id,
    episodes.episode_type,
    episodes.outcome,
    episodes.episode_date,
    cases.case_start_date,
    cases.case_end_date
from episodes
left join cases
    on episodes.case_id = cases.case_id
""".strip(),
        keys=("episode_id",),
        derived_columns={},
        expectations=[
            *primary_key("episode_id", "an episode of a case"),
            *required(
                ["case_id", "episode_type", "episode_date"],
                "The case timelines place every episode by case, type and date.",
            ),
            error(
                gxe.ExpectColumnValuesToNotBeNull(column="case_start_date"),
                "The episode's case is among the staged cases.",
            ),
            error(
                gxe.ExpectColumnValuesToBeInSet(
                    column="episode_type", value_set=list(EPISODE_TYPES)
                ),
                "Episodes are meetings, joint activities, agreements, conflicts or evaluations.",
            ),
            error(
                gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=list(EPISODE_OUTCOMES)),
                "The researchers judged outcomes positive, neutral or negative.",
            ),
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


def stg_cases__episode_participants(reference: StudyReference) -> SuiteDefinition:
    return SuiteDefinition(
        name="stg_cases__episode_participants",
        description="Who took part in each episode, with the case of the episode and of the actor.",
        batch_query="""
with

participants as (
    select * from staging.stg_cases__episode_participants
),

episodes as (
    select
        episode_id,
        min(case_id) as case_id
    from staging.stg_cases__episodes
    group by episode_id
),

actors as (
    select
        actor_id,
        min(case_id) as case_id
    from staging.stg_cases__actors
    group by actor_id
)

select
    participants.episode_participant_id,
    participants.episode_id,
    participants.actor_id,
    episodes.case_id as episode_case_id,
    actors.case_id as actor_case_id
from participants
left join episodes
    on participants.episode_id = episodes.episode_id
left join actors
    on participants.actor_id = actors.actor_id
""".strip(),
        keys=("episode_participant_id",),
        derived_columns={},
        expectations=[
            *primary_key("episode_participant_id", "one actor's part in one episode"),
            *required(["episode_id", "actor_id"], "A participation joins an episode and an actor."),
            error(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["episode_id", "actor_id"]),
                "An actor takes part in an episode once; a duplicate doubles the tie's "
                "evidence in fct_cooperation_ties.",
            ),
            *required(
                ["episode_case_id", "actor_case_id"],
                "The episode and the actor are among the staged episodes and actors.",
            ),
            error(
                gxe.ExpectColumnPairValuesToBeEqual(
                    column_A="episode_case_id",
                    column_B="actor_case_id",
                    ignore_row_if="either_value_is_missing",
                ),
                "Actors take part in episodes of their own case; an actor of another case "
                "would create a cooperation tie the study never observed.",
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
    stg_discourse__segments,
    stg_discourse__codings,
    stg_cases__cases,
    stg_cases__actors,
    stg_cases__episodes,
    stg_cases__episode_participants,
)
"""Every suite, in the order of the data flow: surveys, discourse, cases."""


def suite_definitions(project: Path) -> list[SuiteDefinition]:
    reference = read_reference(project)
    return [define(reference) for define in SUITES]
