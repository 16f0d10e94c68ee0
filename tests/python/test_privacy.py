"""No personal data in the marts: the demo plants some in free text and frames."""

from __future__ import annotations

import re

from conftest import DEMO, Build

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+45[ ]?)?\b\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}\b")
CPR = re.compile(r"\b(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}\b")


def _mart_text_values(build: Build) -> list[tuple[str, str, str]]:
    columns = build.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR'"
    )
    values = []
    for table, column in columns:
        for (value,) in build.query(f'select distinct "{column}" from marts.{table}'):
            if value is not None:
                values.append((table, column, value))
    return values


def test_no_email_phone_or_cpr_in_any_mart(demo_build: Build) -> None:
    found = [
        (table, column, value)
        for table, column, value in _mart_text_values(demo_build)
        if EMAIL.search(value)
        or CPR.search(value)
        or (PHONE.search(value) and column not in {"cvr_number", "match_methods"})
    ]
    assert found == []


def test_planted_personal_data_never_reaches_a_mart(demo_build: Build) -> None:
    import csv

    with (DEMO / "cases" / "actors.csv").open(encoding="utf-8", newline="") as handle:
        persons = {row["contact_person"] for row in csv.DictReader(handle)} - {""}
    assert persons, "the demo plants contact persons"
    text = "\n".join(value for _, _, value in _mart_text_values(demo_build))
    assert [person for person in persons if person in text] == []
