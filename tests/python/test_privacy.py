"""No personal data past staging: the demo plants some in free text and frames."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from conftest import Build

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"\+45 ?\d|\b\d{2} \d{2} \d{2} \d{2}\b|\b\d{4} \d{4}\b")
CPR = re.compile(r"\b(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}\b")

# The documents' own text is public policy text, kept in staging to check the
# coded segments against it; it never reaches a mart.
PUBLIC_TEXT = {("stg_discourse__documents", "text"), ("stg_discourse__segments", "segment_text")}


def _text_values(build: Build, schemas: tuple[str, ...]) -> list[tuple[str, str, str]]:
    columns = build.query_build(
        "select table_name, column_name from duckdb_columns() "
        f"where schema_name in {schemas} and data_type = 'VARCHAR'"
    )
    values = []
    for table, column in columns:
        if (table, column) in PUBLIC_TEXT:
            continue
        schema = build.query_build(
            "select schema_name from duckdb_columns() where table_name = ? limit 1", table
        )[0][0]
        for (value,) in build.query_build(f'select distinct "{column}" from {schema}.{table}'):
            if value is not None:
                values.append((table, column, value))
    return values


def _planted(demo_as_csv: Path, column: str, *files: str) -> set[str]:
    """Values of `column` in the demo's raw files (read from its CSV rendition)."""
    found: set[str] = set()
    for file in files:
        with (demo_as_csv / file).open(encoding="utf-8", newline="") as handle:
            found |= {row[column] for row in csv.DictReader(handle)} - {""}
    return found


def test_the_demo_plants_personal_data(demo_as_csv: Path) -> None:
    comments = _planted(demo_as_csv, "comment", "institution_survey/responses.csv")
    assert any(EMAIL.search(text) for text in comments)
    assert any(PHONE.search(text) for text in comments)
    partners = _planted(demo_as_csv, "partner_1", "association_survey/responses.csv")
    assert any(EMAIL.search(text) or PHONE.search(text) for text in partners)


def test_no_email_phone_or_cpr_past_staging(demo_build: Build) -> None:
    found = [
        (table, column, value)
        for table, column, value in _text_values(demo_build, ("staging", "intermediate", "marts"))
        if EMAIL.search(value) or CPR.search(value) or PHONE.search(value)
    ]
    assert found == []


def test_contact_persons_never_reach_staging(demo_build: Build, demo_as_csv: Path) -> None:
    persons = _planted(demo_as_csv, "contact_person", "cases/actors.csv")
    assert persons
    text = "\n".join(
        value for _, _, value in _text_values(demo_build, ("staging", "intermediate", "marts"))
    )
    assert [person for person in persons if person in text] == []


def test_published_file_has_no_personal_data(demo_build: Build) -> None:
    columns = demo_build.query(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where data_type = 'VARCHAR'"
    )
    for schema, table, column in columns:
        for (value,) in demo_build.query(f'select distinct "{column}" from {schema}.{table}'):
            if value is not None:
                assert not (EMAIL.search(value) or CPR.search(value)), (table, column)
