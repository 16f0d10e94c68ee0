"""Exports for researchers' own tools: a published tier as files.

By default the release tier: every table of the published release file's schema
`release` (disclosure-checked aggregates only, what may leave the project). Asked for
the restricted tier (`restricted=True`), every mart of the restricted file's schema
`marts`: the pseudonymised unit-level data, for the project's researchers only, with the
survey answers also written the way SPSS and Stata users analyse them: one wide file per
survey, a row per returned questionnaire and a column per item, labelled from the
codebook (question text as the variable label, the codes' labels as value labels, the
missing codes declared missing).

Every table (discovered in the file, not listed here) is written as Parquet and CSV by
DuckDB itself, and as SPSS `.sav` and Stata `.dta` by pyreadstat with each column's
description as its variable label. Rows are in primary-key order (every table's first
column is its key), so the same warehouse gives the same Parquet and CSV files.

The export reads the published file read-only, writes into a temporary folder
beside the target and swaps it in, and closes with `manifest.json`: every
file with its source, rows, size and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyreadstat

from samspil.paths import replaceable, replacing, unwritable

# The folders of the export, one per format.
FORMATS = ("parquet", "csv", "sav", "dta")

# Languages of the codebook's labels (the seeds have label_da/label_en, question_da/_en).
LANGUAGES = ("en", "da")

# Stata: variable names of at most 32 characters, but a labelled variable's name is also
# its value label set's, which ReadStat refuses beyond 31; variable labels of at most 80,
# value labels only on numeric columns. SPSS: labels of at most 256 bytes (longer ones
# are cut silently by the format), names of at most 64 bytes.
STATA_NAME_LENGTH = 31
STATA_LABEL_LENGTH = 80
SPSS_NAME_LENGTH = 64
SPSS_LABEL_BYTES = 256

# Stata keeps missing codes as extended missing values: why an answer is missing.
STATA_MISSING = {"not_applicable": "a", "dont_know": "b", "not_answered": "c"}
# An empty cell of the survey tool's export (not reached or skipped).
STATA_BLANK = "d"
BLANK_LABELS = {"en": "Blank: not reached or skipped", "da": "Tom: ikke nået eller sprunget over"}

# True and false become 1 and 0 in SPSS and Stata, labelled.
BOOLEAN_LABELS = {"en": {0: "false", 1: "true"}, "da": {0: "falsk", 1: "sand"}}

# DuckDB types pyreadstat writes as they are; others are cast (booleans, decimals, text).
KEPT_TYPES = (
    "DATE",
    "TIMESTAMP",
    "VARCHAR",
    "DOUBLE",
    "FLOAT",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
)

# How SPSS should treat an item of each kind of scale.
SPSS_MEASURE = {"categorical": "nominal", "ordinal": "ordinal", "count": "scale"}

# The wide survey files are named after the survey.
WIDE_SUFFIX = "_survey_responses"

# The schema each tier's file exports.
RELEASE_SCHEMA = "release"
RESTRICTED_SCHEMA = "marts"


class ExportError(Exception):
    """The export cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class ExportedFile:
    file: str
    """Path inside the export folder, e.g. `sav/fct_survey_answers.sav`."""
    source: str
    """The mart it holds (for the wide survey files: the mart they are pivoted from)."""
    format: str
    rows: int
    bytes: int
    sha256: str
    renamed_columns: dict[str, str] = field(default_factory=dict)
    """Columns whose names the format does not allow, original name → name in the file."""


@dataclass
class Table:
    """A frame to write to SPSS and Stata, with its labels."""

    name: str
    source: str
    frame: pd.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)
    spss_missing: dict[str, list] = field(default_factory=dict)
    spss_measure: dict[str, str] = field(default_factory=dict)
    stata_missing: dict[str, list[str]] = field(default_factory=dict)
    stata_frame: pd.DataFrame | None = None
    """A different frame for Stata (missing codes as extended missing values)."""
    stata_value_labels: dict[str, dict[object, str]] | None = None
    schema: str = RESTRICTED_SCHEMA


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tables(connection: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Every table of the published file's `schema`."""
    return [
        name
        for (name,) in connection.execute(
            "select table_name from duckdb_tables() "
            "where schema_name = ? and database_name = current_database() order by 1",
            [schema],
        ).fetchall()
    ]


def columns(
    connection: duckdb.DuckDBPyConnection, mart: str, schema: str = RESTRICTED_SCHEMA
) -> list[tuple[str, str, str]]:
    """Name, DuckDB type and description (persisted by dbt) of each column, in order."""
    return [
        (name, data_type, comment or "")
        for name, data_type, comment in connection.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? and table_name = ? "
            "and database_name = current_database() order by column_index",
            [schema, mart],
        ).fetchall()
    ]


