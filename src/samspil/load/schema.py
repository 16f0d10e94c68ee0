"""The raw-file contract, read from the `meta:` of the dbt sources YAML and the seeds.

`models/staging/<source>/_<source>__sources.yml` is the one place that says
which columns a raw file has and what the loader checks in them; the allowed
codes come from the seed CSVs, and the item columns of a survey export from
the survey codebook (`seeds/survey_items.csv`, `survey_value_sets.csv`,
`survey_value_labels.csv`). A column not marked `personal` must hold no
personal data: the patterns of it are the dbt var `personal_data_patterns` in
dbt_project.yml, the same that staging removes from free text.
docs/raw-exports.md describes the meta keys.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader where PyYAML was built with it: ten times faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TABLE_META_KEYS = frozenset({"key", "unique", "survey", "references", "csv", "sheet"})
COLUMN_META_KEYS = frozenset(
    {"type", "required", "values", "seed", "references", "personal", "pseudonym"}
)
COLUMN_TYPES = frozenset({"date", "timestamp", "integer", "decimal"})

# The settings a table's `meta: {csv: {...}}` may give, and the values each may take.
CSV_SETTINGS: dict[str, frozenset[str]] = {
    "encoding": frozenset({"utf-8", "cp1252"}),
    "delimiter": frozenset({",", ";", "\t"}),
    "decimal_mark": frozenset({".", ","}),
}

# The settings a source's `meta: {qdpx: {...}}` may give for its REFI-QDA project.
QDPX_SETTINGS: dict[str, frozenset[object]] = {
    "position_unit": frozenset({"codepoint", "utf16"}),
    "crlf_as_one": frozenset({True, False}),
}

# Columns the loader adds to every raw table; a sources YAML may describe them.
LOADER_COLUMNS = ("_file", "_line")


class SchemaError(Exception):
    """The sources YAML or a seed contradicts the loader: a bug of the project, not of the data."""


@dataclass(frozen=True)
class CodeList:
    """The allowed values of a coded column, and how to name them in a sentence."""

    codes: frozenset[str]
    description: str


@dataclass(frozen=True)
class Scale:
    """The value set of a survey item (seeds survey_value_sets and survey_value_labels)."""

    name: str
    value_type: str  # `categorical`: only the listed codes; `count`: any whole number in range
    minimum: int
    maximum: int
    codes: frozenset[str]  # every code of the labels seed, valid and missing
    missing_codes: tuple[str, ...]

    def describe(self) -> str:
        missing = f"; missing codes {', '.join(self.missing_codes)}" if self.missing_codes else ""
        return f"{self.name} ({self.minimum}–{self.maximum}{missing})"

    def accepts(self, value: str) -> bool:
        """`value` is a whole number in digits: is it on the scale or a declared code?"""
        if value in self.codes:
            return True
        if self.value_type == "count":
            return self.minimum <= int(value) <= self.maximum
        return value == str(int(value)) and self.minimum <= int(value) <= self.maximum


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    type: str | None = None
    codes: CodeList | None = None
    scale: Scale | None = None
    personal: bool = False
    pseudonym: str | None = None
    """The column the loader adds with this person's keyed pseudonym (samspil.pseudonyms)."""
    personal_data: re.Pattern[str] | None = None
    """Personal data the loader rejects in this column; None for a personal column (its value
    may hold some: staging drops, pseudonymises or scrubs it)."""

    @property
    def is_checked(self) -> bool:
        return self.required or bool(
            self.type or self.codes or self.scale or self.personal_data is not None
        )


@dataclass(frozen=True)
class Reference:
    """Columns of one file whose values must be a row of another file of the same source."""

    columns: tuple[str, ...]
    table: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class CsvSettings:
    """How a CSV export is written, where the source's configuration says so (else detected)."""

    encoding: str | None = None  # `cp1252` allows Windows-1252 where the bytes are not UTF-8
    delimiter: str | None = None
    decimal_mark: str | None = None


