"""The exports as they stood before the latest data arrived, for incremental builds.

``withhold(raw_dir, out_dir, *increments)`` copies a CSV raw folder (``generate``
with ``formats="csv"``) to ``out_dir`` without those increments of data:

- ``wave``: the 2018 survey wave, i.e. the frames' and the responses' rows of
  both surveys with wave 2018;
- ``documents``: the latest batch of coded documents, i.e. the discourse
  documents published on or after ``DOCUMENT_BATCH_FROM``, with their segments
  and their codings.

``arrive(complete_dir, raw_dir, increment)`` then puts the complete files of
that increment in place, as a team replaces its exports when new data comes.
Building the withheld folder and then again after the increment arrived is an
incremental build; its marts must equal those of a full build.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

INCREMENTS = ("wave", "documents")

INCREMENT_FILES: dict[str, tuple[str, ...]] = {
    "wave": (
        "institution_survey/frame.csv",
        "institution_survey/responses.csv",
        "association_survey/frame.csv",
        "association_survey/responses.csv",
    ),
    "documents": (
        "discourse/documents.csv",
        "discourse/segments.csv",
        "discourse/codings.csv",
    ),
}
"""The files an increment changes."""

WITHHELD_WAVE = "2018"

DOCUMENT_BATCH_FROM = "2018-10-01"
"""The first publication date of the latest batch of documents (the last quarter)."""

Row = dict[str, str]


def _filter(path: Path, keep: Callable[[Row], bool]) -> set[str]:
    """Rewrite the CSV file `path` with only the rows `keep` accepts; the first column's
    values of the rows dropped are returned."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    kept = [row for row in rows if keep(row)]
    dropped = {row[header[0]] for row in rows if not keep(row)}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return dropped


def withhold(raw_dir: Path, out_dir: Path, *increments: str) -> Path:
    """Copy `raw_dir` to `out_dir` without each of `increments` (of INCREMENTS)."""
    unknown = [increment for increment in increments if increment not in INCREMENTS]
    if unknown or not increments:
        raise ValueError(
            f"increments must be of {', '.join(INCREMENTS)}, not {', '.join(unknown) or 'none'}"
        )
    if not (raw_dir / "discourse" / "documents.csv").is_file():
        raise ValueError(f"{raw_dir}: not a CSV raw folder (generate it with formats='csv')")
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(raw_dir, out_dir)
    if "wave" in increments:
        for file in INCREMENT_FILES["wave"]:
            _filter(out_dir / file, lambda row: row["wave"] != WITHHELD_WAVE)
    if "documents" in increments:
        discourse = out_dir / "discourse"
        documents = _filter(
            discourse / "documents.csv", lambda row: row["published_date"] < DOCUMENT_BATCH_FROM
        )
        segments = _filter(
            discourse / "segments.csv", lambda row: row["document_id"] not in documents
        )
        _filter(discourse / "codings.csv", lambda row: row["segment_id"] not in segments)
    return out_dir


def arrive(complete_dir: Path, raw_dir: Path, increment: str) -> None:
    """Replace the files of `increment` in `raw_dir` by those of `complete_dir`."""
    for file in INCREMENT_FILES[increment]:
        shutil.copy2(complete_dir / file, raw_dir / file)
