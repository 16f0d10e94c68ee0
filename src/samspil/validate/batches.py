"""The batches: each suite's query, run on a read-only connection, as a DataFrame.

Batches are read from the DuckDB working file or from PostgreSQL (`open_batches`).
Great Expectations validates these DataFrames with its pandas datasource (its
SQL datasource on DuckDB fails every expectation unless GX's private internals
are patched). A suite's query names dbt's relations as dbt does,
`{{ ref('stg_...') }}`; `resolve` puts in the relations dbt's manifest gives.
The CVR check digit is easier to state in Python than in SQL: it becomes a
derived column here, named in the suite's `meta.derived_columns`. No suite's
query selects free text, and GX keeps no failing value
(`samspil.validate.run.RESULT_FORMAT`).
Each batch is indexed by its key: GX reports failing rows by their index, so
what it reports of a row is its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from samspil.manifest import ref
from samspil.postgres import PostgresWarehouse, fetch_table
from samspil.validate.expectations import REF

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def is_valid_cvr(number: object) -> bool | None:
    """The CVR modulus-11 check: weights 2,7,6,5,4,3,2,1, sum divisible by 11.

    None where there is no number (nothing to judge); False for anything that is
    not eight digits.
    """
    if number is None or (isinstance(number, float) and pd.isna(number)) or number is pd.NA:
        return None
    text = str(number)
    if not re.fullmatch(r"[0-9]{8}", text):
        return False
    return (
        sum(int(digit) * weight for digit, weight in zip(text, CVR_WEIGHTS, strict=True)) % 11 == 0
    )


def _with_cvr_check(frame: pd.DataFrame) -> pd.DataFrame:
    frame["is_cvr_valid"] = pd.Series(
        [is_valid_cvr(value) for value in frame["cvr_number"]], index=frame.index, dtype="object"
    )
    return frame


DERIVE: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "is_cvr_valid": _with_cvr_check,
}
"""How each derived column (a suite's meta.derived_columns) is added to the batch."""


class BatchError(Exception):
    """A batch query failed on the warehouse; the message is the database's first line."""


def resolve(query: str, manifest: dict) -> str:
    """`query` with each `{{ ref('name') }}` replaced by the relation dbt built for it."""
    return REF.sub(lambda match: ref(manifest, match.group(1)), query)


@contextmanager
def open_batches(warehouse: Path | PostgresWarehouse) -> Iterator[Callable[[str], pa.Table]]:
    """A function running batch queries on a read-only connection to `warehouse`, each
    result an Arrow table.

    The DuckDB working file, or a PostgreSQL database (its rows typed as DuckDB
    types them, `samspil.postgres.fetch_table`, so every suite sees the same batch).
    """
    if isinstance(warehouse, PostgresWarehouse):
        import psycopg2

        connection = warehouse.connect()
        connection.set_session(readonly=True, autocommit=True)

        def run_postgres(query: str) -> pa.Table:
            try:
                with connection.cursor() as cursor:
                    return fetch_table(cursor, query)
            except psycopg2.Error as error:
                raise BatchError(str(error).strip().splitlines()[0]) from None

        try:
            yield run_postgres
        finally:
            connection.close()
        return
    with connect_read_only(warehouse) as duckdb_connection:

        def run_duckdb(query: str) -> pa.Table:
            try:
                return duckdb_connection.execute(query).to_arrow_table()
            except duckdb.Error as error:
                raise BatchError(str(error).splitlines()[0]) from None

        yield run_duckdb


def connect_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file.

    dbt's staged views name their catalog after the file they were built in, so
    the file is opened under its own name (a copy must keep the name).
    """
    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: no warehouse file; run `samspil build` first")
    return duckdb.connect(str(warehouse), read_only=True)


def read_batch(
    run_query: Callable[[str], pa.Table], query: str, key: str, derived: list[str]
) -> pd.DataFrame:
    """The batch of `query` (its relations resolved) in the order of its `key`, with the
    `derived` columns added, indexed by its key. (Ordered, so that the first failing rows a
    finding names are the same in every run: a join's rows come in any order.)

    Dates become pandas timestamps at midnight (the suites' bounds are datetimes).
    """
    table = run_query(f"select * from ({query}) as batch order by {key}")
    frame = table.to_pandas(date_as_object=False)
    for column in derived:
        frame = DERIVE[column](frame)
    # GX reports failing rows by their index values when no `unexpected_index_column_names`
    # are given: with the keys as the (unnamed) index, those are the example keys.
    frame.index = pd.Index(frame[key].astype(str))
    frame.index.name = None
    return frame