@dataclass(frozen=True)
class QdpxSettings:
    """How the strand's REFI-QDA project counts positions, where its source says so
    (`samspil.load.qdpx`); None: not declared."""

    position_unit: str | None = None
    crlf_as_one: bool | None = None


@dataclass(frozen=True)
class FileSchema:
    source: str
    stem: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    references: tuple[Reference, ...] = field(default=())
    csv: CsvSettings = CsvSettings()
    sheet: str | None = None  # the .xlsx sheet to read; the first where None
    qdpx: QdpxSettings = QdpxSettings()
    file: str = ""
    """The file's path relative to the raw folder: the export found (`formats.py`)."""
    personal_data: re.Pattern[str] | None = None
    """Personal data as the loader recognises it (`personal_data_pattern`)."""

    @property
    def name(self) -> str:
        """`<source>/<stem>`: the table's file without its extension."""
        return f"{self.source}/{self.stem}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return self.columns[self.column_names.index(name)]

    @property
    def has_personal_columns(self) -> bool:
        return any(column.personal for column in self.columns)

    @property
    def pseudonyms(self) -> tuple[tuple[str, str], ...]:
        """(personal column, pseudonym column the loader adds) for each pseudonymised column."""
        return tuple((column.name, column.pseudonym) for column in self.columns if column.pseudonym)

    @property
    def candidate_keys(self) -> tuple[tuple[str, ...], ...]:
        """The key and every unique combination, each kept once per value."""
        return ((self.key,) if self.key else ()) + self.unique


class _Seeds:
    """Seed CSVs of the project, each read once."""

    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        self._read: dict[str, list[dict[str, str]]] = {}

    def rows(self, name: str) -> list[dict[str, str]]:
        if name not in self._read:
            path = self.seeds_dir / f"{name}.csv"
            if not path.is_file():
                raise SchemaError(f"seeds/{name}.csv not found")
            with path.open(encoding="utf-8", newline="") as handle:
                self._read[name] = list(csv.DictReader(handle))
        return self._read[name]

    def codes(self, reference: str) -> CodeList:
        seed, _, column = reference.partition(".")
        rows = self.rows(seed)
        if not column or (rows and column not in rows[0]):
            raise SchemaError(f"seed: {reference} is not a seed column (write seed.column)")
        return CodeList(
            frozenset(row[column] for row in rows),
            f"a {column} of seeds/{seed}.csv",
        )

    def survey_items(self, survey: str) -> list[Column]:
        value_sets = {row["value_set"]: row for row in self.rows("survey_value_sets")}
        labels: dict[str, list[dict[str, str]]] = {}
        for row in self.rows("survey_value_labels"):
            labels.setdefault(row["value_set"], []).append(row)
        items = sorted(
            (row for row in self.rows("survey_items") if row["survey"] == survey),
            key=lambda row: int(row["item_order"]),
        )
        if not items:
            raise SchemaError(f"survey: {survey} has no items in seeds/survey_items.csv")
        columns = []
        for item in items:
            value_set = value_sets[item["value_set"]]
            set_labels = labels.get(item["value_set"], [])
            scale = Scale(
                name=item["value_set"],
                value_type=value_set["value_type"],
                minimum=int(value_set["min_value"]),
                maximum=int(value_set["max_value"]),
                codes=frozenset(label["code"] for label in set_labels),
                missing_codes=tuple(
                    sorted(
                        (label["code"] for label in set_labels if label["missing_reason"]),
                        key=int,
                    )
                ),
            )
            columns.append(Column(name=item["variable"], scale=scale))
        return columns


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise SchemaError(f"{what} must be a list of column names, not {value!r}")
    return tuple(value)


