"""The declared mapping from a QDA project's own names to the study's (``seeds/qda_mapping.csv``).

A project written by NVivo, ATLAS.ti or MAXQDA carries the coders' own code system and their
own names for case and document variables ("Kommune", "Dokumenttype", "Effektivitet >
Bedre løsninger"). The seed maps them onto the study's names, one row each:

- ``kind`` ``code``: ``project_name`` is a code of the project, by its name, or by its path
  from the top of the code tree (``Begrundelser/Bedre løsninger``) where a name repeats;
  ``study_name`` a justification code of ``seeds/justification_codes.csv``;
- ``kind`` ``variable``: ``project_name`` a variable of the project; ``study_name`` an
  attribute of the strand (``ATTRIBUTES``), e.g. kommunekode;
- ``strand``: ``discourse`` or ``cases`` for a row meant for one project only, empty for both;
- an empty ``study_name`` declares the code or variable not part of the study: its codings
  are quarantined with that reason and it is not listed as unmapped.

Without a row, a name maps to itself where it is the study's own (the shipped demo and the
generator write the study's names): a justification code, a frame of the codebook (a grouping
code, whose own codings are quarantined), an attribute of the strand. Everything else is
unmapped, and the reader lists it as a load finding.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ATTRIBUTES", "MAPPING_SEED", "MappingError", "QdaMapping", "read_mapping"]

MAPPING_SEED = "qda_mapping"
MAPPING_FILE = f"seeds/{MAPPING_SEED}.csv"
MAPPING_COLUMNS = ("strand", "kind", "project_name", "study_name")
KINDS = ("code", "variable")

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "discourse": ("kommunekode", "document_type", "published_date", "title"),
    "cases": (
        "kommunekode",
        "policy_area_code",
        "case_title",
        "start_date",
        "end_date",
        "case_id",
        "actor_type",
        "actor_name",
        "cvr",
        "episode_date",
        "episode_type",
        "outcome",
    ),
}
"""The attributes a project's variables may carry, by strand."""
DATE_ATTRIBUTES = frozenset({"published_date", "start_date", "end_date", "episode_date"})


class MappingError(Exception):
    """The mapping seed cannot be used; the message is one line naming the seed's line."""


@dataclass(frozen=True)
class QdaMapping:
    """The mapping for one strand's project."""

    strand: str
    codes: dict[str, str | None]
    """Project code name or path -> justification code (None: declared not in the study)."""
    variables: dict[str, str | None]
    """Project variable name -> attribute of the strand (None: declared not in the study)."""
    justification_codes: frozenset[str]
    frames: frozenset[str]

    @property
    def attributes(self) -> tuple[str, ...]:
        return ATTRIBUTES[self.strand]

    def code(self, name: str, path: str | None) -> tuple[str, str | None]:
        """How a project code maps: (``mapped`` | ``declared`` | ``frame`` | ``unmapped``, code);
        ``path`` None: by its name only (a path too long to look up)."""
        for key in (path, name):
            if key is not None and key in self.codes:
                study = self.codes[key]
                return ("mapped", study) if study else ("declared", None)
        if name in self.justification_codes:
            return "mapped", name
        if name in self.frames:
            return "frame", None
        return "unmapped", None

    def variable(self, name: str) -> tuple[str, str | None]:
        """How a project variable maps: (``mapped`` | ``declared`` | ``unmapped``, attribute);
        a variable mapped to an attribute of the other strand only is unmapped here."""
        if name in self.variables:
            study = self.variables[name]
            if not study:
                return "declared", None
            return ("mapped" if study in self.attributes else "unmapped"), study
        if name in self.attributes:
            return "mapped", name
        return "unmapped", None


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            return []
        missing = [name for name in MAPPING_COLUMNS if name not in reader.fieldnames]
        if missing:
            raise MappingError(
                f"{MAPPING_FILE}: no column {', '.join(missing)}; its header must be "
                f"{','.join(MAPPING_COLUMNS)}."
            )
        return [
            (reader.line_num, {key: (value or "").strip() for key, value in row.items() if key})
            for row in reader
        ]


def read_mapping(seeds_dir: Path, strand: str) -> QdaMapping:
    """The mapping of ``strand``'s project from ``seeds_dir``; raise ``MappingError`` on a row
    that names no kind, a second row for one name, or a study name the study does not have."""
    with (seeds_dir / "justification_codes.csv").open(encoding="utf-8", newline="") as handle:
        codebook = list(csv.DictReader(handle))
    justification_codes = frozenset(row["justification_code"] for row in codebook)
    frames = frozenset(row["frame_code"] for row in codebook)
    every_attribute = {name for names in ATTRIBUTES.values() for name in names}
    maps: dict[str, dict[str, str | None]] = {"code": {}, "variable": {}}
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in _rows(seeds_dir / f"{MAPPING_SEED}.csv"):
        where = f"{MAPPING_FILE}, line {line}"
        kind, project_name, study_name = row["kind"], row["project_name"], row["study_name"]
        row_strand = row["strand"]
        if row_strand and row_strand not in ATTRIBUTES:
            raise MappingError(
                f"{where}: strand {row_strand!r} is not {' or '.join(ATTRIBUTES)} (or empty)."
            )
        if kind not in KINDS:
            raise MappingError(f"{where}: kind {kind!r} is not {' or '.join(KINDS)}.")
        if not project_name:
            raise MappingError(f"{where}: project_name is empty; name the project's {kind}.")
        allowed = justification_codes if kind == "code" else every_attribute
        if study_name and study_name not in allowed:
            what = (
                "a justification code of seeds/justification_codes.csv"
                if kind == "code"
                else "an attribute (" + ", ".join(sorted(every_attribute)) + ")"
            )
            raise MappingError(
                f"{where}: study_name {study_name!r} is not {what}; leave it empty to declare "
                f"the {kind} not part of the study."
            )
        key = (row_strand, kind, project_name)
        if key in seen:
            raise MappingError(
                f"{where}: {kind} {project_name!r} is mapped again (first on line {seen[key]}); "
                "keep one row."
            )
        seen[key] = line
        # A row for this strand wins over a row for both.
        if row_strand == strand or (not row_strand and project_name not in maps[kind]):
            maps[kind][project_name] = study_name or None
    return QdaMapping(
        strand=strand,
        codes=maps["code"],
        variables=maps["variable"],
        justification_codes=justification_codes,
        frames=frames,
    )
