"""Read an SPSS ``.sav`` survey export as text, and check its codebook against the seeds.

``read_sav`` turns a ``.sav`` file into the same text the CSV export holds: a
whole number ``1.0`` becomes ``"1"``, user-missing codes stay their codes
(``"8"``, ``"97"``; the file is read with ``user_missing=True``), a
system-missing number and an empty string become ``None``, SPSS dates become
``yyyy-mm-dd`` and date-times ``yyyy-mm-ddThh:mm:ss`` (``.fff`` added where a
date-time has a fraction of a second, as the ``.xlsx`` reader writes it). The file's own
codebook
(variable labels, value labels, user-missing definitions) comes along in the
`SavTable`.

``codebook_findings`` compares that codebook with ``seeds/survey_items.csv``
and ``seeds/survey_value_labels.csv``: a value label the seed lacks, a label
that differs from the seed's ``label_da``, a missing-value definition that
differs from the seed's missing codes, an item variable without labels. Each
is a `CodebookFinding` to report; none of them stops a load.

The text is decoded as the file's encoding record declares. A file that declares a
one-byte code page (CP850, Windows-1252) but holds UTF-8 text, as a file rewritten by
another program can, would load every æ, ø and å as two wrong characters: such a
file is refused, naming the first case and variable that shows it.

A ``.sav`` may be compressed (SPSS's zlib-compressed ``.zsav`` layout), and a small file
can then hold gigabytes: a file whose cases would hold more than ``INFLATE_FACTOR`` times
its size in data (past its first ``INFLATE_GRACE_BYTES``) is refused before its data is
read, as a zip bomb is (`samspil.load.archive`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyreadstat

from samspil.load.rawfile import FileProblem, timestamp_text

__all__ = [
    "Codebook",
    "CodebookFinding",
    "CodebookItem",
    "SavTable",
    "codebook_findings",
    "format_number",
    "read_codebook",
    "read_sav",
]

EXPORT_AGAIN = "export it again from SPSS (File > Save As, SPSS Statistics .sav)"

INFLATE_FACTOR = 1000
"""How many times its size a ``.sav`` file's data may be: SPSS's own compression stores a
value in one byte at least (eight times), zlib on top of it a sparse survey's mostly empty
values some hundred times more."""
INFLATE_GRACE_BYTES = 64 << 20
"""Data up to this size is not held to `INFLATE_FACTOR`."""


@dataclass(frozen=True)
class SavTable:
    """One ``.sav`` file as text, with the codebook the file carries."""

    header: list[str]
    """The variable names, in file order."""
    records: list[tuple[int, list[str | None]]]
    """(case number, 1-based; one value per header column, ``None`` for no value)."""
    variable_labels: dict[str, str]
    """Variable → its label, for the labelled variables."""
    value_labels: dict[str, dict[str, str]]
    """Variable → {value as text → label}, for the variables with value labels."""
    missing_values: dict[str, list[str]]
    """Variable → its user-missing values as text (``"8"``; a range as ``"97 thru 99"``)."""
    encoding: str | None = None
    """The file's character encoding as it declares it (``UTF-8``), for the load audit."""


class CodebookFinding(NamedTuple):
    """A disagreement between a file's codebook and the seeds; reported, never fatal."""

    variable: str
    kind: str
    """One of `FINDING_KINDS`."""
    detail: str


FINDING_KINDS = (
    "variable_label_missing",
    "variable_label_changed",
    "value_labels_missing",
    "value_label_added",
    "value_label_changed",
    "value_label_absent",
    "missing_values_changed",
)
"""Every kind of `CodebookFinding`, in the order findings of one variable are listed."""


@dataclass(frozen=True)
class CodebookItem:
    """One item of ``seeds/survey_items.csv``, as much as a ``.sav`` codebook carries."""

    variable: str
    value_set: str
    question_da: str


@dataclass(frozen=True)
class Codebook:
    """The seeds' codebook of one survey."""

    survey: str
    items: dict[str, CodebookItem]
    """By variable, in item order."""
    labels: dict[str, dict[str, str]]
    """Value set → {code → label_da}, codes in numeric order, missing codes included."""
    missing: dict[str, list[str]]
    """Value set → its missing codes (those with a missing_reason), in numeric order."""
    value_types: dict[str, str]
    """Value set → ``categorical`` or ``count``."""
    max_values: dict[str, str]
    """Value set → its largest substantive value."""


def _seed_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _code_key(code: str) -> tuple[float, str]:
    try:
        return float(code), code
    except ValueError:
        return math.inf, code


