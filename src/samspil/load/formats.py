"""Find each table's export in the raw folder, whatever its format, and read it.

A table `<strand>/<stem>` is exactly one of `<strand>/<stem>.csv`, `.xlsx` or
`.sav`, or, for the tables of a strand kept in a coding tool (`QDPX_FILES`), the
tool's REFI-QDA project: `discourse/discourse.qdpx` holds the three discourse
tables, `cases/cases.qdpx` the four cases tables. No export is the "file not
found" error; two exports of one table are an error too (which one is meant?), and so is
an export in a strand's folder that no table is read from (`unread_exports`: a wave or a
batch exported on its own would be left out unnoticed).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

from samspil.load.csvfile import read_csv
from samspil.load.qdpx import STRANDS, QdpxProblem, QdpxTable, read_qdpx
from samspil.load.qdpx.mapping import MappingError, read_mapping
from samspil.load.rawfile import FileProblem, RawFile, RawTable, ReadDetails, Record, check_header
from samspil.load.sav import codebook_findings, read_sav
from samspil.load.schema import FileSchema
from samspil.load.xlsxfile import read_xlsx

EXTENSIONS = (".csv", ".xlsx", ".sav")
QDPX_FILES: dict[str, str] = {"discourse": "discourse/discourse.qdpx", "cases": "cases/cases.qdpx"}
"""The REFI-QDA project of each strand that may be one; it holds the strand's tables
(`samspil.load.qdpx.STRANDS`)."""


def qdpx_file(schema: FileSchema) -> str | None:
    """The project that may hold `schema`'s table, or None."""
    file = QDPX_FILES.get(schema.source)
    return file if file is not None and schema.stem in STRANDS[schema.source] else None


