"""Write small REFI-QDA projects the way NVivo, ATLAS.ti and MAXQDA write them, for the tests.

No export of these tools with a licence that allows committing it, and free of personal
data, was found, so the fixtures are generated here, reproducing what public exports show:

- NVivo: modelled on ``oltas0517.qdpx`` of github.com/DEpt-metagenom/pyqdpx (MIT; exported
  by "NVivo for Windows 12.6", holding commenters' handles, so not copied): the XML
  declaration and every line ending in CR LF, two-space indent, ``<User ... />`` with a space,
  root attributes ``xmlns:xsd``, ``xmlns:xsi``, ``name``, ``origin``, ``creatingUserGUID``,
  ``creationDateTime``, ``modifyingUserGUID``, ``modifiedDateTime``, ``basePath=""``; lower-case
  GUIDs without braces; ``<Description />`` in every source and selection; selections with
  ``name=""``; a ``richTextPath`` (.docx) beside the ``plainTextPath`` (.txt), both in
  ``Sources/`` (capital S); the text UTF-8 with a BOM and CR LF line ends, positions counting
  CR LF as two characters and UTF-16 code units (read so, that export's 303 selections each
  span one whole comment; read as code points, those after an emoji start and end a few
  characters late); every ``Code`` codable, parents too. Cases with a ``Description``
  and ``VariableValue`` s as in the NVivo example of ccbogel/QualCoder ``src/qualcoder/refi.py``
  (``parse_cases``).
- ATLAS.ti: modelled on ``process/ref_materials/samples/*.qdpx`` of
  github.com/enricllagostera/ponte (exported by "ATLAS.ti for Windows 23.2.3.27778"; no
  licence, so not copied): CR LF, ``xmlns:xsi`` and ``xsi:schemaLocation`` first,
  ``creatingUserGUID``, upper-case GUIDs, a system ``User`` named ``ATLAS.ti``; text files in
  ``sources/`` with CR LF whose positions count CR LF as one character (QualCoder's refi.py:
  "Atlas stored correct positions in the project.qde xml as though it is \\n"); a PDF document
  as a ``PDFSource`` with a text ``Representation`` and a coded area of a page
  (``PDFSelection``), as in QualCoder's ``load_pdf_source`` docstring and Project.xsd.
- MAXQDA: modelled on ``project.qde`` of github.com/bedingjd/paper_themes (exported by
  "MAXQDA 24 (Release 24.7.0)"; no licence, so not copied): LF line ends, one-space indent,
  ``/>`` without a space, ``xsi:schemaLocation`` first, ``modifiedDateTime`` on the root,
  upper-case GUIDs, ``color`` first on a ``Code``, sources with ``modifyingUser`` first and
  the text in ``sources/``, ``Sets`` of ``MemberSource`` s; document variables as a ``Case``
  without a name holding the values and one ``SourceRef`` (QualCoder's refi.py,
  ``parse_case_for_file_variables``: "This approach is used by MAXQDA"); a selection with a
  memo (``Description``) and no ``Coding`` (QualCoder: "MAXQDA. Some PlainTextSelection
  elements DO NOT have a Coding element").

Every project holds the same two documents, coded in the coders' own Danish code system
("Bedre løsninger" under "Effektivitet", …) with their own variable names ("Kommune",
"Dokumenttype", "Dato", "Titel"); ``MAPPING`` maps them to the study's names.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"
SCHEMA_LOCATION = f"{NS} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"

# (document name, Kommune, Dokumenttype, Dato, Titel, text with \n line ends)
DOCUMENTS = (
    (
        "Ældrepolitik Odense",
        "0461",
        "policy",
        "2016-04-12",
        "Ældrepolitik 2016-2019",
        "Ældrepolitik for Odense Kommune\n\nFrivillige og kommunen løfter opgaven sammen.\n"
        "Samarbejdet giver bedre løsninger for de ældre.\nNye idéer opstår i mødet.\n",
    ),
    (
        "Referat Faxe byråd",
        "0320",
        "minutes",
        "2017-02-20",
        "Byrådsmøde 20. februar 2017",
        "Referat\n\nBorgerne inddrages i planlægningen af fritidstilbud.\nHumøret var godt.\n",
    ),
)
# (document index, coded passage, code path, coder)
CODINGS = (
    (0, "Samarbejdet giver bedre løsninger for de ældre.", "Effektivitet/Bedre løsninger", "KH"),
    (0, "Samarbejdet giver bedre løsninger for de ældre.", "Effektivitet/Innovation", "ML"),
    (0, "Nye idéer opstår i mødet.", "Effektivitet/Innovation", "KH"),
    (
        1,
        "Borgerne inddrages i planlægningen af fritidstilbud.",
        "Demokrati/Borgerinddragelse",
        "ML",
    ),
    (1, "Humøret var godt.", "Stemning/Positiv", "KH"),
)
CODE_TREE = {
    "Effektivitet": ("Bedre løsninger", "Innovation"),
    "Demokrati": ("Borgerinddragelse",),
    "Stemning": ("Positiv",),
}
VARIABLES = ("Kommune", "Dokumenttype", "Dato", "Titel")
MAPPING = (
    "strand,kind,project_name,study_name\n"
    "discourse,code,Bedre løsninger,EFF_BETTER_SOLUTIONS\n"
    ",code,Effektivitet/Innovation,EFF_INNOVATION\n"
    ",code,Borgerinddragelse,DEM_CITIZEN_PARTICIPATION\n"
    ",code,Effektivitet,\n"
    ",code,Demokrati,\n"
    "discourse,variable,Kommune,kommunekode\n"
    ",variable,Dokumenttype,document_type\n"
    ",variable,Dato,published_date\n"
    ",variable,Titel,title\n"
)
"""The mapping seed for these projects; "Stemning" and "Positiv" are left unmapped."""
STUDY_CODES = {
    "Effektivitet/Bedre løsninger": "EFF_BETTER_SOLUTIONS",
    "Effektivitet/Innovation": "EFF_INNOVATION",
    "Demokrati/Borgerinddragelse": "DEM_CITIZEN_PARTICIPATION",
}


@dataclass(frozen=True)
class Tool:
    origin: str
    crlf: bool  # the XML's line ends
    indent: str
    space_before_slash: bool
    upper_guids: bool
    sources_folder: str
    text_crlf: bool
    bom: bool
    crlf_counts_one: bool
    utf16: bool  # positions count UTF-16 code units, and a text has an emoji before a coding


NVIVO = Tool("NVivo for Windows 12.6", True, "  ", True, False, "Sources", True, True, False, True)
ATLAS = Tool(
    "ATLAS.ti for Windows 23.2.3.27778", True, "  ", True, True, "sources", True, False, True, False
)
MAXQDA = Tool(
    "MAXQDA 24 (Release 24.7.0)", False, " ", False, True, "sources", True, False, False, False
)
EMOJI_AFTER = "Frivillige og kommunen løfter opgaven sammen."


def document_text(tool: Tool, number: int) -> str:
    """A document's text with \\n line ends; for a UTF-16 tool with an emoji before a coding
    (the oltas0517.qdpx export of NVivo 12.6 counts positions in UTF-16 code units: its
    selections span exactly one comment only so counted)."""
    text = DOCUMENTS[number][5]
    return text.replace(EMOJI_AFTER, f"{EMOJI_AFTER} 👍") if tool.utf16 else text


def guid(tool: Tool, *names: str) -> str:
    value = str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(("qda-test", *names))))
    return value.upper() if tool.upper_guids else value


def file_text(tool: Tool, text: str) -> str:
    """A document's text as the tool writes it in its .txt file (without the BOM)."""
    return text.replace("\n", "\r\n") if tool.text_crlf else text


