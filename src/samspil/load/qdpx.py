"""Read a REFI-QDA project (``.qdpx``) into the discourse tables (documents, segments, codings)
or, with ``strand="cases"``, the cases tables (cases, actors, episodes, episode_participants).

The result has exactly the headers and text values of the CSV exports
(docs/raw-exports.md), so the loader checks and stores them like any CSV file; the line of a
record is the line of its XML element in ``project.qde`` (the ``TextSource``, the
``PlainTextSelection``, the ``Coding``).

- documents: one row per ``TextSource`` (``document_id`` = its ``name``); kommunekode,
  document_type, published_date and title are ``VariableValue`` s of the source itself (MAXQDA's
  document variables) or of a ``Case`` whose ``SourceRef`` points to it; ``text`` is the source's
  ``PlainTextContent`` or its ``plainTextPath`` file (``internal://`` in ``sources/`` or
  ``Sources/``, UTF-8 with or without BOM, or UTF-16 with BOM).
- segments: one row per ``PlainTextSelection`` (``segment_id`` = its ``name``, its guid where it
  has none), with the positions as code-point offsets and ``segment_text`` the text between them.
- codings: one row per ``Coding`` (``coder_id`` = the name of the ``User`` of its
  ``creatingUser``, else of its selection's; ``justification_code`` = the name of the code its
  ``CodeRef`` points to, at any depth of the code tree; ``coded_date`` = the Danish date of its
  ``creationDateTime``, else its selection's).

The cases strand (mapping and why: :mod:`samspil.generate.qdpx`):

- cases: one row per ``Case`` with no value of an actor variable (``case_id`` = its ``name``;
  kommunekode, policy_area_code, case_title, start_date, end_date its ``VariableValue`` s);
- actors: one row per ``Case`` with a value of case_id, actor_type, actor_name or cvr
  (``actor_id`` = its ``name``); contact_person and contact_phone are never in a project
  (personal data), so they are no value;
- episodes: one row per ``TextSource`` (``episode_id`` = its ``name``; case_id, episode_date,
  episode_type, outcome its own ``VariableValue`` s; ``summary`` its text);
- episode_participants: one row per ``SourceRef`` of an actor's ``Case`` (the line is the
  ``SourceRef`` 's), ``episode_id`` the name of the source it points to.

Positions: see :mod:`samspil.generate.qdpx` for what the standard and the tools count. The
default is the standard's: Unicode code points, ``\\r\\n`` two characters (NVivo's count).
``position_unit="utf16"`` reads UTF-16 code units and ``crlf_as_one=True`` counts ``\\r\\n`` as
one (ATLAS.ti); the source's configuration chooses, the reader never guesses.

Problems:

- A file that cannot be read as a whole raises ``QdpxProblem``, one line naming the file: not a
  zip, no ``project.qde``, XML that does not parse (with line and column), a root that is not
  ``Project`` in ``urn:QDA-XML:project:1.0``, a source text that is not UTF-8.
- A broken row is returned, never dropped, with a value the loader's existing checks reject, and
  listed in ``QdpxTable.problems`` as (line, column, detail) so the loader can quarantine it with
  the real reason:

  - a coding whose code guid is not in the codebook: ``justification_code`` =
    ``<unknown code {guid}>`` (rejected by the seed check, the guid kept for the researcher);
  - a coding whose user guid is not in ``Users`` (or that has none): ``coder_id`` empty, since
    coder_id is checked only for being present (``<unknown user {guid}>`` would be loaded);
  - a selection beyond its source's text, or with its end before its start, or with an end
    inside a UTF-16 surrogate pair: the positions as read (converted where they can be: past the
    end of the text one unit counts one), so a dbt test on offsets catches them too, and
    ``segment_text`` empty, which the required check rejects; the loader rejects its codings as
    pointing to a rejected segment;
  - a position that is not a whole number: kept as written (the integer check rejects it);
  - a source whose text cannot be found: ``text`` empty (required);
  - a coding of a whole source, not of a selection: ``segment_id`` empty (required);
  - a participant ``SourceRef`` to a source not in the project: ``episode_id`` =
    ``<unknown source {guid}>`` (rejected by the reference check, the guid kept);
  - an episode whose text file is named but missing: ``summary`` empty.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

__all__ = [
    "CASE_HEADERS",
    "HEADERS",
    "NAMESPACE",
    "STRANDS",
    "QdpxProblem",
    "QdpxTable",
    "read_qdpx",
]

NAMESPACE = "urn:QDA-XML:project:1.0"
_NS = f"{{{NAMESPACE}}}"
DANISH_TIME = ZoneInfo("Europe/Copenhagen")
EXPORT_AGAIN = "export the project again from the QDA tool (File > Export > REFI-QDA project)"

HEADERS: dict[str, list[str]] = {
    "documents": ["document_id", "kommunekode", "document_type", "published_date", "title", "text"],
    "segments": ["segment_id", "document_id", "start_offset", "end_offset", "segment_text"],
    "codings": ["segment_id", "coder_id", "justification_code", "coded_date"],
}
CASE_HEADERS: dict[str, list[str]] = {
    "cases": ["case_id", "kommunekode", "policy_area_code", "case_title", "start_date", "end_date"],
    "actors": [
        "actor_id",
        "case_id",
        "actor_type",
        "actor_name",
        "cvr",
        "contact_person",
        "contact_phone",
    ],
    "episodes": ["episode_id", "case_id", "episode_date", "episode_type", "outcome", "summary"],
    "episode_participants": ["episode_id", "actor_id"],
}
STRANDS: dict[str, dict[str, list[str]]] = {"discourse": HEADERS, "cases": CASE_HEADERS}
"""The tables a project of each strand holds, with their headers."""
_VARIABLE_COLUMNS = ("kommunekode", "document_type", "published_date", "title")
_CASE_COLUMNS = ("kommunekode", "policy_area_code", "case_title", "start_date", "end_date")
_ACTOR_COLUMNS = ("case_id", "actor_type", "actor_name", "cvr")
_EPISODE_COLUMNS = ("case_id", "episode_date", "episode_type", "outcome")
_VALUE_TAGS = tuple(
    f"{_NS}{kind}Value" for kind in ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
)


class QdpxProblem(Exception):
    """A .qdpx file that cannot be read at all; the message is one line for the user."""


@dataclass
class QdpxTable:
    header: list[str]
    records: list[tuple[int, list[str | None]]]
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    """Rows to quarantine: (XML line, column, detail)."""


def _guid(value: str | None) -> str | None:
    """GUIDs compare without braces and case (the schema allows ``{...}``; tools differ)."""
    return None if value is None else value.strip().strip("{}").lower()


def _blank(value: str | None) -> str | None:
    return value if value else None


class _Positions:
    """Converts positions in the file's unit to code-point offsets of one text."""

    def __init__(self, text: str, unit: str, crlf_as_one: bool) -> None:
        self.length = len(text)
        self.bounds: list[int] | None = None
        wide = unit == "utf16" and not text.isascii() and max(text) > "\uffff"
        crlf = crlf_as_one and "\r\n" in text
        if wide or crlf:
            bounds = [0] * (len(text) + 1)
            total = 0
            for index, char in enumerate(text):
                if char == "\r" and crlf and text.startswith("\n", index + 1):
                    width = 0
                else:
                    width = 2 if wide and char > "\uffff" else 1
                total += width
                bounds[index + 1] = total
            self.bounds = bounds

    @property
    def units(self) -> int:
        return self.length if self.bounds is None else self.bounds[-1]

    def offset(self, position: int) -> tuple[int, bool]:
        """The code-point offset, and whether it falls on a character boundary."""
        if self.bounds is None or position < 0:
            return position, True
        if position > self.bounds[-1]:
            return self.length + position - self.bounds[-1], True
        index = bisect_left(self.bounds, position)
        return index, self.bounds[index] == position


