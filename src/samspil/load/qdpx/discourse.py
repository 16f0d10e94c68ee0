"""The discourse strand of a REFI-QDA project: documents, segments and codings (what becomes
a row of which table, and how positions count: :mod:`samspil.load.qdpx`)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

from lxml import etree

from samspil.load.qdpx.mapping import MAPPING_FILE
from samspil.load.qdpx.project import EXPORT_AGAIN, QdpxProblem
from samspil.load.qdpx.reader import (
    HEADERS,
    NS,
    Reader,
    blank,
    counted,
    danish_date,
    guid_key,
    sources_yaml_name,
    tag,
)

_VARIABLE_COLUMNS = ("kommunekode", "document_type", "published_date", "title")
_UTF16_TOOLS = ("nvivo", "atlas.ti", "maxqda")
"""The desktop tools, by a word of their ``origin``: they keep texts as UTF-16 strings."""


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


class DiscourseReader(Reader):
    """Documents, segments and codings from a project's sources, selections and codings."""

    def read_strand(self) -> None:
        case_values: dict[str | None, list[tuple[str, dict[str, str | None]]]] = {}
        for case in self.root.iterfind(f"{NS}Cases/{NS}Case"):
            values = self.variable_values(case)
            name = case.get("name") or case.get("guid") or ""
            for reference in case.iterfind(f"{NS}SourceRef"):
                case_values.setdefault(guid_key(reference.get("targetGUID")), []).append(
                    (name, values)
                )
        self.not_read: Counter[str] = Counter()
        self.spanned = 0  # the characters of the segments' texts so far
        sources = self.root.find(f"{NS}Sources")
        for source in [] if sources is None else sources:
            kind = tag(source)
            if kind in ("TextSource", "PDFSource"):
                self.read_source(source, case_values.get(guid_key(source.get("guid")), []))
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
        if tag(source) == "PDFSource":
            text_holder = source.find(f"{NS}Representation")
        if text_holder is None:
            text, why = None, "is a PDF without a text representation (Representation)"
        else:
            text, why = self.source_text(text_holder)
        documents = self.tables["documents"]
        index = documents.add(
            line, [document_id, *(values.get(name) for name in _VARIABLE_COLUMNS), blank(text)]
        )
        if why is not None:
            documents.flag(index, "text", f"source {document_id}: {why}")
        for attribute, conflict in conflicts:
            documents.flag(index, attribute, f"source {document_id}: cases disagree: {conflict}")
        if text and (self.unit is None or self.crlf_as_one is None):
            self.check_counts(source, text)
        positions = _Positions(text or "", self.unit_name, bool(self.crlf_as_one))
        for coding in source.iterfind(f"{NS}Coding"):
            self.read_coding(
                coding, None, None, f"a coding of the whole source {document_id}, not of a text"
            )
        for area in source.iterfind(f"{NS}PDFSelection"):
            self.read_area(area, document_id)
        for selection in ([] if text_holder is None else text_holder).iterfind(
            f"{NS}PlainTextSelection"
        ):
            segment_id = self.read_selection(selection, document_id, text, positions)
            for coding in selection.iterfind(f"{NS}Coding"):
                self.read_coding(coding, selection, segment_id)

    def check_counts(self, source: etree._Element, text: str) -> None:
        """Refuse to guess how a desktop tool counted the positions in a coded text where the
        configuration does not say and the counts would differ."""
        origin = self.root.get("origin") or ""
        tool = next((name for name in _UTF16_TOOLS if name in origin.lower()), None)
        if tool is None or source.find(f".//{NS}PlainTextSelection") is None:
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
        for coding in area.iterfind(f"{NS}Coding"):
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
                self.spanned += end - start
                self.check_spanned(selection)
                segment_text = text[start:end]
        table = self.tables["segments"]
        index = table.add(
            line, [segment_id, document_id, offsets[0], offsets[1], blank(segment_text)]
        )
        if problems:
            table.flag(index, *problems[0])  # the first, as the reader found it
        return segment_id

    def check_spanned(self, selection: etree._Element) -> None:
        """Refuse a project whose segments would hold more text than one entry of the archive
        may inflate to: a segment row holds a copy of the text it spans, so selections that
        span a long text again and again would multiply a small file into gigabytes."""
        limit = self.project.limits.max_entry_bytes
        if self.spanned > limit:
            raise QdpxProblem(
                f"{self.file}: project.qde, line {selection.sourceline}: the selections up to "
                f"here span {self.spanned:,} characters of text, more than the {limit:,} the "
                f"segments of a project may hold (each segment row holds the text it spans: a "
                f"damaged or hostile project?), so it is not read; {EXPORT_AGAIN}."
            )

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
        coder_id = self.users.get(guid_key(user))
        reference = coding.find(f"{NS}CodeRef")
        target = None if reference is None else reference.get("targetGUID")
        self.code_uses[guid_key(target)] += 1
        code, why = self.study_code(target)
        stamp = coding.get("creationDateTime")
        if stamp is None and selection is not None:
            stamp = selection.get("creationDateTime")
        index = table.add(line, [segment_id, blank(coder_id), code, danish_date(stamp)])
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
        found = self.codes.get(guid_key(target))
        if found is None:
            case = self.cases.get(guid_key(target))
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
                f"sources that are not text are not loaded ({counted(self.not_read)}): only "
                "a TextSource and the text of a PDFSource are"
            )
        if not documents.records:
            holds = f" (it holds {counted(self.not_read)})" if self.not_read else ""
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
