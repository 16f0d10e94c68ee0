"""Read a REFI-QDA project (``.qdpx``) into the discourse tables (documents, segments, codings)
or, with ``strand="cases"``, the cases tables (cases, actors, episodes, episode_participants).

The result has exactly the headers and text values of the CSV exports
(docs/raw-exports.md), so the loader checks and stores them like any CSV file; the line of a
record is the line of its XML element in ``project.qde`` (the ``TextSource``, the
``PlainTextSelection``, the ``Coding``). Opening the archive, parsing ``project.qde`` and
reading source texts safely is :mod:`samspil.load.qdpxfile`'s.

The project's own codes and variables are read through the declared mapping
(:mod:`samspil.load.qdamap`, ``seeds/qda_mapping.csv``); the study's own names map to
themselves. Every code and variable that does not map is listed in ``QdpxTable.findings``
(with how many codings or values it has), and so is what the project holds where a table
comes out empty (no text source, no coded selection, no coding to a justification code).

- documents: one row per ``TextSource``, and per ``PDFSource`` through the text of its
  ``Representation`` (``document_id`` = the source's ``name``, its guid where it has none);
  kommunekode, document_type, published_date and title are ``VariableValue`` s of the source
  itself (MAXQDA's document variables) or of a ``Case`` whose ``SourceRef`` points to it (two
  cases giving one attribute different values is a problem of the row); a ``DateTimeValue``
  of a date attribute is its date in Denmark; ``text`` is the source's ``PlainTextContent`` or
  its ``plainTextPath`` text (UTF-8 with or without BOM, or UTF-16 with BOM).
- segments: one row per ``PlainTextSelection`` (``segment_id`` = its ``name``, its guid where it
  has none), with the positions as code-point offsets and ``segment_text`` the text between them.
- codings: one row per ``Coding`` (``coder_id`` = the name of the ``User`` of its
  ``creatingUser``, else of its selection's; ``justification_code`` = the study code its
  ``CodeRef`` 's code maps to, at any depth of the code tree; ``coded_date`` = the Danish date
  of its ``creationDateTime``, else its selection's).

The cases strand (mapping and why: :mod:`samspil.tools.generate.qdpx`):

- cases: one row per ``Case`` with no value of an actor attribute (``case_id`` = its ``name``;
  kommunekode, policy_area_code, case_title, start_date, end_date its ``VariableValue`` s);
- actors: one row per ``Case`` with a value of case_id, actor_type, actor_name or cvr
  (``actor_id`` = its ``name``); contact_person and contact_phone are never in a project
  (personal data), so they are no value;
- episodes: one row per ``TextSource`` (``episode_id`` = its ``name``; case_id, episode_date,
  episode_type, outcome its own ``VariableValue`` s; ``summary`` its text);
- episode_participants: one row per ``SourceRef`` of an actor's ``Case`` (the line is the
  ``SourceRef`` 's), ``episode_id`` the name of the source it points to.

Positions: see :mod:`samspil.tools.generate.qdpx` for what the standard and the tools count. The
default is the standard's: Unicode code points, ``\\r\\n`` two characters (NVivo's count).
``position_unit="utf16"`` reads UTF-16 code units and ``crlf_as_one=True`` counts ``\\r\\n`` as
one (ATLAS.ti); the source's configuration chooses (``meta: {qdpx: {...}}`` of the strand's
source in its sources YAML), the reader never guesses. Where the configuration says nothing
(None), the standard's counts are taken, except that a project from NVivo, ATLAS.ti or MAXQDA
is refused where its counts and the standard's would cut different, equally plausible
segments: a coded text with a character outside the Basic Multilingual Plane (the tools keep
text as UTF-16; a public NVivo 12.6 export counts UTF-16 code units, see the tests' qda_tools),
and, from ATLAS.ti, a coded text with ``\\r\\n``. The message says what to declare.

Problems:

- A file that cannot be read as a whole raises ``QdpxProblem``, one line naming the file once
  (see :mod:`samspil.load.qdpxfile`): not a zip, an entry that would inflate beyond the
  limits, no ``project.qde``, XML that does not parse or declares entities (with line and
  column), a root that is not ``Project`` in ``urn:QDA-XML:project:1.0``, a source text that
  is not UTF-8.
- A broken row is returned, never dropped, with a value the loader's existing checks reject, and
  listed in ``QdpxTable.problems`` as (line, column, detail) so the loader can quarantine it with
  the real reason (a row with several problems gets one, its details joined):

  - a coding to a code that is not mapped to a justification code (a code of the project's own,
    a frame of the codebook, a code declared not part of the study, a case instead of a code):
    ``justification_code`` = the project's name of the code; to a guid not in the codebook:
    ``<unknown code {guid}>`` (the guid kept for the researcher);
  - a coding whose user guid is not in ``Users`` (or that has none): ``coder_id`` empty;
  - a selection beyond its source's text, or with its end before its start, or with an end
    inside a UTF-16 surrogate pair: the positions as read (converted where they can be: past the
    end of the text one unit counts one), and ``segment_text`` empty, which the required check
    rejects; the loader rejects its codings as pointing to a rejected segment; an area of a PDF
    page (``PDFSelection``) is such a segment without positions;
  - a position that is not a whole number: kept as written (the integer check rejects it);
  - a source whose text cannot be read (not in the archive, outside the project's folder, an
    absolute path): ``text`` empty (required), the path never read;
  - a coding of a whole source, not of a selection: ``segment_id`` empty (required);
  - a participant ``SourceRef`` to a source not in the project: ``episode_id`` =
    ``<unknown source {guid}>`` (rejected by the reference check, the guid kept);
  - an episode whose text cannot be read: ``summary`` empty.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from samspil.load.archive import DEFAULT_LIMITS, ArchiveLimits
from samspil.load.qdamap import DATE_ATTRIBUTES, MAPPING_FILE, QdaMapping, read_mapping
from samspil.load.qdpxfile import EXPORT_AGAIN, NAMESPACE, Project, QdpxProblem
from samspil.paths import PROJECT_DIR

__all__ = [
    "CASE_HEADERS",
    "EXPORT_AGAIN",
    "HEADERS",
    "NAMESPACE",
    "STRANDS",
    "QdpxProblem",
    "QdpxTable",
    "read_qdpx",
]

_NS = f"{{{NAMESPACE}}}"
DANISH_TIME = ZoneInfo("Europe/Copenhagen")

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
_UTF16_TOOLS = ("nvivo", "atlas.ti", "maxqda")
"""The desktop tools, by a word of their ``origin``: they keep texts as UTF-16 strings."""


def sources_yaml_name(strand: str) -> str:
    return f"models/staging/{strand}/_{strand}__sources.yml"


@dataclass
class QdpxTable:
    header: list[str]
    records: list[tuple[int, list[str | None]]]
    issues: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Rows to quarantine, by position in ``records``: (column, detail)."""
    findings: list[str] = field(default_factory=list)
    """What the reader noticed of the table as a whole: unmapped names, why it is empty."""

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """Rows to quarantine: (XML line, column, detail)."""
        return [(self.records[index][0], *issue) for index, issue in sorted(self.issues.items())]

    def add(self, line: int, values: list[str | None]) -> int:
        self.records.append((line, values))
        return len(self.records) - 1

    def flag(self, index: int, column: str, detail: str) -> None:
        """A problem of the record at ``index``; a second one joins the first's detail."""
        if index in self.issues:
            first, earlier = self.issues[index]
            self.issues[index] = (first, f"{earlier}; {detail}")
        else:
            self.issues[index] = (column, detail)


