"""The PostgreSQL target: where the database is, and how raw tables and marts get there.

The connection comes from libpq's own environment variables, the ones psql reads
and profiles.yml's `postgres` output reads too, with the same defaults:
PGHOST (localhost), PGPORT (5432), PGUSER (required), PGPASSWORD (empty),
PGDATABASE (samspil).

On this target the working area and the published marts live in one database:
dbt builds the marts and the release tier into the schemas `marts_build` and
`release_build` (macro generate_schema_name), and `publish` swaps them in as
`marts` and `release` in one transaction, then lets the analyst role read both
and the reader role read `release` only. PostgreSQL's DDL is transactional, so
a reader sees either the old tables or the new ones, never a mix.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

DEFAULTS = {"PGHOST": "localhost", "PGPORT": "5432", "PGPASSWORD": "", "PGDATABASE": "samspil"}

MARTS = "marts"
"""The schema users query."""

MARTS_BUILD = "marts_build"
"""The schema dbt builds the marts into on PostgreSQL; published by renaming it to `marts`."""

MARTS_PREVIOUS = "marts_previous"
"""The last published marts while a publish swaps them out (dropped in the same transaction)."""

RELEASE = "release"
"""The schema of the release tier: disclosure-checked aggregates only."""

RELEASE_BUILD = "release_build"
"""The schema dbt builds the release tier into on PostgreSQL; published as `release`."""

RELEASE_PREVIOUS = "release_previous"
"""The last published release tier while a publish swaps it out."""

ANALYST_ROLE_VARIABLE = "SAMSPIL_PG_ANALYST_ROLE"
DEFAULT_ANALYST_ROLE = "samspil_analyst"
READER_ROLE_VARIABLE = "SAMSPIL_PG_READER_ROLE"
DEFAULT_READER_ROLE = "samspil_reader"


class PostgresSettingsError(Exception):
    """The PostgreSQL target is not configured: the message says which variable to set."""


@dataclass(frozen=True)
class PostgresWarehouse:
    """A PostgreSQL database as the warehouse: raw, staging, … and the published marts."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    analyst_role: str = DEFAULT_ANALYST_ROLE
    """Reads the restricted tier (marts) and the release tier."""
    reader_role: str = DEFAULT_READER_ROLE
    """Reads the release tier and nothing else."""

    @classmethod
    def from_environment(cls) -> PostgresWarehouse:
        settings = {name: os.environ.get(name, default) for name, default in DEFAULTS.items()}
        user = os.environ.get("PGUSER")
        if not user:
            raise PostgresSettingsError(
                "PGUSER is not set: the postgres target reads its connection from PGHOST, "
                "PGPORT, PGUSER, PGPASSWORD and PGDATABASE (see README)."
            )
        try:
            port = int(settings["PGPORT"])
        except ValueError:
            raise PostgresSettingsError(
                f"PGPORT must be a port number, not {settings['PGPORT']!r}."
            ) from None
        return cls(
            host=settings["PGHOST"],
            port=port,
            user=user,
            password=settings["PGPASSWORD"],
            dbname=settings["PGDATABASE"],
            analyst_role=os.environ.get(ANALYST_ROLE_VARIABLE, DEFAULT_ANALYST_ROLE),
            reader_role=os.environ.get(READER_ROLE_VARIABLE, DEFAULT_READER_ROLE),
        )

    def __str__(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect(self) -> Any:
        """A psycopg2 connection (psycopg2 comes with dbt-postgres); imported only when used."""
        import psycopg2

        try:
            return psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password,
                dbname=self.dbname,
                application_name="samspil",
            )
        except psycopg2.OperationalError as error:
            first = str(error).strip().splitlines()[0]
            raise PostgresSettingsError(f"cannot connect to {self}: {first}") from None


@contextmanager
def transaction(warehouse: PostgresWarehouse) -> Iterator[Any]:
    """A cursor in one transaction: committed at the end, rolled back on any error."""
    connection = warehouse.connect()
    try:
        with connection, connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _csv_field(value: object) -> str:
    return "" if value is None else '"' + str(value).replace('"', '""') + '"'


def _csv_rows(rows: Iterable[Sequence[object]]) -> io.StringIO:
    """Rows as COPY's CSV: every value quoted (an empty string stays one), None bare (null)."""
    return io.StringIO("".join(",".join(map(_csv_field, row)) + "\n" for row in rows))


def copy_frame(cursor: Any, table: str, frame: pd.DataFrame) -> None:
    """Append `frame` to `table` (its columns in the frame's order) with COPY FROM STDIN."""
    columns = ", ".join(quote_identifier(name) for name in frame.columns)
    rows = (
        tuple(None if pd.isna(value) else value for value in row)
        for row in frame.itertuples(index=False, name=None)
    )
    cursor.copy_expert(
        f"copy {table} ({columns}) from stdin with (format csv, null '')", _csv_rows(rows)
    )


def fetch_table(cursor: Any, query: str) -> pa.Table:
    """The result of `query` as an Arrow table typed as DuckDB would type it.

    psycopg2 returns dates, decimals and nullable integers as Python objects; the
    validation suites were written against DuckDB's batches, so the rows go through an
    in-memory DuckDB once, which types every column from its values the same way.
    """
    import duckdb

    cursor.execute(query)
    names = [column.name for column in cursor.description]
    frame = pd.DataFrame(cursor.fetchall(), columns=names, dtype=object)
    with duckdb.connect() as connection:
        connection.register("batch", frame)
        return connection.execute("select * from batch").to_arrow_table()