def position(tool: Tool, text: str, index: int) -> int:
    """The tool's position of the code point at ``index`` of the \\n text."""
    before = text[:index]
    wide = sum(1 for char in before if char > "\uffff") if tool.utf16 else 0
    crlf = 0 if tool.crlf_counts_one or not tool.text_crlf else before.count("\n")
    return len(before) + wide + crlf


class _Xml:
    def __init__(self, tool: Tool) -> None:
        self.tool, self.lines, self.depth = tool, [], 0

    @staticmethod
    def _attributes(attributes: dict[str, str]) -> str:
        escaped = (
            (key, value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;"))
            for key, value in attributes.items()
        )
        return "".join(f' {key}="{value}"' for key, value in escaped)

    def empty(self, tag: str, **attributes: str) -> None:
        slash = " />" if self.tool.space_before_slash else "/>"
        self.lines.append(
            f"{self.tool.indent * self.depth}<{tag}{self._attributes(attributes)}{slash}"
        )

    def text(self, tag: str, value: str) -> None:
        value = value.replace("&", "&amp;").replace("<", "&lt;")
        self.lines.append(f"{self.tool.indent * self.depth}<{tag}>{value}</{tag}>")

    def open(self, tag: str, **attributes: str) -> None:
        self.lines.append(f"{self.tool.indent * self.depth}<{tag}{self._attributes(attributes)}>")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append(f"{self.tool.indent * self.depth}</{tag}>")

    def bytes(self) -> bytes:
        end = "\r\n" if self.tool.crlf else "\n"
        return ('<?xml version="1.0" encoding="utf-8"?>' + end + end.join(self.lines)).encode()


def _root(xml: _Xml, tool: Tool, name: str) -> None:
    stamp = "2017-03-01T09:00:00Z"
    if tool is NVIVO:
        xml.open(
            "Project",
            **{"xmlns:xsd": "http://www.w3.org/2001/XMLSchema"},
            **{"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"},
            name=name,
            origin=tool.origin,
            creatingUserGUID=guid(tool, "user", "KH"),
            creationDateTime=stamp,
            modifyingUserGUID=guid(tool, "user", "ML"),
            modifiedDateTime=stamp,
            basePath="",
            xmlns=NS,
        )
    elif tool is ATLAS:
        xml.open(
            "Project",
            **{"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"},
            **{"xsi:schemaLocation": SCHEMA_LOCATION},
            origin=tool.origin,
            name=name,
            creatingUserGUID=guid(tool, "user", "KH"),
            creationDateTime=stamp,
            xmlns=NS,
        )
    else:
        xml.open(
            "Project",
            **{"xsi:schemaLocation": SCHEMA_LOCATION},
            **{"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"},
            xmlns=NS,
            origin=tool.origin,
            name=name,
            modifiedDateTime=stamp,
        )


def _codebook(xml: _Xml, tool: Tool) -> None:
    xml.open("CodeBook")
    xml.open("Codes")
    for parent, children in CODE_TREE.items():
        attributes = {"guid": guid(tool, "code", parent), "name": parent, "isCodable": "true"}
        if tool is MAXQDA:
            attributes = {"color": "#ef8256", **attributes}
        xml.open("Code", **attributes)
        for child in children:
            path = f"{parent}/{child}"
            attributes = {"guid": guid(tool, "code", path), "name": child, "isCodable": "true"}
            if tool is MAXQDA:
                attributes = {"color": "#ef8256", **attributes}
            xml.empty("Code", **attributes)
        xml.close("Code")
    xml.close("Codes")
    xml.close("CodeBook")


def _variables(xml: _Xml, tool: Tool) -> None:
    xml.open("Variables")
    for name in VARIABLES:
        kind = "Date" if name == "Dato" else "Text"
        xml.empty("Variable", guid=guid(tool, "variable", name), name=name, typeOfVariable=kind)
    xml.close("Variables")


def _values(xml: _Xml, tool: Tool, row: tuple[str, ...]) -> None:
    for name, value in zip(VARIABLES, row[1:5], strict=True):
        xml.open("VariableValue")
        xml.empty("VariableRef", targetGUID=guid(tool, "variable", name))
        if name != "Dato":
            xml.text("TextValue", value)
        elif tool is MAXQDA:  # a date and time variable, at noon UTC
            xml.text("DateTimeValue", f"{value}T12:00:00Z")
        else:
            xml.text("DateValue", value)
        xml.close("VariableValue")


def _selections(xml: _Xml, tool: Tool, number: int, text: str) -> None:
    for at, (document, passage, code, coder) in enumerate(CODINGS):
        if document != number:
            continue
        start = text.index(passage)
        stamp = "2017-03-01T23:30:00Z"
        attributes = {
            "guid": guid(tool, "selection", str(at)),
            "name": "" if tool is NVIVO else passage[:30],
            "startPosition": str(position(tool, text, start)),
            "endPosition": str(position(tool, text, start + len(passage))),
            "creatingUser": guid(tool, "user", coder),
            "creationDateTime": stamp,
        }
        xml.open("PlainTextSelection", **attributes)
        if tool is NVIVO:
            xml.empty("Description")
        xml.open(
            "Coding",
            guid=guid(tool, "coding", str(at)),
            creatingUser=guid(tool, "user", coder),
            creationDateTime=stamp,
        )
        xml.empty("CodeRef", targetGUID=guid(tool, "code", code))
        xml.close("Coding")
        xml.close("PlainTextSelection")
    if tool is MAXQDA and number == 1:  # a memo on a passage, not a coding
        start = text.index("Referat")
        xml.open(
            "PlainTextSelection",
            guid=guid(tool, "selection", "memo"),
            name="Referat",
            startPosition=str(position(tool, text, start)),
            endPosition=str(position(tool, text, start + 7)),
        )
        xml.text("Description", "Husk at tjekke dagsordenen.")
        xml.close("PlainTextSelection")


def write_project(tool: Tool, path: Path, *, pdf: bool = False) -> Path:
    """The two documents as ``tool`` exports them to ``path``; ``pdf`` writes the first as a
    PDF document with a text representation and a coded area of its first page (ATLAS.ti)."""
    xml = _Xml(tool)
    files: dict[str, bytes] = {}
    _root(xml, tool, "Samskabelse")
    xml.open("Users")
    for coder in ("KH", "ML"):
        xml.empty("User", guid=guid(tool, "user", coder), name=coder)
    if tool is ATLAS:
        xml.empty("User", guid=guid(tool, "user", "system"), name="ATLAS.ti")
    xml.close("Users")
    _codebook(xml, tool)
    _variables(xml, tool)
    xml.open("Cases")
    for row in DOCUMENTS:
        source = guid(tool, "source", row[0])
        if tool is MAXQDA:
            xml.open("Case", guid=guid(tool, "case", row[0]))
        else:
            xml.open("Case", guid=guid(tool, "case", row[0]), name=row[0])
        if tool is NVIVO:
            xml.empty("Description")
        _values(xml, tool, row)
        xml.empty("SourceRef", targetGUID=source)
        xml.close("Case")
    xml.close("Cases")
    xml.open("Sources")
    for number, row in enumerate(DOCUMENTS):
        source, text = guid(tool, "source", row[0]), document_text(tool, number)
        data = ("\ufeff" if tool.bom else "") + file_text(tool, text)
        if pdf and number == 0:
            xml.open(
                "PDFSource", guid=source, name=f"{row[0]}.pdf", path=f"internal://{source}.pdf"
            )
            xml.open(
                "PDFSelection",
                guid=guid(tool, "area"),
                name="figur",
                page="0",
                firstX="10",
                firstY="20",
                secondX="200",
                secondY="120",
                creatingUser=guid(tool, "user", "KH"),
                creationDateTime="2017-03-01T10:00:00Z",
            )
            xml.open(
                "Coding", guid=guid(tool, "coding", "area"), creatingUser=guid(tool, "user", "KH")
            )
            xml.empty("CodeRef", targetGUID=guid(tool, "code", "Effektivitet/Innovation"))
            xml.close("Coding")
            xml.close("PDFSelection")
            representation = guid(tool, "representation", row[0])
            xml.open(
                "Representation",
                guid=representation,
                name=f"Representation_for_{row[0]}pdf",
                plainTextPath=f"internal://{representation}.txt",
            )
            _selections(xml, tool, number, text)
            xml.close("Representation")
            xml.close("PDFSource")
            files[f"{tool.sources_folder}/{source}.pdf"] = b"%PDF-1.4\n%stand-in\n"
            files[f"{tool.sources_folder}/{representation}.txt"] = data.encode("utf-8")
            continue
        attributes = {"guid": source, "name": row[0]}
        if tool is NVIVO:
            attributes["richTextPath"] = f"internal://{source}.docx"
            files[f"{tool.sources_folder}/{source}.docx"] = b"PK stand-in for the .docx"
        attributes["plainTextPath"] = f"internal://{source}.txt"
        if tool is MAXQDA:
            attributes = {"modifyingUser": guid(tool, "user", "KH"), **attributes}
        attributes["creatingUser"] = guid(tool, "user", "KH")
        xml.open("TextSource", **attributes)
        if tool is NVIVO:
            xml.empty("Description")
        _selections(xml, tool, number, text)
        xml.close("TextSource")
        files[f"{tool.sources_folder}/{source}.txt"] = data.encode("utf-8")
    xml.close("Sources")
    if tool is MAXQDA:
        xml.open("Sets")
        xml.open("Set", guid=guid(tool, "set"), name="Byråd")
        xml.empty("MemberSource", targetGUID=guid(tool, "source", DOCUMENTS[1][0]))
        xml.close("Set")
        xml.close("Sets")
    xml.close("Project")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.bytes())
        for name, data in files.items():
            archive.writestr(name, data)
    return path