def candidates(raw_dir: Path, schema: FileSchema) -> list[str]:
    """The exports in `raw_dir` that would provide `schema`'s table, relative to `raw_dir`.
    Names are compared regardless of case, as on Windows, where most exports are made
    (`Responses.CSV`); two names that differ only in case are two exports."""
    wanted = [f"{schema.stem}{extension}" for extension in EXTENSIONS]
    project = qdpx_file(schema)
    if project is not None:
        wanted.append(project.rsplit("/", 1)[1])
    folder = raw_dir / schema.source
    files = (
        sorted(path.name for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []
    )
    return [f"{schema.source}/{file}" for name in wanted for file in files if file.lower() == name]


UNREAD_FORMATS = {
    ".xls": "an Excel 97-2003 workbook",
    ".ods": "an OpenDocument spreadsheet",
    ".tsv": "a tab-separated file",
    ".dta": "a Stata file",
    ".por": "an SPSS portable file",
    ".zsav": "a compressed SPSS file",
}
"""Exports of data in formats the loader does not read: named, never passed over."""


def unread_exports(raw_dir: Path, schemas: list[FileSchema]) -> dict[str, str]:
    """The exports in the strands' folders of `raw_dir` (and folders in them) that no table
    of `schemas` is read from, relative to `raw_dir`, each with why: a second file of a
    table under another name (`responses_2020.csv`, `2020/responses.csv`) or a format the
    loader does not read (`frame.xls`). The load would leave them out. Office's lock files
    (`~$…`) and hidden files are no exports."""
    read = {file for schema in schemas for file in candidates(raw_dir, schema)}
    unread = {}
    for folder in sorted({schema.source for schema in schemas}):
        for path in sorted((raw_dir / folder).rglob("*")):
            parts = path.relative_to(raw_dir).parts
            relative = "/".join(parts)
            suffix = path.suffix.lower()
            if (
                suffix not in {*EXTENSIONS, ".qdpx", *UNREAD_FORMATS}
                or relative in read
                or path.name.startswith("~$")
                or any(part.startswith(".") for part in parts)
                or not path.is_file()
            ):
                continue
            unread[relative] = (
                f"{relative}: {UNREAD_FORMATS[suffix]}, a format the loader does not read; "
                "export the table as .csv, .xlsx or .sav (docs/raw-exports.md)."
                if suffix in UNREAD_FORMATS
                else f"{relative}: no table is read from this file (each table is one file, "
                "docs/raw-exports.md); merge it into its table's export, or move it out of "
                "the raw folder."
            )
    return unread


def _other_names(schema: FileSchema) -> str:
    """The names other than `<stem>.csv` the table's export may have."""
    names = [f"{schema.stem}{extension}" for extension in EXTENSIONS[1:]]
    project = qdpx_file(schema)
    if project is not None:
        names.append(project.rsplit("/", 1)[1])
    return ", ".join(names[:-1]) + " or " + names[-1]


def _read_sav(path: Path, schema: FileSchema, seeds_dir: Path) -> RawTable:
    try:
        table = read_sav(path)
    except FileProblem as problem:  # named by its absolute path: name it as the user knows it
        raise FileProblem(str(problem).replace(str(path), schema.file, 1)) from None
    survey = schema.source.removesuffix("_survey")
    return RawTable(
        header=list(table.header),
        records=[Record(line=case, fields=list(values)) for case, values in table.records],
        details=ReadDetails(format="sav", encoding=(table.encoding or "").lower() or None),
        findings=tuple(
            f"codebook {finding.kind}: {finding.detail}"
            for finding in codebook_findings(table, survey, seeds_dir)
        ),
    )


def _from_qdpx(table: QdpxTable) -> RawTable:
    return RawTable(
        header=list(table.header),
        records=[
            Record(line=line, fields=list(values), problem=table.issues.get(index))
            for index, (line, values) in enumerate(table.records)
        ],
        details=ReadDetails(format="qdpx", encoding="utf-8"),
        findings=tuple(table.findings),
    )


class Reader:
    """Reads the exports of one load; a `.qdpx` project is read once for all its tables."""

    def __init__(self, raw_dir: Path, seeds_dir: Path) -> None:
        self.raw_dir = raw_dir
        self.seeds_dir = seeds_dir
        self._qdpx: dict[str, dict[str, QdpxTable] | str] = {}
        """The tables of each project read, or why it cannot be read."""
        self._hashes: dict[str, str] = {}

    def _sha256(self, file: str) -> str:
        if file not in self._hashes:
            self._hashes[file] = hashlib.sha256((self.raw_dir / file).read_bytes()).hexdigest()
        return self._hashes[file]

    def _read_qdpx(self, schema: FileSchema) -> RawTable:
        """The table from the strand's project, read once for all its tables (a project that
        cannot be read fails once, not once per table)."""
        file = schema.file
        if file not in self._qdpx:
            try:
                mapping = read_mapping(self.seeds_dir, schema.source)
                self._qdpx[file] = read_qdpx(
                    self.raw_dir / file,
                    file=file,
                    strand=schema.source,
                    mapping=mapping,
                    position_unit=schema.qdpx.position_unit,
                    crlf_as_one=schema.qdpx.crlf_as_one,
                )
            except (QdpxProblem, MappingError) as problem:
                self._qdpx[file] = str(problem)
        tables = self._qdpx[file]
        if isinstance(tables, str):
            raise FileProblem(tables)
        return _from_qdpx(tables[schema.stem])

    def read(self, schema: FileSchema) -> RawFile:
        """Find and read `schema`'s table; raise `FileProblem` if it cannot be loaded."""
        found = candidates(self.raw_dir, schema)
        if not found:
            raise FileProblem(
                f"{schema.name}.csv: file not found, nor {_other_names(schema)}; every raw "
                f"folder needs it (see docs/raw-exports.md)."
            )
        if len(found) > 1:
            raise FileProblem(
                f"{schema.name}: {len(found)} exports of one table ({', '.join(found)}); keep "
                f"exactly one in the raw folder."
            )
        file = found[0]
        schema = dataclasses.replace(schema, file=file)
        path = self.raw_dir / file
        readers: dict[str, Callable[[], RawTable]] = {
            ".csv": lambda: read_csv(path.read_bytes(), schema),
            ".xlsx": lambda: read_xlsx(path, schema),
            ".sav": lambda: _read_sav(path, schema, self.seeds_dir),
            ".qdpx": lambda: self._read_qdpx(schema),
        }
        try:
            table = readers[path.suffix.lower()]()
        except FileProblem as problem:
            problem.file = file
            raise
        if table.details.format in ("sav", "qdpx"):
            check_header(table.header, schema, f"export the {table.details.format} file again")
        return RawFile(
            schema=schema,
            sha256=self._sha256(file),
            header=table.header,
            records=table.records,
            details=table.details,
            findings=table.findings,
        )
