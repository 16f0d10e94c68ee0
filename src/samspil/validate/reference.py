"""The reference data the suites check values against, read from the project.

The waves and their fieldwork windows come from the seed `survey_waves`, the
attitude items from the seed `survey_items`, the study municipalities and the
study period from dbt vars (dbt_project.yml).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

ATTITUDE_SCALE = "likert5"
"""The value set (seed survey_value_sets) of the attitude items."""


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
