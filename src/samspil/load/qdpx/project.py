"""Open a REFI-QDA project (``.qdpx``) safely: its ``project.qde`` and its source texts.

- The zip is checked before anything is inflated, and every entry read in chunks within
  :class:`samspil.load.archive.ArchiveLimits` (a zip bomb is refused in one line, memory
  flat).
- ``project.qde`` is parsed as it is inflated; entities are never expanded or fetched: a
  DOCTYPE that declares an entity or names an external DTD is refused with its line and
  column (an unexpanded entity would silently cut a value short), an undeclared entity is a
  parse error, and the nesting of entities that would blow up ("billion laughs") is refused
  by libxml2's amplification limit.
- A source's text is read only from inside the archive (``internal://``, in ``sources/`` or
  ``Sources/``) or from the folder the ``.qdpx`` file is in (``relative://``, never outside it:
  ``..`` and symbolic links that leave it are refused; the project's ``basePath``, a folder
  of the machine that exported it, is not used). ``absolute://`` paths are refused, never
  read.
- A source text is read for one source only: another source naming the same text is
  quarantined, as rows holding one text for every source that names it would multiply
  a small file into gigabytes (docs/performance.md).
- A source's text inline in ``project.qde`` keeps its line ends as written, though the XML
  parser reads a CR LF as one LF (see :meth:`Project.inline_text`).
- An attribute, and a variable's value (``TextValue`` …), has at most ``VALUE_LIMIT``
  characters: rows refer to a user, code, case, source or selection by its guid and each
  repeats its name (a document row its case's values), so one long name in a small file
  would multiply into gigabytes (docs/performance.md).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.parsers import expat

from lxml import etree

from samspil.load.archive import (
    CHUNK,
    ArchiveLimits,
    ArchiveProblem,
    check_directory,
    entry_chunks,
    read_entry,
)

__all__ = ["EXPORT_AGAIN", "NAMESPACE", "Project", "QdpxProblem"]

NAMESPACE = "urn:QDA-XML:project:1.0"
EXPORT_AGAIN = "export the project again from the QDA tool (File > Export > REFI-QDA project)"
PROJECT_ENTRY = "project.qde"
VALUE_LIMIT = 1000
"""The most characters of an attribute's value, or of a variable's value, in ``project.qde``:
far more than a name a QDA tool gives a code, user, case or source, a source text's relative
path, or a title."""


class QdpxProblem(Exception):
    """A .qdpx file that cannot be read at all; the message is one line for the user."""


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


class _Chunks:
    """A file-like view of an entry's chunks, so lxml parses it as it is inflated; the first
    chunk is kept (the prolog, where a DOCTYPE is) to place what the parser reports, and
    whether any chunk holds a carriage return is noted (see `Project.inline_text`)."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self.first = b""
        self.carriage_return = False

    def read(self, _size: int = -1) -> bytes:
        chunk = next(self._chunks, b"")
        if not self.first:
            self.first = chunk
        self.carriage_return = self.carriage_return or b"\r" in chunk
        return chunk


def _line_end_bytes(prolog: bytes) -> tuple[bytes, bytes]:
    """CR and LF as the XML at hand writes them: two bytes each in UTF-16 (known by its
    byte-order mark), one byte in UTF-8 and the other encodings lxml and expat read."""
    codec = "utf-8"
    if prolog.startswith(b"\xff\xfe"):
        codec = "utf-16-le"
    elif prolog.startswith(b"\xfe\xff"):
        codec = "utf-16-be"
    return "\r".encode(codec), "\n".encode(codec)