def _column(entry: dict[str, Any], seeds: _Seeds, where: str) -> tuple[Column, Reference | None]:
    name = entry["name"]
    meta = entry.get("meta") or {}
    unknown = set(meta) - COLUMN_META_KEYS
    if unknown:
        raise SchemaError(f"{where}.{name}: unknown meta key(s) {sorted(unknown)}")
    column_type = meta.get("type")
    if column_type is not None and column_type not in COLUMN_TYPES:
        raise SchemaError(f"{where}.{name}: type must be one of {sorted(COLUMN_TYPES)}")
    if "values" in meta and "seed" in meta:
        raise SchemaError(f"{where}.{name}: give values or seed, not both")
    codes = None
    if "values" in meta:
        values = [str(value) for value in meta["values"]]
        codes = CodeList(frozenset(values), "one of " + ", ".join(values))
    elif "seed" in meta:
        codes = seeds.codes(str(meta["seed"]))
    reference = None
    if "references" in meta:
        table, _, target = str(meta["references"]).partition(".")
        if not target:
            raise SchemaError(f"{where}.{name}: references must be written table.column")
        reference = Reference(columns=(name,), table=table, target_columns=(target,))
    pseudonym = meta.get("pseudonym")
    if pseudonym is not None and not meta.get("personal", False):
        raise SchemaError(f"{where}.{name}: only a personal column gets a pseudonym")
    column = Column(
        name=name,
        required=bool(meta.get("required", False)),
        type=column_type,
        codes=codes,
        personal=bool(meta.get("personal", False)),
        pseudonym=str(pseudonym) if pseudonym is not None else None,
    )
    return column, reference


def _csv_settings(value: Any, where: str) -> CsvSettings:
    if not isinstance(value, dict):
        raise SchemaError(f"{where}: meta csv must be a mapping, e.g. {{encoding: cp1252}}")
    unknown = set(value) - set(CSV_SETTINGS)
    if unknown:
        raise SchemaError(f"{where}: unknown csv setting(s) {sorted(unknown)}")
    for name, setting in value.items():
        if setting not in CSV_SETTINGS[name]:
            raise SchemaError(
                f"{where}: csv {name} must be one of {sorted(CSV_SETTINGS[name])}, not {setting!r}"
            )
    return CsvSettings(**value)


def _qdpx_settings(meta: Any, where: str) -> QdpxSettings:
    """The source's `meta: {qdpx: {...}}`; the source's own meta has no other key."""
    if not isinstance(meta, dict) or set(meta) - {"qdpx"}:
        raise SchemaError(f"{where}: a source's meta may only hold qdpx, not {meta!r}")
    value = meta.get("qdpx", {})
    if not isinstance(value, dict) or set(value) - set(QDPX_SETTINGS):
        raise SchemaError(
            f"{where}: meta qdpx must be a mapping of {sorted(QDPX_SETTINGS)}, not {value!r}"
        )
    for name, setting in value.items():
        if setting not in QDPX_SETTINGS[name]:
            raise SchemaError(f"{where}: qdpx {name} must be one of {QDPX_SETTINGS[name]}")
    return QdpxSettings(**value)


def personal_data_pattern(project_dir: Path) -> re.Pattern[str]:
    """The var `personal_data_patterns` of dbt_project.yml as one pattern, case ignored, each
    kind a named group (`CPR_number`, ...), found only as a token of its own: not inside a
    longer run of letters and digits, as in the GUID a REFI-QDA project gives a selection."""
    project = yaml.load(
        (project_dir / "dbt_project.yml").read_text(encoding="utf-8"), Loader=SafeLoader
    )
    patterns = project["vars"]["personal_data_patterns"]
    kinds = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in patterns.items())
    return re.compile(rf"(?<![0-9A-Za-z])(?:{kinds})(?![0-9A-Za-z])", re.IGNORECASE)


