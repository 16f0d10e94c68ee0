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

from collections.abc import Callable
from pathlib import Path

from samspil.validate.case_suites import stg_cases__actors, stg_cases__cases, stg_cases__episodes
from samspil.validate.discourse_suites import stg_discourse__codings, stg_discourse__documents
from samspil.validate.expectations import SuiteDefinition
from samspil.validate.reference import StudyReference, read_reference
from samspil.validate.survey_suites import (
    stg_association_survey__answers,
    stg_association_survey__frame,
    stg_association_survey__partner_mentions,
    stg_association_survey__responses,
    stg_institution_survey__answers,
    stg_institution_survey__frame,
    stg_institution_survey__partner_mentions,
    stg_institution_survey__responses,
    survey_response_rates,
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
