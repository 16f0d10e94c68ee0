"""What a REFI-QDA project's tables hold, and the reading every strand shares: the
project's users, codes, variables and source texts, and what does not map."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from lxml import etree

from samspil.load.qdpx.mapping import DATE_ATTRIBUTES, MAPPING_FILE, QdaMapping
from samspil.load.qdpx.project import EXPORT_AGAIN, NAMESPACE, Project, QdpxProblem

NS = f"{{{NAMESPACE}}}"
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
GUID_KEYED = tuple(
    f"{NS}{kind}"
    for kind in (
        "User",
        "Code",
        "Case",
        "Variable",
        "TextSource",
        "PDFSource",
        "PlainTextSelection",
        "PDFSelection",
    )
)
"""The elements the reader finds by their guid (a coding's user and code, a case's source, a
segment without a name of its own): one guid must name one of them."""
PATH_SHOWN = 1000
"""The most characters of a code's path (from the top of the code tree) a message shows and
the mapping looks up; a code deeper than that is mapped by its name."""
VALUE_TAGS = tuple(
    f"{NS}{kind}Value" for kind in ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
)


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


def code_path(parent: str, name: str, whole: bool) -> tuple[str, bool]:
    """The path of the code `name` under the code whose path is `parent`, as a message shows
    it, and whether that is the whole path (`whole`: the parent's is). A path is shown whole
    up to `PATH_SHOWN` characters; a longer one is "…/" and the last levels that fit, the
    code's own name at least. Each code's path is built from its parent's, so were every
    path whole, a tree nested a thousand deep would hold the top's name a thousand times:
    memory growing as the square of the depth."""
    if not parent:
        return name, whole
    if len(parent) + 1 + len(name) <= PATH_SHOWN:
        return f"{parent}/{name}", whole
    # The parent's last characters that fit, and the one before them: a level is kept only
    # from its start, after a "/".
    kept = parent[len(parent) - max(PATH_SHOWN - len(name) - 1, 0) - 1 :]
    cut = kept.find("/")
    return (f"…/{kept[cut + 1 :]}/{name}" if cut >= 0 else f"…/{name}"), False


def guid_key(value: str | None) -> str | None:
    """GUIDs compare without braces and case (the schema allows ``{...}``; tools differ)."""
    return None if value is None else value.strip().strip("{}").lower()


def blank(value: str | None) -> str | None:
    return value if value else None


def tag(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def counted(counts: Counter[str]) -> str:
    return ", ".join(f"{count} {name}{'' if count == 1 else 's'}" for name, count in counts.items())


def danish_date(stamp: str | None) -> str | None:
    """The date in Denmark of an ``xsd:dateTime``; one without a zone is taken as written."""
    if not stamp or not stamp.strip():
        return None
    value = stamp.strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # the loader's date check rejects it, showing the value
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(DANISH_TIME)
        except OverflowError:  # past year 9999 in Denmark (.NET's DateTime.MaxValue in UTC)
            return value  # the loader's date check rejects it, showing the value
    return moment.date().isoformat()


class Reader:
    """A project read as the tables of one strand (`STRANDS`); `read_strand` is the strand's."""

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
        self.refuse_shared_guids()
        self.tables = {
            stem: QdpxTable(list(header), []) for stem, header in STRANDS[strand].items()
        }
        self.users = {
            guid_key(user.get("guid")): user.get("name") or user.get("guid") or ""
            for user in self.root.iterfind(f"{NS}Users/{NS}User")
        }
        self.codes: dict[str | None, tuple[str, str, str, str | None]] = {}
        """guid -> (the project's name and path, how it maps, the study code)."""
        codebook = self.root.find(f"{NS}CodeBook/{NS}Codes")
        if codebook is not None:
            self._read_codes(codebook, "")
        self.code_uses: Counter[str | None] = Counter()
        self.cases = {
            guid_key(case.get("guid")): case.get("name") or case.get("guid") or ""
            for case in self.root.iterfind(f"{NS}Cases/{NS}Case")
        }
        self.variables: dict[str | None, tuple[str, str, str | None]] = {}
        """guid -> (the project's name, how it maps, the attribute)."""
        for variable in self.root.iterfind(f"{NS}Variables/{NS}Variable"):
            name = variable.get("name") or ""
            self.variables[guid_key(variable.get("guid"))] = (name, *mapping.variable(name))
        self.variable_uses: Counter[str | None] = Counter()
        # A selection's name is its segment_id only where no other selection has it (ATLAS.ti
        # and MAXQDA name selections by their first words or start, NVivo leaves them empty).
        self.selection_names = Counter(
            selection.get("name")
            for selection in self.root.iter(f"{NS}PlainTextSelection", f"{NS}PDFSelection")
        )
        self.source_names = Counter(
            source.get("name")
            for source in self.root.iterfind(f"{NS}Sources/*")
            if tag(source) in ("TextSource", "PDFSource")
        )

    def refuse_shared_guids(self) -> None:
        """Raise `QdpxProblem` where two users, codes, cases, variables, sources or selections
        share a guid: a coding pointing to it would silently go to whichever was read last."""
        seen: dict[str, etree._Element] = {}
        for element in self.root.iter(*GUID_KEYED):
            key = guid_key(element.get("guid"))
            if not key:
                continue
            first = seen.setdefault(key, element)
            if first is not element:
                raise QdpxProblem(
                    f"{self.file}: project.qde, line {element.sourceline}: the {tag(element)} "
                    f"has guid {element.get('guid')}, as has the {tag(first)} on line "
                    f"{first.sourceline}; a guid must name one thing of the project (were two "
                    f"projects merged?), or codings would go to the wrong one; {EXPORT_AGAIN}."
                )

    def _read_codes(self, codebook: etree._Element, path: str) -> None:
        """Every code of the tree, in document order, with its path as `code_path` shows it
        (a loop, not recursion: a hostile tree may nest deeper than Python recurses)."""
        paths: dict[etree._Element, tuple[str, bool]] = {codebook: (path, True)}
        for code in codebook.iter(f"{NS}Code"):
            name = code.get("name") or ""
            parent, whole = paths.get(code.getparent(), ("", True))
            shown, whole = code_path(parent, name, whole)
            paths[code] = (shown, whole)
            how = self.mapping.code(name, shown if whole else None)
            self.codes[guid_key(code.get("guid"))] = (name, shown, *how)

    # -- attributes ------------------------------------------------------------------------
    def variable_values(self, element: etree._Element) -> dict[str, str | None]:
        """The element's values of the strand's attributes, through the mapping."""
        values: dict[str, str | None] = {}
        for holder in element.iterfind(f"{NS}VariableValue"):
            reference = holder.find(f"{NS}VariableRef")
            guid = guid_key(None if reference is None else reference.get("targetGUID"))
            value = next((child for child in holder if child.tag in VALUE_TAGS), None)
            self.variable_uses[guid] += 1
            variable = self.variables.get(guid)
            if variable is None or value is None or variable[1] != "mapped":
                continue
            attribute = variable[2]
            assert attribute is not None
            text = (value.text or "").strip()
            if attribute in DATE_ATTRIBUTES and value.tag == f"{NS}DateTimeValue":
                text = danish_date(text) or ""
            elif value.tag == f"{NS}DateValue" and len(text) > 10:
                text = text[:10]  # xsd:date may carry a time zone: 2016-04-12Z
            values.setdefault(attribute, blank(text))
        return values

    def source_text(self, source: etree._Element) -> tuple[str | None, str | None]:
        """The source's text, or None and why it cannot be read."""
        content = source.find(f"{NS}PlainTextContent")
        if content is not None:
            return self.project.inline_text(content), None
        location = source.get("plainTextPath")
        if location is None:
            return None, "has no text (no PlainTextContent, no plainTextPath)"
        data, why = self.project.text_bytes(
            location, f"source {source.get('name')!r} (project.qde line {source.sourceline})"
        )
        if data is None:
            return None, f"its text {location!r} {why}"
        where = f"{location} (source {source.get('name')!r}, project.qde line {source.sourceline})"
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise QdpxProblem(
                    f"{self.file}: {where}: byte {data[error.start]:#04x} at byte {error.start} "
                    f"is not UTF-8, as REFI-QDA source texts must be; {EXPORT_AGAIN}."
                ) from None
        if "\x00" in text:
            raise QdpxProblem(
                f"{self.file}: {where}: a NUL character at character {text.index(chr(0))}, so "
                f"this is no plain text (UTF-16 without a byte-order mark?), as REFI-QDA source "
                f"texts must be; {EXPORT_AGAIN}."
            )
        return text, None

    def read(self) -> dict[str, QdpxTable]:
        self.read_strand()
        self.note_unmapped()
        return self.tables

    def read_strand(self) -> None:
        raise NotImplementedError

    def source_id(self, source: etree._Element) -> str | None:
        """A source's name, or its guid where it has none or shares it (MAXQDA may export
        two documents of one name): an id that points to one text only."""
        name = source.get("name")
        return name if name and self.source_names[name] == 1 else source.get("guid")

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