def short_names(names: list[str], limit: int) -> dict[str, str]:
    """Names the format allows: cut to `limit`, numbered where two cuts collide."""
    result: dict[str, str] = {}
    taken = {name for name in names if len(name) <= limit}
    for name in names:
        if len(name) <= limit:
            result[name] = name
            continue
        candidate, number = name[:limit], 1
        while candidate in taken:
            number += 1
            suffix = f"_{number}"
            candidate = name[: limit - len(suffix)] + suffix
        taken.add(candidate)
        result[name] = candidate
    return result


def stata_label(text: str) -> str:
    """A description cut to Stata's 80 characters, marked with … where cut."""
    text = " ".join(text.split())
    return text if len(text) <= STATA_LABEL_LENGTH else text[: STATA_LABEL_LENGTH - 1] + "…"


def spss_label(text: str) -> str:
    """A description cut to SPSS's 256 bytes (UTF-8), marked with … where cut."""
    text = " ".join(text.split())
    if len(text.encode("utf-8")) <= SPSS_LABEL_BYTES:
        return text
    while len((text + "…").encode("utf-8")) > SPSS_LABEL_BYTES:
        text = text[:-1]
    return text + "…"


def _select_for_statistics(schema: str, mart: str, mart_columns: list[tuple[str, str, str]]) -> str:
    """The mart with types SPSS and Stata hold: booleans as 0/1, odd types as text."""
    expressions = []
    for name, data_type, _ in mart_columns:
        column = _identifier(name)
        if data_type == "BOOLEAN":
            expressions.append(f"cast({column} as tinyint) as {column}")
        elif data_type in KEPT_TYPES:
            expressions.append(column)
        elif data_type.startswith("DECIMAL") or data_type == "HUGEINT":
            expressions.append(f"cast({column} as double) as {column}")
        else:
            expressions.append(f"cast({column} as varchar) as {column}")
    return f"select {', '.join(expressions)} from {schema}.{mart} order by all"


def _mart_table(
    connection: duckdb.DuckDBPyConnection, schema: str, mart: str, language: str
) -> Table:
    mart_columns = columns(connection, mart, schema)
    frame = connection.execute(_select_for_statistics(schema, mart, mart_columns)).df()
    for name, data_type, _ in mart_columns:
        if data_type == "BOOLEAN":
            frame[name] = frame[name].astype("Int8")
        elif data_type == "DATE":
            # Python dates: pyreadstat writes them as dates, not date-times.
            frame[name] = pd.Series(
                [None if pd.isna(value) else value.date() for value in frame[name]],
                dtype=object,
            )
    return Table(
        name=mart,
        source=mart,
        schema=schema,
        frame=frame,
        column_labels={name: comment for name, _, comment in mart_columns},
        value_labels={
            name: BOOLEAN_LABELS[language]
            for name, data_type, _ in mart_columns
            if data_type == "BOOLEAN"
        },
    )