def read_codebook(seeds_dir: Path, survey: str) -> Codebook:
    """The codebook of ``survey`` (``institution`` or ``association``) from the seeds."""
    items = sorted(
        (row for row in _seed_rows(seeds_dir / "survey_items.csv") if row["survey"] == survey),
        key=lambda row: int(row["item_order"]),
    )
    if not items:
        raise ValueError(f"{seeds_dir / 'survey_items.csv'}: no items of survey {survey!r}")
    labels: dict[str, dict[str, str]] = {}
    missing: dict[str, list[str]] = {}
    for row in sorted(
        _seed_rows(seeds_dir / "survey_value_labels.csv"),
        key=lambda row: (row["value_set"], _code_key(row["code"])),
    ):
        labels.setdefault(row["value_set"], {})[row["code"]] = row["label_da"]
        if row["missing_reason"]:
            missing.setdefault(row["value_set"], []).append(row["code"])
    value_sets = _seed_rows(seeds_dir / "survey_value_sets.csv")
    return Codebook(
        survey=survey,
        items={
            row["variable"]: CodebookItem(row["variable"], row["value_set"], row["question_da"])
            for row in items
        },
        labels=labels,
        missing=missing,
        value_types={row["value_set"]: row["value_type"] for row in value_sets},
        max_values={row["value_set"]: row["max_value"] for row in value_sets},
    )


def format_number(value: float) -> str:
    """A number as the CSV export writes it: ``1.0`` → ``"1"``, ``2.5`` → ``"2.5"``."""
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _text(value: object) -> str | None:
    """One cell as CSV text; ``None`` for system-missing and the empty string."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, dt.datetime):
        return timestamp_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8") or None
    number = float(value)  # numpy and pandas scalars; system-missing is NaN
    if math.isnan(number):
        return None
    return format_number(number)


def _bound(value: object, infinite: str) -> str:
    if isinstance(value, float) and math.isinf(value):
        return infinite
    text = _text(value)
    return "" if text is None else text


def _missing_text(entry: dict[str, object]) -> str:
    low, high = entry["lo"], entry["hi"]
    if low == high:
        return _bound(low, "lowest")
    return f"{_bound(low, 'lowest')} thru {_bound(high, 'highest')}"


def _utf8_read_as(value: str, codec: str) -> bool:
    """Whether `value`, decoded from `codec`, was UTF-8 text: its bytes in that code page
    are valid UTF-8 with characters beyond ASCII. Text written in a one-byte code page is
    almost never that (an ø alone is no UTF-8), UTF-8 read as one almost always."""
    if value.isascii():
        return False
    try:
        return not value.encode(codec).decode("utf-8").isascii()
    except UnicodeError:
        return False


def _refuse_utf8_in_a_code_page(
    path: Path, declared: str | None, header: list[str], columns: list[list[str | None]]
) -> None:
    """Refuse a file whose encoding record names a one-byte code page while its text is
    UTF-8 (see the module docstring). The values are not shown: they may be personal."""
    try:
        codec = codecs.lookup(declared or "utf-8").name
    except LookupError:
        return
    if codec.startswith("utf"):  # UTF-8, UTF-16: no one-byte code page
        return
    for name, column in zip(header, columns, strict=True):
        for index, value in enumerate(column):
            if value is not None and _utf8_read_as(value, codec):
                raise FileProblem(
                    f"{path}: declares its text {declared}, but case {index + 1}'s {name} is "
                    f"UTF-8 text (read as {declared}, each letter beyond ASCII would load as "
                    f"two others); {EXPORT_AGAIN}."
                )


def read_sav(path: Path) -> SavTable:
    """Read an SPSS ``.sav`` file as text; raise `FileProblem` if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"{path}: file not found.")
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        declared = meta.number_rows  # None where the file does not say
        case_bytes = max(sum(meta.variable_storage_width.values()), 1)
        size = path.stat().st_size
        limit = max(INFLATE_GRACE_BYTES, INFLATE_FACTOR * size)
        most = limit // case_bytes
        # Where the file does not say how many cases it holds, one more than it may is read.
        frame, meta = (
            (None, meta)
            if declared and declared > most
            else pyreadstat.read_sav(str(path), user_missing=True, row_limit=most + 1)
        )
    except Exception as error:  # pyreadstat raises its own ReadstatError and others
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise FileProblem(
            f"{path}: not a readable SPSS .sav file ({reason}); {EXPORT_AGAIN}."
        ) from error
    if frame is None or len(frame) > most:
        cases = f"{declared:,}" if frame is None else f"more than {most:,}"
        raise FileProblem(
            f"{path}: holds {cases} cases of {case_bytes:,} bytes each, more than the "
            f"{limit:,} bytes of data a file of {size:,} bytes may hold (at most "
            f"{INFLATE_FACTOR:,} times its size: a damaged or hostile file?), so it is not "
            f"read; {EXPORT_AGAIN}."
        )

    header = [str(name) for name in frame.columns]
    columns = [[_text(value) for value in frame[name].tolist()] for name in frame.columns]
    _refuse_utf8_in_a_code_page(path, meta.file_encoding, header, columns)
    records = [(index + 1, [column[index] for column in columns]) for index in range(len(frame))]
    variable_labels = {
        name: label for name, label in meta.column_names_to_labels.items() if label is not None
    }
    value_labels = {
        name: {_bound(code, "?"): str(label) for code, label in labels.items()}
        for name, labels in meta.variable_value_labels.items()
        if labels
    }
    missing_values = {
        name: [_missing_text(entry) for entry in entries]
        for name, entries in meta.missing_ranges.items()
        if entries
    }
    return SavTable(
        header=header,
        records=records,
        variable_labels=variable_labels,
        value_labels=value_labels,
        missing_values=missing_values,
        encoding=meta.file_encoding or None,
    )


