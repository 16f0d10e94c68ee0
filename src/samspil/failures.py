"""What a failed dbt data test found, in the data's own words.

dbt says that a test failed and how many rows it returned, not which rows. A build's error
adds the first rows each failed test returns, read again from the DuckDB working file:
the reconciliation of raw rows with staged and rejected ones
(tests/assert_every_raw_row_is_staged_or_rejected.sql) returns each raw table that does
not add up with its file and counts; a relationships test the values with no parent.
The rows are those the test selects: ids, codes and counts, no personal data (staging
drops it).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SHOWN_ROWS = 5
"""Rows shown per failed test."""

LONGEST_VALUE = 80


def _shown(value: object) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


def failing_rows(warehouse: Path, compiled_sql: str | None) -> list[str]:
    """The first rows the failed test's query (`compiled_sql`, as dbt ran it) returns from
    `warehouse`, one line each (`column=value, …`), and how many more there are.

    Nothing where the query is missing or cannot run (dbt's own message says why)."""
    if not compiled_sql:
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            query = compiled_sql.strip().rstrip(";")
            cursor = connection.execute(
                f"select *, count(*) over () from (\n{query}\n) limit {SHOWN_ROWS}"
            )
            names = [column[0] for column in cursor.description][:-1]
            rows = cursor.fetchall()
    except duckdb.Error:
        return []
    lines = [
        ", ".join(f"{name}={_shown(value)}" for name, value in zip(names, row[:-1], strict=True))
        for row in rows
    ]
    if rows and rows[0][-1] > len(rows):
        lines.append(f"… and {rows[0][-1] - len(rows)} more")
    return lines