class Project:
    """The parsed ``project.qde`` of a ``.qdpx`` file and the way to its source texts."""

    def __init__(self, path: Path, file: str, limits: ArchiveLimits) -> None:
        self.path, self.file, self.limits = path, file, limits
        if not path.is_file():
            raise QdpxProblem(f"{file}: file not found.")
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError):
            raise QdpxProblem(
                f"{file}: not a zip file, so not a REFI-QDA project (.qdpx); {EXPORT_AGAIN}."
            ) from None
        self.carriage_return = False
        self._line_ends = (b"\r", b"\n")
        self._as_written: dict[int, tuple[str, str]] | None = None
        self._inline: dict[etree._Element, int] = {}
        self._text_of: dict[tuple[str, str], str] = {}
        """The source each text was read for, by its entry or file."""
        try:
            self.root = self._parse()
        except BaseException:
            self.archive.close()
            raise

    def close(self) -> None:
        self.archive.close()

    def _problem(self, error: ArchiveProblem) -> QdpxProblem:
        return QdpxProblem(str(error))

    def _parse(self) -> etree._Element:
        file, archive = self.file, self.archive
        try:
            check_directory(archive, file, EXPORT_AGAIN, self.limits)
        except ArchiveProblem as error:
            raise self._problem(error) from None
        names = archive.namelist()
        self.entries = {name.lower(): name for name in names}
        if PROJECT_ENTRY not in names:
            others = [name for name in names if name.lower().endswith(".qde")]
            found = f" (it holds {', '.join(others)})" if others else ""
            remedy = EXPORT_AGAIN
            if len(others) == 1 and "/" not in others[0]:
                # ATLAS.ti 26 names the file after the project (REFI-QDA 1.5 says project.qde).
                remedy = f"rename {others[0]} to project.qde inside the zip, or {EXPORT_AGAIN}"
            raise QdpxProblem(
                f"{file}: the zip has no project.qde at its top level{found}, so it is not a "
                f"REFI-QDA project; {remedy}."
            )
        source = _Chunks(
            entry_chunks(archive, archive.getinfo(PROJECT_ENTRY), file, EXPORT_AGAIN, self.limits)
        )
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,
            remove_comments=True,
        )
        try:
            tree = etree.parse(source, parser)
        except ArchiveProblem as error:
            raise self._problem(error) from None
        except etree.XMLSyntaxError as error:
            line, column = error.position
            message = str(error.msg).split(", line ")[0]
            raise QdpxProblem(
                f"{file}: project.qde, line {line}, column {column}: the XML does not parse "
                f"({message}); {EXPORT_AGAIN}."
            ) from None
        self._refuse_entities(tree, source.first)
        self.carriage_return = source.carriage_return
        self._line_ends = _line_end_bytes(source.first)
        root = tree.getroot()
        qname = etree.QName(root)
        if qname.namespace != NAMESPACE or qname.localname != "Project":
            found = f"in namespace {qname.namespace}" if qname.namespace else "in no namespace"
            raise QdpxProblem(
                f"{file}: project.qde, line {root.sourceline}: the root element is "
                f"{qname.localname} {found}, not Project in {NAMESPACE} (REFI-QDA project 1.0); "
                f"{EXPORT_AGAIN}."
            )
        self._refuse_long_values(root)
        return root

    def _refuse_long_values(self, root: etree._Element) -> None:
        """Refuse an attribute, or a variable's value, longer than ``VALUE_LIMIT`` (see the
        module docstring)."""
        for element in root.iter(etree.Element):
            kind = etree.QName(element).localname
            values = list(element.attrib.items())
            if kind.endswith("Value") and element.text:
                values.append(("text", element.text))
            for name, value in values:
                if len(value) > VALUE_LIMIT:
                    raise QdpxProblem(
                        f"{self.file}: project.qde, line {element.sourceline}: the {kind}'s "
                        f"{name} has {len(value):,} characters, more than the {VALUE_LIMIT:,} a "
                        f"value of the project may have (every row referring to it would repeat "
                        f"it: a damaged or hostile project?), so it is not read; {EXPORT_AGAIN}."
                    )

    def _refuse_entities(self, tree: etree._ElementTree, prolog: bytes) -> None:
        """Refuse a DOCTYPE that declares entities or names an external DTD, and any entity
        left unexpanded in the tree: the reader never expands one, so a value using it would
        be cut short where it stands."""
        info = tree.docinfo
        dtd = info.internalDTD
        entities = [] if dtd is None else [entity.name for entity in dtd.iterentities()]
        if entities:
            what, offset = f"declares the entity {entities[0]!r}", prolog.find(b"<!ENTITY")
        elif info.system_url or info.public_id:
            external = info.system_url or info.public_id
            what, offset = f"names an external DTD ({external})", prolog.find(b"<!DOCTYPE")
        else:
            reference = next(tree.getroot().iter(etree.Entity), None)
            if reference is None:
                return
            raise QdpxProblem(
                f"{self.file}: project.qde, line {reference.sourceline}: the entity reference "
                f"{reference.text} is not expanded, so its value would be cut short there; "
                f"REFI-QDA projects use none: {EXPORT_AGAIN}."
            )
        where = ""
        if offset >= 0:
            line, column = _line_and_column(prolog, offset)
            where = f", line {line}, column {column}"
        raise QdpxProblem(
            f"{self.file}: project.qde{where}: the XML {what}; REFI-QDA projects use none and "
            f"the reader expands none (a value using one would be cut short), so it is not "
            f"read; {EXPORT_AGAIN}."
        )

    def inline_text(self, content: etree._Element) -> str:
        """The text of a ``PlainTextContent`` element with its line ends as written.

        An XML parser turns every CR LF (and lone CR) written in a text into one LF, so a
        source's text inline in ``project.qde`` would lose the CR that its text file, read
        byte for byte, keeps; the standard counts positions in the source's text (REFI-QDA
        1.5, 10.2: Unicode code points from 0), and the tool that wrote CR LF counted it
        there as it counts it in a file (two, or one where the source says ``crlf_as_one``).
        So where ``project.qde`` holds a carriage return at all, it is read once more, with
        expat, which says where in the bytes each line end of a text stood."""
        text = content.text or ""
        if not self.carriage_return or "\n" not in text:
            return text
        if self._as_written is None:
            contents = self.root.iter(f"{{{NAMESPACE}}}PlainTextContent")
            self._inline = {element: number for number, element in enumerate(contents)}
            self._as_written = self._inline_texts_as_written()
        written = self._as_written.get(self._inline[content])
        # What expat read must be what lxml read, or the line ends are not this text's.
        if written is None or written[0] != text:
            raise QdpxProblem(
                f"{self.file}: project.qde, line {content.sourceline}: the line ends of this "
                f"PlainTextContent cannot be told as written, so its positions cannot be "
                f"counted; {EXPORT_AGAIN}, with its sources as files."
            )
        return written[1]

    def _inline_texts_as_written(self) -> dict[int, tuple[str, str]]:
        """Every ``PlainTextContent`` text up to its first child element (as lxml's ``text``),
        by its number in document order: as the parser reads it, and with its line ends as
        written (a CR LF or a CR where the bytes have one; a character reference, ``&#13;``
        or ``&#10;``, is the character it names either way)."""
        name = f"{NAMESPACE} PlainTextContent"
        cr, lf = self._line_ends
        texts: dict[int, tuple[str, str]] = {}
        parsed: list[str] = []
        written: list[str] = []
        count, inside, nested, stopped = -1, False, 0, False
        window, base = b"", 0  # the bytes inflated last, and where they start in the entry
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = False  # each line end is then a piece of its own, with its place

        def start(tag: str, _attributes: dict[str, str]) -> None:
            nonlocal count, inside, nested, stopped
            if inside:
                nested, stopped = nested + 1, True
            elif tag == name:
                count, inside, nested, stopped = count + 1, True, 0, False
                parsed.clear()
                written.clear()

        def end(_tag: str) -> None:
            nonlocal inside, nested
            if not inside:
                return
            if nested:
                nested -= 1
                return
            texts[count] = ("".join(parsed), "".join(written))
            inside = False

        def data(piece: str) -> None:
            if not inside or stopped:
                return
            parsed.append(piece)
            if piece == "\n":
                at = parser.CurrentByteIndex - base
                if window.startswith(cr, at):
                    piece = "\r\n" if window.startswith(lf, at + len(cr)) else "\r"
            written.append(piece)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        info = self.archive.getinfo(PROJECT_ENTRY)
        previous, offset = b"", 0
        try:
            for chunk in entry_chunks(self.archive, info, self.file, EXPORT_AGAIN, self.limits):
                # The chunk before is kept too: expat reports a line end at the end of one
                # chunk only when it has seen the next.
                window, base = previous + chunk, offset - len(previous)
                parser.Parse(chunk, False)
                previous, offset = chunk, offset + len(chunk)
            parser.Parse(b"", True)
        except ArchiveProblem as error:
            raise self._problem(error) from None
        except expat.ExpatError as error:
            raise QdpxProblem(
                f"{self.file}: project.qde, line {error.lineno}, column {error.offset + 1}: the "
                f"XML does not parse ({expat.ErrorString(error.code)}); {EXPORT_AGAIN}."
            ) from None
        return texts

    def _read_before(self, text: tuple[str, str], source: str) -> str | None:
        """Why `source` does not get the text `text` (an entry or file): it was read for
        another source (see the module docstring); None the first time."""
        first = self._text_of.setdefault(text, source)
        if first == source:
            return None
        return (
            f"is already the text of {first}: a text belongs to one source, so it is not "
            f"read again; {EXPORT_AGAIN}"
        )

    def text_bytes(self, location: str, source: str) -> tuple[bytes | None, str | None]:
        """The bytes of a source text at ``location`` (the ``plainTextPath`` of ``source``),
        or None and why it is not read."""
        scheme, _, rest = location.partition("://")
        if scheme == "internal":
            entry = self.entries.get(f"sources/{rest}".lower())
            if entry is None:
                return None, "is not in the project"
            if why := self._read_before(("internal", entry), source):
                return None, why
            try:
                info = self.archive.getinfo(entry)
                return read_entry(self.archive, info, self.file, EXPORT_AGAIN, self.limits), None
            except ArchiveProblem as error:
                raise self._problem(error) from None
        if scheme == "absolute":
            return None, (
                "is an absolute path on the machine that exported the project, which is never "
                "read; export the project with its sources inside it (internal://)"
            )
        if scheme != "relative":
            return None, "is not an internal:// or relative:// path"
        try:
            folder = self.path.parent.resolve()
            candidate = (folder / rest.lstrip("/")).resolve()
            if not candidate.is_relative_to(folder):
                return None, (
                    f"leads outside the folder of {self.file} (to {candidate}), which is never "
                    "read; put the source beside the project, or export it inside (internal://)"
                )
            if not candidate.is_file():
                return None, f"is not a file in the folder of {self.file}"
            if why := self._read_before(("relative", str(candidate)), source):
                return None, why
            if candidate.stat().st_size > self.limits.max_entry_bytes:
                raise QdpxProblem(
                    f"{self.file}: the source text {location} is larger than the "
                    f"{self.limits.max_entry_bytes >> 20} MiB a source may be; {EXPORT_AGAIN}."
                )
            with candidate.open("rb") as handle:
                return handle.read(self.limits.max_entry_bytes + CHUNK), None
        except RuntimeError:  # Path.resolve's word for a symbolic link loop
            return None, f"is a symbolic link loop in the folder of {self.file}"
        except OSError as error:  # a name too long, a folder that cannot be read
            return None, f"cannot be read in the folder of {self.file} ({error.strerror})"