def _wide_survey_tables(connection: duckdb.DuckDBPyConnection, language: str) -> list[Table]:
    """fct_survey_answers pivoted: a row per questionnaire, a column per item."""
    items = connection.execute(
        f"""
        select survey, survey_item_id, variable, question_{language}, value_set, value_type
        from marts.dim_survey_items
        order by survey, item_order
        """
    ).fetchall()
    labels: dict[str, list[tuple[int, str, str | None]]] = {}
    for value_set, code, label, missing_reason in connection.execute(
        f"""
        select value_set, cast(code as integer), label_{language}, missing_reason
        from reference.survey_value_labels
        order by 1, 2
        """
    ).fetchall():
        labels.setdefault(value_set, []).append((code, label, missing_reason))
    answer_labels = columns(connection, "fct_survey_answers")
    descriptions = {name: comment for name, _, comment in answer_labels}
    tables = []
    for survey in sorted({item[0] for item in items}):
        survey_items = [item for item in items if item[0] == survey]
        id_column = f"{survey}_id"
        respondent_columns = [
            "response_id",
            id_column,
            "respondent_key",
            "kommunekode",
            "wave",
            "is_complete_response",
        ]
        responses = connection.execute(
            f"""
            select distinct
                response_id, {id_column}, respondent_key, kommunekode, wave,
                cast(is_complete_response as tinyint) as is_complete_response
            from marts.fct_survey_answers
            where survey = ?
            order by response_id
            """,
            [survey],
        ).df()
        answers = connection.execute(
            """
            select response_id, survey_item_id, cast(answer_code as integer) as code
            from marts.fct_survey_answers
            where survey = ? and answer_code is not null
            """,
            [survey],
        ).df()
        codes = answers.pivot(index="response_id", columns="survey_item_id", values="code")
        spss = responses.copy()
        stata = responses.copy()
        column_labels = {name: descriptions.get(name, "") for name in respondent_columns}
        value_labels: dict[str, dict[object, str]] = {
            "is_complete_response": BOOLEAN_LABELS[language]
        }
        stata_value_labels = dict(value_labels)
        spss_missing: dict[str, list] = {}
        spss_measure: dict[str, str] = {}
        stata_missing: dict[str, list[str]] = {}
        for _, survey_item_id, variable, question, value_set, value_type in survey_items:
            item_codes = (
                codes[survey_item_id].reindex(responses["response_id"]).to_numpy()
                if survey_item_id in codes
                else [float("nan")] * len(responses)
            )
            set_labels = labels.get(value_set, [])
            missing = {code: reason for code, _, reason in set_labels if reason}
            spss[variable] = pd.array(item_codes, dtype="float64")
            stata[variable] = pd.Series(
                [
                    STATA_BLANK
                    if pd.isna(code)
                    else STATA_MISSING[missing[int(code)]]
                    if int(code) in missing
                    else int(code)
                    for code in item_codes
                ],
                dtype=object,
            )
            column_labels[variable] = question
            value_labels[variable] = {code: label for code, label, _ in set_labels}
            stata_value_labels[variable] = {
                **{code: label for code, label, reason in set_labels if not reason},
                **{STATA_MISSING[reason]: label for _, label, reason in set_labels if reason},
                STATA_BLANK: BLANK_LABELS[language],
            }
            stata_missing[variable] = sorted(
                {STATA_MISSING[reason] for reason in missing.values()} | {STATA_BLANK}
            )
            if missing:
                spss_missing[variable] = (
                    sorted(missing)
                    if len(missing) <= 3
                    else [{"lo": min(missing), "hi": max(missing)}]
                )
            ordinal = value_set.startswith("likert")
            spss_measure[variable] = "ordinal" if ordinal else SPSS_MEASURE[value_type]
        tables.append(
            Table(
                name=f"{survey}{WIDE_SUFFIX}",
                source="fct_survey_answers",
                frame=spss,
                column_labels=column_labels,
                value_labels=value_labels,
                spss_missing=spss_missing,
                spss_measure=spss_measure,
                stata_missing=stata_missing,
                stata_frame=stata,
                stata_value_labels=stata_value_labels,
            )
        )
    return tables


def _write_sav(table: Table, path: Path) -> dict[str, str]:
    names = short_names(list(table.frame.columns), SPSS_NAME_LENGTH)
    frame = table.frame.rename(columns=names)
    pyreadstat.write_sav(
        frame,
        path,
        file_label=f"samspil: {table.name}"[:64],
        column_labels={names[name]: spss_label(text) for name, text in table.column_labels.items()},
        variable_value_labels={names[name]: labels for name, labels in table.value_labels.items()},
        missing_ranges={names[name]: values for name, values in table.spss_missing.items()},
        variable_measure={names[name]: kind for name, kind in table.spss_measure.items()},
        note=f"samspil warehouse, exported from {table.schema}.{table.source}",
    )
    return {name: short for name, short in names.items() if name != short}


def _write_dta(table: Table, path: Path) -> dict[str, str]:
    source = table.stata_frame if table.stata_frame is not None else table.frame
    value_labels = (
        table.stata_value_labels if table.stata_value_labels is not None else table.value_labels
    )
    names = short_names(list(source.columns), STATA_NAME_LENGTH)
    frame = source.rename(columns=names)
    pyreadstat.write_dta(
        frame,
        path,
        file_label=stata_label(f"samspil: {table.name}"),
        column_labels={
            names[name]: stata_label(text) for name, text in table.column_labels.items()
        },
        variable_value_labels={names[name]: labels for name, labels in value_labels.items()},
        missing_user_values={names[name]: values for name, values in table.stata_missing.items()},
    )
    return {name: short for name, short in names.items() if name != short}