def _expand(missing: list[str]) -> set[str]:
    """Missing values as a set of codes; a short whole-number range becomes its codes."""
    codes: set[str] = set()
    for entry in missing:
        low, sep, high = entry.partition(" thru ")
        whole = sep and low.lstrip("-").isdigit() and high.lstrip("-").isdigit()
        if whole and 0 <= int(high) - int(low) <= 1000:
            codes.update(str(code) for code in range(int(low), int(high) + 1))
            continue
        codes.add(entry)
    return codes


def _listed(codes: list[str] | set[str]) -> str:
    return ", ".join(sorted(codes, key=_code_key)) if codes else "none"


def _variable_findings(
    table: SavTable, item: CodebookItem, codebook: Codebook
) -> list[CodebookFinding]:
    name, value_set = item.variable, item.value_set
    seed_labels = codebook.labels.get(value_set, {})
    found: list[CodebookFinding] = []

    def add(kind: str, detail: str) -> None:
        found.append(CodebookFinding(name, kind, f"{name}: {detail}"))

    label = table.variable_labels.get(name)
    if not label:
        add("variable_label_missing", f"the variable has no label (codebook: {item.question_da!r})")
    elif label != item.question_da:
        add(
            "variable_label_changed",
            f"the variable is labelled {label!r} in the file, {item.question_da!r} in the codebook",
        )

    file_labels = table.value_labels.get(name, {})
    if not file_labels:
        if seed_labels:
            add(
                "value_labels_missing",
                f"the variable has no value labels (codebook: {len(seed_labels)} in {value_set})",
            )
    else:
        for code, text in sorted(file_labels.items(), key=lambda pair: _code_key(pair[0])):
            if code not in seed_labels:
                add(
                    "value_label_added",
                    f"value {code} {text!r} is not in the codebook ({value_set})",
                )
            elif text != seed_labels[code]:
                add(
                    "value_label_changed",
                    f"value {code} is labelled {text!r} in the file, "
                    f"{seed_labels[code]!r} in the codebook ({value_set})",
                )
        for code, text in seed_labels.items():
            if code not in file_labels:
                add(
                    "value_label_absent",
                    f"value {code} {text!r} of the codebook has no label in the file ({value_set})",
                )

    file_missing = table.missing_values.get(name, [])
    seed_missing = codebook.missing.get(value_set, [])
    if _expand(file_missing) != set(seed_missing):
        add(
            "missing_values_changed",
            f"user-missing values are {', '.join(file_missing) or 'none'} in the file, "
            f"{_listed(seed_missing)} in the codebook ({value_set})",
        )
    return found


def codebook_findings(table: SavTable, survey: str, seeds_dir: Path) -> list[CodebookFinding]:
    """Where the file's codebook disagrees with the seeds of ``survey``, item by item.

    Only the items of the survey that are columns of the file are compared, in
    the file's column order; a missing or extra column is the loader's concern.
    """
    codebook = read_codebook(Path(seeds_dir), survey)
    findings: list[CodebookFinding] = []
    for name in table.header:
        item = codebook.items.get(name)
        if item is not None:
            findings.extend(_variable_findings(table, item, codebook))
    return findings