class _Reader:
    def __init__(self, path: Path, file: str, strand: str, unit: str, crlf_as_one: bool) -> None:
        if unit not in ("codepoint", "utf16"):
            raise ValueError(f"position unit {unit!r}: use codepoint or utf16")
        if strand not in STRANDS:
            raise ValueError(f"strand {strand!r}: use {' or '.join(STRANDS)}")
        self.path, self.file, self.unit, self.crlf_as_one = path, file, unit, crlf_as_one
        self.strand = strand
        self.tables = {
            stem: QdpxTable(list(header), []) for stem, header in STRANDS[strand].items()
        }

    # -- the archive -----------------------------------------------------------------------
    def open(self) -> tuple[zipfile.ZipFile, etree._Element]:
        file = self.file
        if not self.path.is_file():
            raise QdpxProblem(f"{file}: file not found.")
        try:
            archive = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise QdpxProblem(
                f"{file}: not a zip file, so not a REFI-QDA project (.qdpx); {EXPORT_AGAIN}."
            ) from None
        names = archive.namelist()
        self.entries = {name.lower(): name for name in names}
        if "project.qde" not in names:
            others = [name for name in names if name.lower().endswith(".qde")]
            found = f" (it holds {', '.join(others)})" if others else ""
            raise QdpxProblem(
                f"{file}: the zip has no project.qde at its top level{found}, so it is not a "
                f"REFI-QDA project; {EXPORT_AGAIN}."
            )
        data = archive.read("project.qde")
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
        )
        try:
            root = etree.parse(io.BytesIO(data), parser).getroot()
        except etree.XMLSyntaxError as error:
            line, column = error.position
            message = str(error.msg).split(", line ")[0]
            raise QdpxProblem(
                f"{file}: project.qde, line {line}, column {column}: the XML does not parse "
                f"({message}); {EXPORT_AGAIN}."
            ) from None
        qname = etree.QName(root)
        if qname.namespace != NAMESPACE or qname.localname != "Project":
            found = f"in namespace {qname.namespace}" if qname.namespace else "in no namespace"
            raise QdpxProblem(
                f"{file}: project.qde, line {root.sourceline}: the root element is "
                f"{qname.localname} {found}, not Project in {NAMESPACE} (REFI-QDA project 1.0); "
                f"{EXPORT_AGAIN}."
            )
        self.base_path = root.get("basePath")
        return archive, root

    def source_text(self, archive: zipfile.ZipFile, source: etree._Element) -> str | None:
        content = source.find(f"{_NS}PlainTextContent")
        if content is not None:
            return content.text or ""
        location = source.get("plainTextPath")
        if location is None:
            return None
        scheme, _, rest = location.partition("://")
        data: bytes | None = None
        if scheme == "internal":
            entry = self.entries.get(f"sources/{rest}".lower())
            data = None if entry is None else archive.read(entry)
        elif scheme in ("relative", "absolute"):
            if scheme == "relative":
                base = Path(self.base_path) if self.base_path else self.path.parent
                candidate = base / rest.lstrip("/")
            else:
                candidate = Path(rest)
            data = candidate.read_bytes() if candidate.is_file() else None
        if data is None:
            return None
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise QdpxProblem(
                f"{self.file}: {location} (source {source.get('name')!r}, project.qde line "
                f"{source.sourceline}): byte {data[error.start]:#04x} at byte {error.start} is "
                f"not UTF-8, as REFI-QDA source texts must be; {EXPORT_AGAIN}."
            ) from None

    # -- the project -----------------------------------------------------------------------
    def read(self) -> dict[str, QdpxTable]:
        archive, root = self.open()
        with archive:
            self.users = {
                _guid(user.get("guid")): user.get("name") or user.get("guid") or ""
                for user in root.iterfind(f"{_NS}Users/{_NS}User")
            }
            self.codes = {
                _guid(code.get("guid")): code.get("name") or ""
                for code in root.iterfind(f"{_NS}CodeBook//{_NS}Code")
            }
            self.variables = {
                _guid(variable.get("guid")): variable.get("name") or ""
                for variable in root.iterfind(f"{_NS}Variables/{_NS}Variable")
            }
            if self.strand == "cases":
                self.read_cases(archive, root)
                return self.tables
            case_values: dict[str | None, dict[str, str | None]] = {}
            for case in root.iterfind(f"{_NS}Cases/{_NS}Case"):
                values = self.variable_values(case)
                for reference in case.iterfind(f"{_NS}SourceRef"):
                    case_values.setdefault(_guid(reference.get("targetGUID")), values)
            for source in root.iterfind(f"{_NS}Sources/{_NS}TextSource"):
                self.read_source(archive, source, case_values.get(_guid(source.get("guid")), {}))
        return self.tables

    def read_cases(self, archive: zipfile.ZipFile, root: etree._Element) -> None:
        episodes = self.tables["episodes"]
        source_names: dict[str | None, str | None] = {}
        for source in root.iterfind(f"{_NS}Sources/{_NS}TextSource"):
            line = source.sourceline or 0
            episode_id = _blank(source.get("name")) or source.get("guid")
            source_names[_guid(source.get("guid"))] = episode_id
            values = self.variable_values(source)
            text = self.source_text(archive, source)
            if text is None and source.get("plainTextPath") is not None:
                episodes.problems.append(
                    (
                        line,
                        "summary",
                        f"episode {episode_id}: its text {source.get('plainTextPath')!r} "
                        "is not in the project",
                    )
                )
            row = [episode_id, *(values.get(name) for name in _EPISODE_COLUMNS), _blank(text)]
            episodes.records.append((line, row))
        participants = self.tables["episode_participants"]
        for case in root.iterfind(f"{_NS}Cases/{_NS}Case"):
            line = case.sourceline or 0
            name = _blank(case.get("name")) or case.get("guid")
            values = self.variable_values(case)
            if not any(values.get(column) for column in _ACTOR_COLUMNS):
                row = [name, *(values.get(column) for column in _CASE_COLUMNS)]
                self.tables["cases"].records.append((line, row))
                continue
            row = [name, *(values.get(column) for column in _ACTOR_COLUMNS), None, None]
            self.tables["actors"].records.append((line, row))
            for reference in case.iterfind(f"{_NS}SourceRef"):
                target = reference.get("targetGUID")
                episode_id = source_names.get(_guid(target))
                if episode_id is None:
                    episode_id = f"<unknown source {target}>"
                    participants.problems.append(
                        (
                            reference.sourceline or 0,
                            "episode_id",
                            f"actor {name} took part in source {target}, not in the project",
                        )
                    )
                participants.records.append((reference.sourceline or 0, [episode_id, name]))

    def variable_values(self, element: etree._Element) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for holder in element.iterfind(f"{_NS}VariableValue"):
            reference = holder.find(f"{_NS}VariableRef")
            name = self.variables.get(
                _guid(None if reference is None else reference.get("targetGUID"))
            )
            value = next((child for child in holder if child.tag in _VALUE_TAGS), None)
            if name is None or value is None:
                continue
            text = (value.text or "").strip()
            if value.tag == f"{_NS}DateValue" and len(text) > 10:
                text = text[:10]  # xsd:date may carry a time zone: 2016-04-12Z
            values[name] = _blank(text)
        return values

    def read_source(
        self, archive: zipfile.ZipFile, source: etree._Element, case: dict[str, str | None]
    ) -> None:
        line = source.sourceline or 0
        document_id = _blank(source.get("name")) or source.get("guid")
        values = {**case, **self.variable_values(source)}
        text = self.source_text(archive, source)
        documents = self.tables["documents"]
        if text is None:
            documents.problems.append(
                (
                    line,
                    "text",
                    f"source {document_id}: its text {source.get('plainTextPath')!r} "
                    "is not in the project",
                )
            )
        documents.records.append(
            (
                line,
                [document_id, *(values.get(name) for name in _VARIABLE_COLUMNS), _blank(text)],
            )
        )
        positions = _Positions(text or "", self.unit, self.crlf_as_one)
        for coding in source.iterfind(f"{_NS}Coding"):
            self.read_coding(coding, None, None)
            self.tables["codings"].problems.append(
                (
                    coding.sourceline or 0,
                    "segment_id",
                    f"a coding of the whole source {document_id}, not of a text selection",
                )
            )
        for selection in source.iterfind(f"{_NS}PlainTextSelection"):
            segment_id = self.read_selection(selection, document_id, text, positions)
            for coding in selection.iterfind(f"{_NS}Coding"):
                self.read_coding(coding, selection, segment_id)

    def read_selection(
        self,
        selection: etree._Element,
        document_id: str | None,
        text: str | None,
        positions: _Positions,
    ) -> str | None:
        line = selection.sourceline or 0
        segment_id = _blank(selection.get("name")) or selection.get("guid")
        table = self.tables["segments"]
        raw = [selection.get("startPosition"), selection.get("endPosition")]
        offsets: list[str | None] = list(raw)
        numbers: list[int] = []
        problem: tuple[str, str] | None = None
        for index, (column, value) in enumerate(
            zip(("start_offset", "end_offset"), raw, strict=True)
        ):
            try:
                number = int(value.strip()) if value is not None else None
            except ValueError:
                number = None
            if number is None:
                problem = problem or (
                    column,
                    f"selection {segment_id}: position {value!r} is not a whole number",
                )
                continue
            offset, exact = positions.offset(number)
            offsets[index] = str(offset)
            numbers.append(offset)
            if not exact:
                problem = problem or (
                    column,
                    f"selection {segment_id}: position {number} falls "
                    "inside a character (a UTF-16 surrogate pair)",
                )
        segment_text: str | None = None
        if len(numbers) == 2 and text is not None:
            start, end = numbers
            if start < 0 or end < start:
                problem = problem or (
                    "start_offset",
                    f"selection {segment_id}: start {raw[0]} and end {raw[1]} do not make a span",
                )
            elif end > len(text):
                problem = problem or (
                    "end_offset",
                    f"selection {segment_id}: end {raw[1]} is "
                    f"beyond the text of {document_id}, which is "
                    f"{positions.units} {self.unit}s long",
                )
            elif problem is None:
                segment_text = text[start:end]
        if problem is not None:
            table.problems.append((line, *problem))
        table.records.append(
            (line, [segment_id, document_id, offsets[0], offsets[1], _blank(segment_text)])
        )
        return segment_id

    def read_coding(
        self, coding: etree._Element, selection: etree._Element | None, segment_id: str | None
    ) -> None:
        line = coding.sourceline or 0
        table = self.tables["codings"]
        user = coding.get("creatingUser")
        if user is None and selection is not None:
            user = selection.get("creatingUser")
        coder_id = self.users.get(_guid(user))
        if coder_id is None:
            what = "has no creatingUser" if user is None else f"is by user {user}"
            table.problems.append(
                (line, "coder_id", f"coding {coding.get('guid')} {what}, not a user of the project")
            )
        reference = coding.find(f"{_NS}CodeRef")
        target = None if reference is None else reference.get("targetGUID")
        code = self.codes.get(_guid(target))
        if code is None:
            code = f"<unknown code {target}>"
            table.problems.append(
                (
                    line,
                    "justification_code",
                    f"coding {coding.get('guid')} points to code {target}, not in the codebook",
                )
            )
        stamp = coding.get("creationDateTime")
        if stamp is None and selection is not None:
            stamp = selection.get("creationDateTime")
        table.records.append((line, [segment_id, _blank(coder_id), code, _danish_date(stamp)]))


def _danish_date(stamp: str | None) -> str | None:
    """The date in Denmark of an ``xsd:dateTime``; one without a zone is taken as written."""
    if not stamp or not stamp.strip():
        return None
    value = stamp.strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # the loader's date check rejects it, showing the value
    if moment.tzinfo is not None:
        moment = moment.astimezone(DANISH_TIME)
    return moment.date().isoformat()


def read_qdpx(
    path: Path,
    *,
    file: str | None = None,
    strand: str = "discourse",
    position_unit: str = "codepoint",
    crlf_as_one: bool = False,
) -> dict[str, QdpxTable]:
    """The tables of ``strand`` (``STRANDS``) in the REFI-QDA project at ``path``, keyed by stem
    (documents, segments, codings; or cases, actors, episodes, episode_participants); ``file``
    names the file in messages (default: ``path``).

    Raises ``QdpxProblem`` when the file cannot be read at all.
    """
    return _Reader(path, file or str(path), strand, position_unit, crlf_as_one).read()