def _file_schema(
    source: str,
    entry: dict[str, Any],
    seeds: _Seeds,
    qdpx: QdpxSettings,
    personal_data: re.Pattern[str],
) -> FileSchema:
    stem = entry["name"]
    where = f"{source}.{stem}"
    meta = entry.get("meta") or {}
    unknown = set(meta) - TABLE_META_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown meta key(s) {sorted(unknown)}")
    columns: list[Column] = []
    references: list[Reference] = []
    # Pseudonym columns are written by the loader, not read from the export.
    added = set(LOADER_COLUMNS) | {
        str((column_entry.get("meta") or {})["pseudonym"])
        for column_entry in entry.get("columns") or []
        if "pseudonym" in (column_entry.get("meta") or {})
    }
    for column_entry in entry.get("columns") or []:
        if column_entry["name"] in added:
            continue
        column, reference = _column(column_entry, seeds, where)
        columns.append(column)
        if reference is not None:
            references.append(reference)
    if "survey" in meta:
        columns.extend(seeds.survey_items(str(meta["survey"])))
    for item in meta.get("references") or []:
        names = _names(item.get("columns"), f"{where}: references.columns")
        references.append(
            Reference(
                columns=names,
                table=str(item["to"]),
                target_columns=_names(item.get("to_columns", list(names)), where),
            )
        )
    key = _names(meta.get("key", []), f"{where}: key")
    unique = tuple(_names(names, f"{where}: unique") for names in meta.get("unique", []))
    names = [column.name for column in columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise SchemaError(f"{where}: columns {duplicated} are described twice")
    named = {name for reference in references for name in reference.columns}
    undescribed = (set(key) | {name for names in unique for name in names} | named) - set(names)
    if undescribed:
        raise SchemaError(f"{where}: meta names columns {sorted(undescribed)} it does not describe")
    # A key column can never be empty; a column not personal holds no personal data.
    columns = [
        Column(
            name=column.name,
            required=column.required or column.name in key,
            type=column.type,
            codes=column.codes,
            scale=column.scale,
            personal=column.personal,
            pseudonym=column.pseudonym,
            personal_data=None if column.personal else personal_data,
        )
        for column in columns
    ]
    return FileSchema(
        source=source,
        stem=stem,
        table=str(entry.get("identifier", f"{source}__{stem}")),
        columns=tuple(columns),
        key=key,
        unique=unique,
        references=tuple(references),
        csv=_csv_settings(meta.get("csv", {}), where),
        sheet=str(meta["sheet"]) if "sheet" in meta else None,
        qdpx=qdpx,
        file=f"{source}/{stem}.csv",
        personal_data=personal_data,
    )


def sources_yaml(project_dir: Path, source: str) -> Path:
    return project_dir / "models" / "staging" / source / f"_{source}__sources.yml"


def read_schema(project_dir: Path, files: dict[str, tuple[str, ...]]) -> list[FileSchema]:
    """The contract of every raw file in `files`, in that order (referenced files first)."""
    seeds = _Seeds(project_dir / "seeds")
    personal_data = personal_data_pattern(project_dir)
    schemas: list[FileSchema] = []
    for source, stems in files.items():
        path = sources_yaml(project_dir, source)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
        declared = [item for item in document["sources"] if item["name"] == source]
        entries = {table["name"]: table for item in declared for table in item.get("tables") or []}
        qdpx = _qdpx_settings(declared[0].get("meta") or {} if declared else {}, source)
        for stem in stems:
            if stem not in entries:
                raise SchemaError(f"{path}: no table {stem}")
            schema = _file_schema(source, entries[stem], seeds, qdpx, personal_data)
            earlier = {item.stem: item for item in schemas if item.source == source}
            for reference in schema.references:
                target = earlier.get(reference.table)
                if target is None:
                    raise SchemaError(
                        f"{source}.{stem}: references {reference.table}, which is not a file "
                        f"of {source} loaded before it"
                    )
                missing = set(reference.target_columns) - set(target.column_names)
                if missing:
                    raise SchemaError(f"{source}.{stem}: {reference.table} has no {missing}")
            schemas.append(schema)
    return schemas
