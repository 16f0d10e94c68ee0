"""The batches: each suite's query, run on a read-only connection, as a DataFrame.

Batches are read from the DuckDB working file or from PostgreSQL (`open_batches`).
Great Expectations validates these DataFrames with its pandas datasource (its
SQL datasource on DuckDB is broken, see TOOLCHAIN.md). A few checks are easier
to state in Python than in SQL; they become derived columns here, named in the
suite's `meta.derived_columns`. No suite's query selects free text, and GX keeps
no failing value (`samspil.validate.run.RESULT_FORMAT`).
Each batch is indexed by its keys (`index_by_keys`): GX reports failing rows by
their index, so what it reports of a row is its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from samspil.postgres import PostgresWarehouse, fetch_table

if TYPE_CHECKING:
    from samspil.validate.suites import SuiteDefinition

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


DERIVE: dict[str, list[Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "stg_association_survey__frame": [_with_cvr_check],
    "stg_cases__actors": [_with_cvr_check],
}
"""Derived columns per suite, in order; see each suite's meta.derived_columns."""


class BatchError(Exception):
    """A batch query failed on the warehouse; the message is the database's first line."""


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
    run_query: Callable[[str], pa.Table], suite_name: str, query: str, keys: tuple[str, ...]
) -> pd.DataFrame:
    """The batch of a suite in the order of its keys, its derived columns added, indexed
    by its key columns. (Ordered, so that the first failing rows a finding names are the
    same in every run: a join's rows come in any order.)"""
    ordered = f"select * from ({query}) as batch order by {', '.join(keys)}"
    frame = as_frame(run_query(ordered))
    for derive in DERIVE.get(suite_name, []):
        frame = derive(frame)
    return index_by_keys(frame, keys)


def as_frame(table: pa.Table) -> pd.DataFrame:
    """`table` as a DataFrame with the dtypes GX's pandas engine checks fast; the values
    are those DuckDB's own `.df()` gives.

    - Integers become int64, or float64 where a column has nulls, and dates and
      timestamps datetime64[ns]: GX compares a column with bounds in one vectorised
      step only for those dtypes, and calls a Python function per value for any
      other (the nullable Int32 and datetime64[us] of `.df()`). Decimals become
      float64, booleans with nulls pandas' nullable boolean, as in `.df()`.
    - Text becomes categories: every expectation with a row condition filters a
      copy of the whole batch, and a category copies as small integers; a key's
      uniqueness is checked on them too. Columns with few distinct values (at most
      one per 20 rows) share one set of categories, so that two of them compare as
      their texts do; any other (keys, free text) has its own, and no suite
      compares it with another column.

    The conversion is Arrow's, column by column, without a Python object per cell.
    At scale 50, `validate()` took 22.0 s with `.df()` and a conversion in pandas,
    20.3 s through Arrow with only the few-valued text as categories, and 16.3 s
    with every text column a category.
    """
    columns: dict[str, pd.Series | pd.Categorical] = {}
    few_valued: dict[str, pa.ChunkedArray] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_integer(kind):
            column = column.cast(pa.int64())
        elif pa.types.is_date(kind) or (pa.types.is_timestamp(kind) and kind.tz is None):
            column = column.cast(pa.timestamp("ns"))
        elif pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
        elif pa.types.is_boolean(kind) and column.null_count:
            columns[name] = column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
            continue
        elif is_text(kind):
            if pc.count_distinct(column).as_py() <= table.num_rows // 20:
                few_valued[name] = column.cast(pa.string())
            else:
                columns[name] = pd.Categorical(column.to_pandas())
            continue
        columns[name] = column.to_pandas()
    if few_valued:
        chunks = [chunk for column in few_valued.values() for chunk in column.chunks]
        values = pc.unique(pa.chunked_array(chunks, type=pa.string())).drop_null()
        values = values.take(pc.array_sort_indices(values))
        categories = pd.CategoricalDtype(pd.Index(values.to_pandas()))
        for name, column in few_valued.items():
            codes = pc.fill_null(pc.index_in(column, value_set=values), -1)
            columns[name] = pd.Categorical.from_codes(codes.to_numpy(), dtype=categories)
    return pd.DataFrame({name: columns[name] for name in table.column_names})


def is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


READ_AHEAD = 2
"""Batches read ahead of the one GX validates. At scale 50, `validate()` took 9.1-9.5 s
two ahead and 9.9-10.9 s one ahead, with the same peak memory (1.77-1.87 GB)."""


def read_ahead(
    run_query: Callable[[str], pa.Table], definitions: Sequence[SuiteDefinition]
) -> Iterator[tuple[SuiteDefinition, Future[pd.DataFrame]]]:
    """Each definition with its batch being read (`read_batch`), the next ones read meanwhile.

    One thread reads the batches in turn, READ_AHEAD ahead of the caller: the database
    runs the next batch queries (the staged views' work, outside Python's lock) while
    GX validates this batch. Two ahead, the 1.8 M association answers at scale 50 are
    read while GX validates the frame and the responses before them, not the responses
    alone. At most READ_AHEAD + 1 batches are held at a time. The connection is used
    by that thread alone.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="samspil-batches") as reader:

        def read(definition: SuiteDefinition) -> Future[pd.DataFrame]:
            return reader.submit(
                read_batch, run_query, definition.name, definition.batch_query, definition.keys
            )

        reading = [read(definition) for definition in definitions[:READ_AHEAD]]
        for position, definition in enumerate(definitions):
            if position + READ_AHEAD < len(definitions):
                reading.append(read(definitions[position + READ_AHEAD]))
            yield definition, reading.pop(0)


def index_by_keys(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with its row index replaced by its keys (the key columns stay), as
    categories; keys of several columns are joined by `/`.

    GX's pandas engine reports failing rows by their index values when no
    `unexpected_index_column_names` are given: with the keys as the index, those
    are the example keys. Naming the key columns instead makes GX look up every
    failing row's key and value one cell at a time, all of them, before it keeps
    the first few: seconds for a warning that fails on most rows of a big table.
    The index stays unnamed, as a named one sends GX down that same path. It is
    categorical because numpy and GX probe many Series attributes, and pandas
    answers each probe by looking the name up in a text index: built once for
    all the filtered copies of a categorical one, once per copy of a plain one.
    A key column that is already categorical (`as_frame`) lends it its categories.
    """
    if len(keys) == 1:
        key = frame[keys[0]].array
    else:
        rows = frame[list(keys)].itertuples(index=False, name=None)
        key = ["/".join(str(value) for value in row) for row in rows]
    frame.index = pd.CategoricalIndex(key)
    return frame
