"""Write a survey responses table as SPSS ``.sav``, the way the survey tool exports it.

Item columns (the survey's variables in ``seeds/survey_items.csv``) are numeric,
with the Danish question text as variable label, the codebook's ``label_da`` as
value labels and the value set's missing codes (8, 9 and 7 where the set has
it; 97, 98, 99 for counts) declared user-missing. Every other column (ids,
wave, timestamps, dates, status, partner names, comment) is a string holding
the CSV text, so reading the file back with `samspil.load.sav.read_sav` gives
exactly the CSV's text.

What a ``.sav`` cannot carry is refused with `ValueError` rather than changed
silently: an item answer that is not a whole number written plainly in digits
(``"3.0"``, ``" 3"``, ``"03"``, ``"ja"``), and a string ending in blanks (SPSS
pads strings with blanks and drops trailing ones on reading) or holding a NUL.

The file is deterministic: pyreadstat stamps the file header with the time of
writing, and `write_sav` overwrites that stamp with `CREATION_DATE` and
`CREATION_TIME`, so the same table always gives the same bytes.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from samspil.tools.generate.reference import DEFAULT_SEEDS_DIR, Reference

__all__ = ["CREATION_DATE", "CREATION_TIME", "stamp_header", "survey_of", "write_sav"]

CREATION_DATE = b"01 Jan 16"
"""The creation date written into every file header ("dd mmm yy", 9 bytes)."""
CREATION_TIME = b"00:00:00"
"""The creation time written into every file header ("hh:mm:ss", 8 bytes)."""

# The SAV file header record: rec_type (4 bytes, "$FL2", or "$FL3" for .zsav),
# prod_name (60), layout_code (int32), nominal_case_size (int32), compression
# (int32), weight_index (int32), ncases (int32), bias (float64), then
# creation_date (9), creation_time (8), file_label (64) and 3 bytes of padding.
_MAGICS = (b"$FL2", b"$FL3")
_CREATION_DATE_OFFSET = 4 + 60 + 5 * 4 + 8
_CREATION_TIME_OFFSET = _CREATION_DATE_OFFSET + len(CREATION_DATE)


def stamp_header(path: Path, date: bytes = CREATION_DATE, time: bytes = CREATION_TIME) -> None:
    """Overwrite the creation date and time in the header of the ``.sav`` file ``path``."""
    if len(date) != 9 or len(time) != 8:
        raise ValueError("creation date must be 9 bytes ('dd mmm yy'), time 8 ('hh:mm:ss')")
    with Path(path).open("r+b") as handle:
        magic = handle.read(4)
        if magic not in _MAGICS:
            raise ValueError(f"{path}: not an SPSS .sav file (starts with {magic!r})")
        handle.seek(_CREATION_DATE_OFFSET)
        handle.write(date)
        handle.seek(_CREATION_TIME_OFFSET)
        handle.write(time)


@dataclass(frozen=True)
class _Texts:
    """What a ``.sav`` codebook takes from the seeds beyond `Reference`."""

    questions: dict[str, str]  # variable → question_da
    labels: dict[str, dict[str, str]]  # value set → {code → label_da}
    value_types: dict[str, str]  # value set → categorical or count
    max_values: dict[str, str]  # value set → largest substantive value


def _seed(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _texts(seeds_dir: Path, survey: str) -> _Texts:
    labels: dict[str, dict[str, str]] = {}
    for row in _seed(seeds_dir / "survey_value_labels.csv"):
        labels.setdefault(row["value_set"], {})[row["code"]] = row["label_da"]
    value_sets = _seed(seeds_dir / "survey_value_sets.csv")
    return _Texts(
        questions={
            row["variable"]: row["question_da"]
            for row in _seed(seeds_dir / "survey_items.csv")
            if row["survey"] == survey
        },
        labels={
            name: dict(sorted(codes.items(), key=lambda pair: int(pair[0])))
            for name, codes in labels.items()
        },
        value_types={row["value_set"]: row["value_type"] for row in value_sets},
        max_values={row["value_set"]: row["max_value"] for row in value_sets},
    )


def survey_of(header: Sequence[str], reference: Reference) -> str:
    """The survey whose item variables the header holds (most items wins)."""
    columns = set(header)
    counts = {
        survey: sum(item.variable in columns for item in items)
        for survey, items in reference.items.items()
    }
    best = max(counts.values(), default=0)
    winners = sorted(survey for survey, count in counts.items() if count == best)
    if best == 0:
        raise ValueError("the header holds no survey item variable: not a responses table")
    if len(winners) > 1:
        raise ValueError(f"the header matches the items of several surveys: {winners}")
    return winners[0]


def _number(text: str, column: str, line: int) -> float:
    if text == "":
        return math.nan
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or str(int(text)) != text:
        raise ValueError(
            f"row {line}, {column}: {text!r} is not a whole number in digits; "
            "an SPSS numeric variable cannot carry it"
        )
    return float(int(text))


def _string(text: str, column: str, line: int) -> str:
    if text != text.rstrip(" ") or "\x00" in text:
        raise ValueError(
            f"row {line}, {column}: {text!r} ends in blanks or holds a NUL; "
            "an SPSS string cannot carry it"
        )
    return text


def _measure(texts: _Texts, reference: Reference, value_set: str) -> str:
    if texts.value_types.get(value_set) == "count":
        return "scale"
    return "nominal" if len(reference.value_sets[value_set].substantive) <= 2 else "ordinal"


def _missing_ranges(column: str, codes: list[int]) -> list[int | float | str]:
    """SPSS allows three discrete missing values, or one range (plus one value)."""
    if len(codes) <= 3:
        return list(codes)
    if codes == list(range(codes[0], codes[-1] + 1)):
        return [{"lo": codes[0], "hi": codes[-1]}]  # type: ignore[list-item]
    raise ValueError(
        f"{column}: {len(codes)} scattered missing codes {codes}; SPSS declares at most three "
        "discrete user-missing values or one range"
    )


def write_sav(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    reference: Reference,
    *,
    seeds_dir: Path | None = None,
) -> None:
    """Write a survey responses table (CSV text, header first) as an SPSS ``.sav`` file.

    ``reference`` says which columns are items and their value sets; the
    question texts and value labels come from the seeds in ``seeds_dir`` (the
    generator's seeds by default), which must be those ``reference`` was read from.
    """
    path = Path(path)
    if len(set(header)) != len(header):
        raise ValueError(f"{path.name}: a column appears twice in the header")
    survey = survey_of(header, reference)
    texts = _texts(seeds_dir or DEFAULT_SEEDS_DIR, survey)
    value_sets = {item.variable: item.value_set for item in reference.items[survey]}

    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ValueError(f"row {line}: {len(row)} fields, header {len(header)}")
    data: dict[str, list[object]] = {}
    for index, column in enumerate(header):
        if column in value_sets:
            data[column] = [_number(row[index], column, n) for n, row in enumerate(rows, 2)]
        else:
            data[column] = [_string(row[index], column, n) for n, row in enumerate(rows, 2)]
    frame = pd.DataFrame(data, columns=header)
    for column in header:
        frame[column] = frame[column].astype("float64" if column in value_sets else "object")

    items = [column for column in header if column in value_sets]
    column_labels: dict[str, str | None] = {column: None for column in header}
    value_labels: dict[str, dict[int | float, str]] = {}
    missing: dict[str, list[int | float | str]] = {}
    measures: dict[str, str] = {column: "nominal" for column in header}
    formats: dict[str, str] = {}
    for column in items:
        value_set = value_sets[column]
        column_labels[column] = texts.questions.get(column)
        labels = texts.labels.get(value_set, {})
        if labels:
            value_labels[column] = {int(code): label for code, label in labels.items()}
        codes = sorted(reference.value_sets[value_set].missing.values(), key=int)
        if codes:
            missing[column] = _missing_ranges(column, [int(code) for code in codes])
        measures[column] = _measure(texts, reference, value_set)
        widest = max(len(code) for code in [*labels, texts.max_values.get(value_set) or "0"])
        formats[column] = f"F{widest}.0"

    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=f"samspil {survey} survey responses",
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        row_compress=True,
        variable_measure=measures,
        variable_format=formats,
    )
    stamp_header(path)
