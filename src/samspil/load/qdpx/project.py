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
"""

from __future__ import annotations

import zipfile
from pathlib import Path

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


class QdpxProblem(Exception):
    """A .qdpx file that cannot be read at all; the message is one line for the user."""


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


class _Chunks:
    """A file-like view of an entry's chunks, so lxml parses it as it is inflated; the first
    chunk is kept (the prolog, where a DOCTYPE is) to place what the parser reports."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self.first = b""

    def read(self, _size: int = -1) -> bytes:
        chunk = next(self._chunks, b"")
        if not self.first:
            self.first = chunk
        return chunk


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
        root = tree.getroot()
        qname = etree.QName(root)
        if qname.namespace != NAMESPACE or qname.localname != "Project":
            found = f"in namespace {qname.namespace}" if qname.namespace else "in no namespace"
            raise QdpxProblem(
                f"{file}: project.qde, line {root.sourceline}: the root element is "
                f"{qname.localname} {found}, not Project in {NAMESPACE} (REFI-QDA project 1.0); "
                f"{EXPORT_AGAIN}."
            )
        return root

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

    def text_bytes(self, location: str) -> tuple[bytes | None, str | None]:
        """The bytes of a source text at ``location`` (its ``plainTextPath``), or None and why
        it is not read."""
        scheme, _, rest = location.partition("://")
        if scheme == "internal":
            entry = self.entries.get(f"sources/{rest}".lower())
            if entry is None:
                return None, "is not in the project"
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