def _guid(value: str | None) -> str | None:
    """GUIDs compare without braces and case (the schema allows ``{...}``; tools differ)."""
    return None if value is None else value.strip().strip("{}").lower()


def _blank(value: str | None) -> str | None:
    return value if value else None


def _tag(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _counted(counts: Counter[str]) -> str:
    return ", ".join(f"{count} {name}{'' if count == 1 else 's'}" for name, count in counts.items())


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


class _Reader:
    def __init__(
        self,
        project: Project,
        strand: str,
        mapping: QdaMapping,
        unit: str | None,
        crlf_as_one: bool | None,
    ) -> None:
        self.project, self.file, self.root = project, project.file, project.root
        self.strand, self.mapping, self.unit, self.crlf_as_one = strand, mapping, unit, crlf_as_one
        self.unit_name = unit or "codepoint"
        self.tables = {
            stem: QdpxTable(list(header), []) for stem, header in STRANDS[strand].items()
        }
        self.users = {
            _guid(user.get("guid")): user.get("name") or user.get("guid") or ""
            for user in self.root.iterfind(f"{_NS}Users/{_NS}User")
        }
        self.codes: dict[str | None, tuple[str, str, str, str | None]] = {}
        """guid -> (the project's name and path, how it maps, the study code)."""
        codebook = self.root.find(f"{_NS}CodeBook/{_NS}Codes")
        if codebook is not None:
            self._read_codes(codebook, "")
        self.code_uses: Counter[str | None] = Counter()
        self.cases = {
            _guid(case.get("guid")): case.get("name") or case.get("guid") or ""
            for case in self.root.iterfind(f"{_NS}Cases/{_NS}Case")
        }
        self.variables: dict[str | None, tuple[str, str, str | None]] = {}
        """guid -> (the project's name, how it maps, the attribute)."""
        for variable in self.root.iterfind(f"{_NS}Variables/{_NS}Variable"):
            name = variable.get("name") or ""
            self.variables[_guid(variable.get("guid"))] = (name, *mapping.variable(name))
        self.variable_uses: Counter[str | None] = Counter()
        # A selection's name is its segment_id only where no other selection has it (ATLAS.ti
        # and MAXQDA name selections by their first words or start, NVivo leaves them empty).
        self.selection_names = Counter(
            selection.get("name")
            for selection in self.root.iter(f"{_NS}PlainTextSelection", f"{_NS}PDFSelection")
        )
        self.source_names = Counter(
            source.get("name")
            for source in self.root.iterfind(f"{_NS}Sources/*")
            if _tag(source) in ("TextSource", "PDFSource")
        )

    def _read_codes(self, codebook: etree._Element, path: str) -> None:
        """Every code of the tree, in document order, with its path (a loop, not recursion:
        a hostile tree may nest deeper than Python recurses)."""
        paths: dict[etree._Element, str] = {codebook: path}
        for code in codebook.iter(f"{_NS}Code"):
            name = code.get("name") or ""
            parent = paths.get(code.getparent(), "")
            code_path = f"{parent}/{name}" if parent else name
            paths[code] = code_path
            how = self.mapping.code(name, code_path)
            self.codes[_guid(code.get("guid"))] = (name, code_path, *how)

    # -- attributes ------------------------------------------------------------------------
    def variable_values(self, element: etree._Element) -> dict[str, str | None]:
        """The element's values of the strand's attributes, through the mapping."""
        values: dict[str, str | None] = {}
        for holder in element.iterfind(f"{_NS}VariableValue"):
            reference = holder.find(f"{_NS}VariableRef")
            guid = _guid(None if reference is None else reference.get("targetGUID"))
            value = next((child for child in holder if child.tag in _VALUE_TAGS), None)
            self.variable_uses[guid] += 1
            variable = self.variables.get(guid)
            if variable is None or value is None or variable[1] != "mapped":
                continue
            attribute = variable[2]
            assert attribute is not None
            text = (value.text or "").strip()
            if attribute in DATE_ATTRIBUTES and value.tag == f"{_NS}DateTimeValue":
                text = _danish_date(text) or ""
            elif value.tag == f"{_NS}DateValue" and len(text) > 10:
                text = text[:10]  # xsd:date may carry a time zone: 2016-04-12Z
            values.setdefault(attribute, _blank(text))
        return values

    def source_text(self, source: etree._Element) -> tuple[str | None, str | None]:
        """The source's text, or None and why it cannot be read."""
        content = source.find(f"{_NS}PlainTextContent")
        if content is not None:
            return content.text or "", None
        location = source.get("plainTextPath")
        if location is None:
            return None, "has no text (no PlainTextContent, no plainTextPath)"
        data, why = self.project.text_bytes(location)
        if data is None:
            return None, f"its text {location!r} {why}"
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), None
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError as error:
            raise QdpxProblem(
                f"{self.file}: {location} (source {source.get('name')!r}, project.qde line "
                f"{source.sourceline}): byte {data[error.start]:#04x} at byte {error.start} is "
                f"not UTF-8, as REFI-QDA source texts must be; {EXPORT_AGAIN}."
            ) from None

    # -- the discourse strand --------------------------------------------------------------
    def read(self) -> dict[str, QdpxTable]:
        if self.strand == "cases":
            self.read_cases()
        else:
            self.read_discourse()
        self.note_unmapped()
        return self.tables

    def read_discourse(self) -> None:
        case_values: dict[str | None, list[tuple[str, dict[str, str | None]]]] = {}
        for case in self.root.iterfind(f"{_NS}Cases/{_NS}Case"):
            values = self.variable_values(case)
            name = case.get("name") or case.get("guid") or ""
            for reference in case.iterfind(f"{_NS}SourceRef"):
                case_values.setdefault(_guid(reference.get("targetGUID")), []).append(
                    (name, values)
                )
        self.not_read: Counter[str] = Counter()
        sources = self.root.find(f"{_NS}Sources")
        for source in [] if sources is None else sources:
            kind = _tag(source)
            if kind in ("TextSource", "PDFSource"):
                self.read_source(source, case_values.get(_guid(source.get("guid")), []))
            elif kind:
                self.not_read[kind] += 1
        self.note_empty_discourse()

    def read_source(
        self, source: etree._Element, cases: list[tuple[str, dict[str, str | None]]]
    ) -> None:
        line = source.sourceline or 0
        document_id = self.source_id(source)
        own = self.variable_values(source)
        values = dict(own)
        conflicts: list[tuple[str, str]] = []
        for case_name, case in cases:
            for attribute, value in case.items():
                if value is None or own.get(attribute) is not None:
                    continue  # the source's own value wins
                if values.get(attribute) is None:
                    values[attribute] = value
                elif values[attribute] != value:
                    conflicts.append(
                        (attribute, f"{attribute} {values[attribute]}, {value} ({case_name})")
                    )
        text_holder = source
        if _tag(source) == "PDFSource":
            text_holder = source.find(f"{_NS}Representation")
        if text_holder is None:
            text, why = None, "is a PDF without a text representation (Representation)"
        else:
            text, why = self.source_text(text_holder)
        documents = self.tables["documents"]
        index = documents.add(
            line, [document_id, *(values.get(name) for name in _VARIABLE_COLUMNS), _blank(text)]
        )
        if why is not None:
            documents.flag(index, "text", f"source {document_id}: {why}")
        for attribute, conflict in conflicts:
            documents.flag(index, attribute, f"source {document_id}: cases disagree: {conflict}")
        if text and (self.unit is None or self.crlf_as_one is None):
            self.check_counts(source, text)
        positions = _Positions(text or "", self.unit_name, bool(self.crlf_as_one))
        for coding in source.iterfind(f"{_NS}Coding"):
            self.read_coding(
                coding, None, None, f"a coding of the whole source {document_id}, not of a text"
            )
        for area in source.iterfind(f"{_NS}PDFSelection"):
            self.read_area(area, document_id)
        for selection in ([] if text_holder is None else text_holder).iterfind(
            f"{_NS}PlainTextSelection"
        ):
            segment_id = self.read_selection(selection, document_id, text, positions)
            for coding in selection.iterfind(f"{_NS}Coding"):
                self.read_coding(coding, selection, segment_id)

    def check_counts(self, source: etree._Element, text: str) -> None:
        """Refuse to guess how a desktop tool counted the positions in a coded text where the
        configuration does not say and the counts would differ."""
        origin = self.root.get("origin") or ""
        tool = next((name for name in _UTF16_TOOLS if name in origin.lower()), None)
        if tool is None or source.find(f".//{_NS}PlainTextSelection") is None:
            return
        settings = f"on the source {self.strand} in {sources_yaml_name(self.strand)}"
        where = f"source {source.get('name')!r} (project.qde line {source.sourceline})"
        if self.unit is None and not text.isascii() and max(text) > "\uffff":
            raise QdpxProblem(
                f"{self.file}: the project comes from {origin}, which keeps texts as UTF-16, and "
                f"the text of {where} has characters outside the Basic Multilingual Plane (an "
                f"emoji?), where UTF-16 code units and code points count differently: say which "
                f"the positions count, with meta: {{qdpx: {{position_unit: utf16}}}} (or "
                f"codepoint) {settings}."
            )
        if self.crlf_as_one is None and tool == "atlas.ti" and "\r\n" in text:
            raise QdpxProblem(
                f"{self.file}: the project comes from {origin}, which counts a line end CR LF "
                f"as one character, and the text of {where} has CR LF line ends: say how to "
                f"count them, with meta: {{qdpx: {{crlf_as_one: true}}}} (or false) {settings}."
            )

    def segment_id(self, selection: etree._Element) -> str | None:
        name = selection.get("name")
        return name if name and self.selection_names[name] == 1 else selection.get("guid")

    def source_id(self, source: etree._Element) -> str | None:
        """A source's name, or its guid where it has none or shares it (MAXQDA may export
        two documents of one name): an id that points to one text only."""
        name = source.get("name")
        return name if name and self.source_names[name] == 1 else source.get("guid")

    def read_area(self, area: etree._Element, document_id: str | None) -> None:
        """A coded area of a PDF page: a segment without a text, quarantined with its codings."""
        segment_id = self.segment_id(area)
        segments = self.tables["segments"]
        index = segments.add(area.sourceline or 0, [segment_id, document_id, None, None, None])
        segments.flag(
            index,
            "start_offset",
            f"selection {segment_id}: an area of page {area.get('page')} of the PDF "
            f"{document_id}, not a span of its text; code the PDF's text instead",
        )
        for coding in area.iterfind(f"{_NS}Coding"):
            self.read_coding(coding, area, segment_id)

    def read_selection(
        self,
        selection: etree._Element,
        document_id: str | None,
        text: str | None,
        positions: _Positions,
    ) -> str | None:
        line = selection.sourceline or 0
        segment_id = self.segment_id(selection)
        raw = [selection.get("startPosition"), selection.get("endPosition")]
        offsets: list[str | None] = list(raw)
        numbers: list[int] = []
        problems: list[tuple[str, str]] = []
        for index, (column, value) in enumerate(
            zip(("start_offset", "end_offset"), raw, strict=True)
        ):
            try:
                number = int(value.strip()) if value is not None else None
            except ValueError:
                number = None
            if number is None:
                problems.append(
                    (column, f"selection {segment_id}: position {value!r} is not a whole number")
                )
                continue
            offset, exact = positions.offset(number)
            offsets[index] = str(offset)
            numbers.append(offset)
            if not exact:
                problems.append(
                    (
                        column,
                        f"selection {segment_id}: position {number} falls "
                        "inside a character (a UTF-16 surrogate pair)",
                    )
                )
        segment_text: str | None = None
        if len(numbers) == 2 and text is not None:
            start, end = numbers
            if start < 0 or end < start:
                problems.append(
                    (
                        "start_offset",
                        f"selection {segment_id}: start {raw[0]} and end {raw[1]} "
                        "do not make a span",
                    )
                )
            elif end > len(text):
                problems.append(
                    (
                        "end_offset",
                        f"selection {segment_id}: end {raw[1]} is "
                        f"beyond the text of {document_id}, which is "
                        f"{positions.units} {self.unit_name}s long",
                    )
                )
            elif not problems:
                segment_text = text[start:end]
        table = self.tables["segments"]
        index = table.add(
            line, [segment_id, document_id, offsets[0], offsets[1], _blank(segment_text)]
        )
        if problems:
            table.flag(index, *problems[0])  # the first, as the reader found it
        return segment_id

    def read_coding(
        self,
        coding: etree._Element,
        selection: etree._Element | None,
        segment_id: str | None,
        whole: str | None = None,
    ) -> None:
        line = coding.sourceline or 0
        table = self.tables["codings"]
        user = coding.get("creatingUser")
        if user is None and selection is not None:
            user = selection.get("creatingUser")
        coder_id = self.users.get(_guid(user))
        reference = coding.find(f"{_NS}CodeRef")
        target = None if reference is None else reference.get("targetGUID")
        self.code_uses[_guid(target)] += 1
        code, why = self.study_code(target)
        stamp = coding.get("creationDateTime")
        if stamp is None and selection is not None:
            stamp = selection.get("creationDateTime")
        index = table.add(line, [segment_id, _blank(coder_id), code, _danish_date(stamp)])
        if whole is not None:
            table.flag(index, "segment_id", whole)
        if coder_id is None:
            what = "has no creatingUser" if user is None else f"is by user {user}"
            table.flag(
                index, "coder_id", f"coding {coding.get('guid')} {what}, not a user of the project"
            )
        if why is not None:
            table.flag(index, "justification_code", f"coding {coding.get('guid')} {why}")

    def study_code(self, target: str | None) -> tuple[str, str | None]:
        """The justification_code of a coding to ``target``, and why it is not one if not."""
        found = self.codes.get(_guid(target))
        if found is None:
            case = self.cases.get(_guid(target))
            if case is not None:
                return case, f"codes the text to the case {case!r}, not to a code"
            return f"<unknown code {target}>", f"points to code {target}, not in the codebook"
        name, path, how, study = found
        if how == "mapped":
            assert study is not None
            return study, None
        if how == "frame":
            return name, f"is to {path!r}, a frame of the codebook, not a justification code"
        if how == "declared":
            return name, f"is to code {path!r}, declared not part of the study in {MAPPING_FILE}"
        return name, (
            f"is to code {path!r} of the project, which is not mapped to a justification code; "
            f"map it in {MAPPING_FILE}"
        )

    # -- the cases strand ------------------------------------------------------------------
    def read_cases(self) -> None:
        episodes = self.tables["episodes"]
        source_names: dict[str | None, str | None] = {}
        for source in self.root.iterfind(f"{_NS}Sources/{_NS}TextSource"):
            line = source.sourceline or 0
            episode_id = self.source_id(source)
            source_names[_guid(source.get("guid"))] = episode_id
            values = self.variable_values(source)
            text, why = self.source_text(source)
            row = [episode_id, *(values.get(name) for name in _EPISODE_COLUMNS), _blank(text)]
            index = episodes.add(line, row)
            if why is not None and source.get("plainTextPath") is not None:
                episodes.flag(index, "summary", f"episode {episode_id}: {why}")
        participants = self.tables["episode_participants"]
        for case in self.root.iterfind(f"{_NS}Cases/{_NS}Case"):
            line = case.sourceline or 0
            name = _blank(case.get("name")) or case.get("guid")
            values = self.variable_values(case)
            if not any(values.get(column) for column in _ACTOR_COLUMNS):
                row = [name, *(values.get(column) for column in _CASE_COLUMNS)]
                self.tables["cases"].add(line, row)
                continue
            row = [name, *(values.get(column) for column in _ACTOR_COLUMNS), None, None]
            self.tables["actors"].add(line, row)
            for reference in case.iterfind(f"{_NS}SourceRef"):
                target = reference.get("targetGUID")
                episode_id = source_names.get(_guid(target))
                at = reference.sourceline or 0
                if episode_id is None:
                    index = participants.add(at, [f"<unknown source {target}>", name])
                    participants.flag(
                        index,
                        "episode_id",
                        f"actor {name} took part in source {target}, not in the project",
                    )
                else:
                    participants.add(at, [episode_id, name])
        for stem, table in self.tables.items():
            if not table.records:
                table.findings.append(
                    f"no {stem}: the project holds no element the strand reads as one "
                    f"(see docs/raw-exports.md, cases/cases.qdpx)"
                )

    # -- findings --------------------------------------------------------------------------
    def note_unmapped(self) -> None:
        """A finding for every code and variable of the project that does not map."""
        first = next(iter(self.tables.values()))
        attributes = ", ".join(self.mapping.attributes)
        for guid, (name, how, study) in self.variables.items():
            if how != "unmapped":
                continue
            also = f" (it is mapped to {study}, which the {self.strand} strand has not)"
            first.findings.append(
                f"variable {name!r} of the project ({self.variable_uses[guid]} values) is not "
                f"mapped to an attribute of the {self.strand} strand ({attributes})"
                f"{also if study else ''}: its values are not loaded; map it in {MAPPING_FILE}"
            )
        unknown = sum(
            count for guid, count in self.variable_uses.items() if guid not in self.variables
        )
        if unknown:
            first.findings.append(
                f"{unknown} variable values point to no variable of the project's Variables: "
                "not loaded"
            )
        if self.strand != "discourse":
            return
        codings = self.tables["codings"]
        for guid, (_, path, how, _) in self.codes.items():
            if how == "unmapped":
                codings.findings.append(
                    f"code {path!r} of the project ({self.code_uses[guid]} codings) is not "
                    f"mapped to a justification code: its codings are quarantined; map it in "
                    f"{MAPPING_FILE}"
                )

    def note_empty_discourse(self) -> None:
        """Why a table of the discourse strand comes out empty, from what the project holds."""
        documents, segments, codings = (self.tables[stem] for stem in HEADERS)
        shared = sorted(name for name, count in self.source_names.items() if name and count > 1)
        if shared:
            documents.findings.append(
                f"sources share a name ({', '.join(map(repr, shared))}): their document_id is "
                "their guid, so that each id points to one text"
            )
        if self.not_read:
            documents.findings.append(
                f"sources that are not text are not loaded ({_counted(self.not_read)}): only "
                "a TextSource and the text of a PDFSource are"
            )
        if not documents.records:
            holds = f" (it holds {_counted(self.not_read)})" if self.not_read else ""
            documents.findings.append(
                f"no documents: the project has no TextSource and no PDFSource{holds}; "
                f"{EXPORT_AGAIN}, with its documents"
            )
        elif not segments.records:
            segments.findings.append(
                f"no segments: none of the project's {len(documents.records)} text sources has "
                "a coded selection of its text (PlainTextSelection)"
            )
        if codings.records and len(codings.issues) == len(codings.records):
            codings.findings.append(
                f"no coding can be loaded: each of the project's {len(codings.records)} codings "
                "is to a code not mapped to a justification code, or is otherwise broken (see "
                "the rejected rows)"
            )
        elif segments.records and not codings.records:
            codings.findings.append(
                f"no codings: none of the project's {len(segments.records)} selections is coded"
            )


