"""Read a REFI-QDA project (``.qdpx``) into the discourse tables (documents, segments, codings)
or, with ``strand="cases"``, the cases tables (cases, actors, episodes, episode_participants).

The result has exactly the headers and text values of the CSV exports
(docs/raw-exports.md), so the loader checks and stores them like any CSV file; the line of a
record is the line of its XML element in ``project.qde`` (the ``TextSource``, the
``PlainTextSelection``, the ``Coding``). Opening the archive, parsing ``project.qde`` and
reading source texts safely is :mod:`samspil.load.qdpx.project`'s; what every strand reads
alike (users, codes, variables, texts) :mod:`~samspil.load.qdpx.reader`'s; each strand's rows
:mod:`~samspil.load.qdpx.discourse`'s and :mod:`~samspil.load.qdpx.cases`'.

The project's own codes and variables are read through the declared mapping
(:mod:`samspil.load.qdpx.mapping`, ``seeds/qda_mapping.csv``); the study's own names map to
themselves. Every code and variable that does not map is listed in ``QdpxTable.findings``
(with how many codings or values it has), and so is what the project holds where a table
comes out empty (no text source, no coded selection, no coding to a justification code).

- documents: one row per ``TextSource``, and per ``PDFSource`` through the text of its
  ``Representation`` (``document_id`` = the source's ``name``, its guid where it has none);
  kommunekode, document_type, published_date and title are ``VariableValue`` s of the source
  itself (MAXQDA's document variables) or of a ``Case`` whose ``SourceRef`` points to it (two
  cases giving one attribute different values is a problem of the row); a ``DateTimeValue``
  of a date attribute is its date in Denmark; ``text`` is the source's ``PlainTextContent``
  with its line ends as written (see :meth:`~samspil.load.qdpx.project.Project.inline_text`),
  or its ``plainTextPath`` text (UTF-8 with or without BOM, or UTF-16 with BOM).
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
  (see :mod:`samspil.load.qdpx.project`): not a zip, an entry that would inflate beyond the
  limits or is encrypted, no ``project.qde``, XML that does not parse or declares entities
  (with line and column), a root that is not ``Project`` in ``urn:QDA-XML:project:1.0``, a
  source text that is not UTF-8 or holds a NUL character (UTF-16 without a byte-order mark),
  an inline text whose line ends cannot be told as written (what a second parser read of it
  differs from what the first did),
  a guid given to two users, codes, cases, variables, sources
  or selections (with the lines of both: a coding to it would go to either).
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
    absolute path, a relative path that cannot be opened): ``text`` empty (required), the
    path never read;
  - a coding of a whole source, not of a selection: ``segment_id`` empty (required);
  - a participant ``SourceRef`` to a source not in the project: ``episode_id`` =
    ``<unknown source {guid}>`` (rejected by the reference check, the guid kept);
  - an episode whose text cannot be read: ``summary`` empty.
"""

from __future__ import annotations

from pathlib import Path

from samspil.load.archive import DEFAULT_LIMITS, ArchiveLimits
from samspil.load.qdpx.cases import CasesReader
from samspil.load.qdpx.discourse import DiscourseReader
from samspil.load.qdpx.mapping import QdaMapping, read_mapping
from samspil.load.qdpx.project import EXPORT_AGAIN, NAMESPACE, Project, QdpxProblem
from samspil.load.qdpx.reader import CASE_HEADERS, HEADERS, STRANDS, QdpxTable
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

READERS = {"discourse": DiscourseReader, "cases": CasesReader}


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
        return READERS[strand](project, strand, mapping, position_unit, crlf_as_one).read()
    finally:
        project.close()
