"""Reference data the generator reads from the dbt seeds.

The survey codebook, the value sets, the policy areas, the association fields, the
justification codebook and the study's published figures live in ``seeds/`` and are
read from there: the generator never keeps its own copy of those lists. ``seeds/municipalities.csv``
is optional at scale 1 (only the five study municipalities are used) and
required above it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from samspil.paths import PROJECT_DIR

DEFAULT_SEEDS_DIR = PROJECT_DIR / "seeds"

_FILTER_PATTERN = re.compile(r"^\s*(\w+)\s*=\s*(\S+)\s*$")


@dataclass(frozen=True)
class SurveyItem:
    """One item of ``seeds/survey_items.csv``."""

    survey: str
    variable: str
    item_order: int
    construct: str
    value_set: str
    filter_variable: str
    filter_value: str


@dataclass(frozen=True)
class ValueSet:
    """The codes of one value set of ``seeds/survey_value_labels.csv``."""

    name: str
    substantive: tuple[str, ...]
    missing: dict[str, str]

    def missing_code(self, reason: str) -> str:
        """The code the survey tool exports for a missing reason, e.g. ``dont_know``."""
        return self.missing[reason]


@dataclass(frozen=True)
class JustificationCode:
    """One code of ``seeds/justification_codes.csv``."""

    code: str
    frame: str
    name_da: str


@dataclass(frozen=True)
class MunicipalityRow:
    """One row of ``seeds/municipalities.csv``."""

    kommunekode: str
    name: str
    urban_rural_class: str


@dataclass(frozen=True)
class PublishedFigure:
    """One row of ``seeds/published_figures.csv``: a figure the study published."""

    figure_id: str
    value: float
    unit: str
    wave: int


@dataclass(frozen=True)
class Reference:
    """Everything the generator takes from the seeds."""

    items: dict[str, tuple[SurveyItem, ...]]
    value_sets: dict[str, ValueSet]
    policy_areas: tuple[str, ...]
    association_fields: tuple[str, ...]
    justification_codes: tuple[JustificationCode, ...]
    municipalities: tuple[MunicipalityRow, ...] | None
    published_figures: dict[str, PublishedFigure]
    fieldwork: dict[int, tuple[dt.date, dt.date]]
    """Each survey wave of ``seeds/survey_waves.csv``, in order, with its fieldwork's first
    and last day: the generator draws every wave of the seed."""

    @property
    def waves(self) -> tuple[int, ...]:
        """The survey waves, earliest first."""
        return tuple(self.fieldwork)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parse_filter(condition: str, path: Path) -> tuple[str, str]:
    if not condition.strip():
        return "", ""
    match = _FILTER_PATTERN.match(condition)
    if match is None:
        raise ValueError(f"{path}: cannot read filter_condition {condition!r} (want 'var = value')")
    return match.group(1), match.group(2)


def _numeric_key(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**9, code)


def load_reference(seeds_dir: Path) -> Reference:
    """Read the seeds the generator needs from ``seeds_dir``."""
    items_path = seeds_dir / "survey_items.csv"
    by_survey: dict[str, list[SurveyItem]] = {}
    for row in _read(items_path):
        filter_variable, filter_value = _parse_filter(row["filter_condition"], items_path)
        item = SurveyItem(
            survey=row["survey"],
            variable=row["variable"],
            item_order=int(row["item_order"]),
            construct=row["construct"],
            value_set=row["value_set"],
            filter_variable=filter_variable,
            filter_value=filter_value,
        )
        by_survey.setdefault(item.survey, []).append(item)
    items = {
        survey: tuple(sorted(rows, key=lambda item: item.item_order))
        for survey, rows in sorted(by_survey.items())
    }

    codes: dict[str, list[tuple[str, str]]] = {}
    for row in _read(seeds_dir / "survey_value_labels.csv"):
        codes.setdefault(row["value_set"], []).append((row["code"], row["missing_reason"]))
    value_sets = {}
    for name, rows in sorted(codes.items()):
        ordered = sorted(rows, key=lambda pair: _numeric_key(pair[0]))
        value_sets[name] = ValueSet(
            name=name,
            substantive=tuple(code for code, reason in ordered if not reason),
            missing={reason: code for code, reason in ordered if reason},
        )

    policy_areas = tuple(row["policy_area_code"] for row in _read(seeds_dir / "policy_areas.csv"))
    fields = tuple(
        row["association_field_code"] for row in _read(seeds_dir / "association_fields.csv")
    )
    justification = tuple(
        JustificationCode(
            code=row["justification_code"], frame=row["frame_code"], name_da=row["code_name_da"]
        )
        for row in _read(seeds_dir / "justification_codes.csv")
    )

    municipalities_path = seeds_dir / "municipalities.csv"
    municipalities = None
    if municipalities_path.exists():
        municipalities = tuple(
            sorted(
                (
                    MunicipalityRow(
                        kommunekode=row["kommunekode"].zfill(4),
                        name=row["municipality_name"],
                        urban_rural_class=row.get("urban_rural_class", "") or "",
                    )
                    for row in _read(municipalities_path)
                ),
                key=lambda row: row.kommunekode,
            )
        )
    published_figures = {
        row["figure_id"]: PublishedFigure(
            figure_id=row["figure_id"],
            value=float(row["value"]),
            unit=row["unit"],
            wave=int(row["wave"]),
        )
        for row in _read(seeds_dir / "published_figures.csv")
    }
    fieldwork = {
        int(row["wave"]): (
            dt.date.fromisoformat(row["fieldwork_start_date"]),
            dt.date.fromisoformat(row["fieldwork_end_date"]),
        )
        for row in sorted(_read(seeds_dir / "survey_waves.csv"), key=lambda row: int(row["wave"]))
    }
    if len(fieldwork) < 2:
        raise ValueError(f"{seeds_dir / 'survey_waves.csv'}: the generator needs two waves or more")
    return Reference(
        items=items,
        value_sets=value_sets,
        policy_areas=policy_areas,
        association_fields=fields,
        justification_codes=justification,
        municipalities=municipalities,
        published_figures=published_figures,
        fieldwork=fieldwork,
    )