def _record(folder: Path, path: Path, source: str, rows: int, renamed: dict) -> ExportedFile:
    return ExportedFile(
        file=path.relative_to(folder).as_posix(),
        source=source,
        format=path.suffix.lstrip("."),
        rows=rows,
        bytes=path.stat().st_size,
        sha256=_sha256(path),
        renamed_columns=renamed,
    )


def _write_all(
    connection: duckdb.DuckDBPyConnection, folder: Path, language: str, schema: str
) -> list[ExportedFile]:
    for export_format in FORMATS:
        (folder / export_format).mkdir()
    written: list[ExportedFile] = []
    names = tables(connection, schema)
    if schema == RESTRICTED_SCHEMA and not {"fct_survey_answers", "dim_survey_items"} <= set(names):
        raise ExportError("the published warehouse has no survey marts; run `samspil build`.")
    if not names:
        raise ExportError(f"the published file has no schema {schema}; run `samspil build`.")
    for mart in names:
        rows = connection.execute(f"select count(*) from {schema}.{mart}").fetchone()[0]
        for export_format, options in (("parquet", "format parquet"), ("csv", "header true")):
            path = folder / export_format / f"{mart}.{export_format}"
            connection.execute(
                f"copy (select * from {schema}.{mart} order by all) "
                f"to {_quote(str(path))} ({options})"
            )
            written.append(_record(folder, path, mart, rows, {}))
    statistics_tables = [_mart_table(connection, schema, mart, language) for mart in names]
    if schema == RESTRICTED_SCHEMA:
        statistics_tables += _wide_survey_tables(connection, language)
    for table in statistics_tables:
        for export_format, writer in (("sav", _write_sav), ("dta", _write_dta)):
            path = folder / export_format / f"{table.name}.{export_format}"
            renamed = writer(table, path)
            written.append(_record(folder, path, table.source, len(table.frame), renamed))
    return written


MANIFEST_KEYS = {"warehouse", "tier", "labels", "files"}
"""What every export's manifest.json holds: a folder with one may be replaced."""


def _earlier_export(out: Path) -> dict | None:
    """The manifest of the earlier export in `out`, or None where there is none."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return manifest if set(manifest) >= MANIFEST_KEYS else None
    except (OSError, ValueError, TypeError):
        return None


def export(
    warehouse: Path, out: Path, language: str = "en", restricted: bool = False
) -> list[ExportedFile]:
    """Write every table of the published `warehouse` to `out`, replacing an earlier export
    there (never a folder of anything else, nor an export of the other tier): the release
    tier of the release file, or (`restricted`) the marts of the restricted file."""
    if language not in LANGUAGES:
        raise ExportError(f"labels must be one of {', '.join(LANGUAGES)}, not {language!r}.")
    if not warehouse.is_file():
        raise ExportError(f"{warehouse}: no published warehouse; run `samspil build` first.")
    out = out.resolve()
    earlier = _earlier_export(out)
    if not replaceable(out, lambda _: earlier is not None):
        raise ExportError(
            f"{out}: exists and is not a samspil export (no manifest.json of one); choose "
            "another --out or remove it."
        )
    tier = "restricted" if restricted else "release"
    if earlier is not None and earlier["tier"] not in (None, tier):
        raise ExportError(
            f"{out}: holds an export of the {earlier['tier']} tier, which this export of the "
            f"{tier} tier would replace; choose another --out, or remove it."
        )
    if problem := unwritable(out.parent):
        raise ExportError(f"{problem}; choose another --out.")
    with replacing(out) as folder:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            schema = RESTRICTED_SCHEMA if restricted else RELEASE_SCHEMA
            written = _write_all(connection, folder, language, schema)
        manifest = {
            # The release tier's export may leave the project: its file's name, not where
            # it was (a home folder's name, say).
            "warehouse": str(warehouse) if restricted else warehouse.name,
            "tier": tier,
            "labels": language,
            "files": [asdict(item) for item in written],
        }
        (folder / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return written