def read_qdpx(
    path: Path,
    *,
    file: str | None = None,
    strand: str = "discourse",
    position_unit: str | None = "codepoint",
    crlf_as_one: bool | None = False,
    mapping: QdaMapping | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> dict[str, QdpxTable]:
    """The tables of ``strand`` (``STRANDS``) in the REFI-QDA project at ``path``, keyed by stem
    (documents, segments, codings; or cases, actors, episodes, episode_participants); ``file``
    names the file in messages (default: ``path``). ``mapping`` maps the project's codes and
    variables to the study's (default: ``seeds/qda_mapping.csv`` of the project).
    ``position_unit`` and ``crlf_as_one`` None: not declared (see the module's docstring).

    Raises ``QdpxProblem`` when the file cannot be read at all.
    """
    if position_unit not in ("codepoint", "utf16", None):
        raise ValueError(f"position unit {position_unit!r}: use codepoint or utf16")
    if strand not in STRANDS:
        raise ValueError(f"strand {strand!r}: use {' or '.join(STRANDS)}")
    if mapping is None:
        mapping = read_mapping(PROJECT_DIR / "seeds", strand)
    project = Project(path, file or str(path), limits)
    try:
        return _Reader(project, strand, mapping, position_unit, crlf_as_one).read()
    finally:
        project.close()
