"""What a hostile or broken archive cannot do: inflate without bound (a zip bomb, in a
.qdpx or an .xlsx), make the reader read a file outside the project, or cut a value short
with an entity; and a project that cannot be read is named once."""

from __future__ import annotations

import copy
import random
import re
import shutil
import string
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from samspil.load import LoadError, load
from samspil.load.qdpx import QdpxProblem, read_qdpx
from samspil.load.qdpx.project import EXPORT_AGAIN, NAMESPACE, VALUE_LIMIT

ZEROS = bytes(1 << 20)
BOMB_MIB = 300  # beyond the 256 MiB an entry may inflate to
NS = f"{{{NAMESPACE}}}"


def _bomb(path: Path, entry: str, others: dict[str, bytes] | None = None) -> Path:
    """A zip whose ``entry`` inflates to ``BOMB_MIB`` MiB of zeros (about 1.3 MB on disk),
    written a chunk at a time; ``others`` are written before it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in (others or {}).items():
            archive.writestr(name, data)
        with archive.open(entry, "w") as handle:
            for _ in range(BOMB_MIB):
                handle.write(ZEROS)
    return path


@pytest.fixture(scope="module")
def demo_qdpx(exports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = shutil.copytree(exports("qdpx"), tmp_path_factory.mktemp("demo_qdpx") / "raw")
    shutil.rmtree(raw / "truth")  # as real exports: no truth/, so the test key is used
    return raw


@pytest.fixture
def raw(tmp_path: Path, demo_qdpx: Path) -> Path:
    """A copy of the demo with both strands as REFI-QDA projects."""
    copy = tmp_path / "raw"
    shutil.copytree(demo_qdpx, copy)
    return copy


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _edit_project(
    raw: Path, edit: Callable[[etree._Element, dict[str, bytes]], None]
) -> etree._Element:
    """The discourse project's ``project.qde`` parsed, changed by ``edit`` (which may also
    change the archive's other members), and written back; returns the tree as written, so
    that a test finds its changed elements at the lines the loader will name."""
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    root = etree.fromstring(members["project.qde"])
    edit(root, members)
    members["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    _rewrite(project, members)
    return etree.fromstring(members["project.qde"], etree.XMLParser(huge_tree=True))


def _one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    return message


# -- zip bombs -----------------------------------------------------------------------------


def test_a_project_qde_bomb_is_refused_in_one_line(tmp_path: Path, raw: Path) -> None:
    project = raw / "discourse" / "discourse.qdpx"
    _bomb(project, "project.qde")
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    assert _one_line(caught.value).startswith(
        "discourse/discourse.qdpx: project.qde inflates to more than 256.0 MiB, the most one "
        "entry may: a damaged or hostile archive (a zip bomb?), so it is not read; export the "
        "project again"
    )


def test_a_bomb_inside_a_source_text_is_refused_in_one_line(raw: Path) -> None:
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    text = sorted(name for name in members if name.startswith("sources/"))[0]
    _bomb(project, text, {name: data for name, data in members.items() if name != text})
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(project, file="discourse/discourse.qdpx")
    assert _one_line(caught.value).startswith(
        f"discourse/discourse.qdpx: {text} inflates to more than 256.0 MiB"
    )


def test_an_entry_whose_directory_understates_it_is_read_no_further(tmp_path: Path) -> None:
    """The central directory says project.qde is 200 bytes; it inflates to 8 MiB. Only the
    declared bytes are inflated, and the archive is refused as damaged, in one line."""
    path = tmp_path / "p.qdpx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("project.qde", "w") as handle,
    ):
        handle.write(b'<?xml version="1.0"?>\n<Project xmlns="urn:QDA-XML:project:1.0">')
        for _ in range(8):
            handle.write(ZEROS)
    data = bytearray(path.read_bytes())
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = struct.pack("<I", 200)  # uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(path, file="discourse/discourse.qdpx")
    assert _one_line(caught.value).startswith(
        "discourse/discourse.qdpx: project.qde cannot be inflated (Bad CRC-32 for file "
        "'project.qde'): the archive is damaged or cut off"
    )


def test_an_xlsx_bomb_is_refused_before_calamine_opens_it(exports, tmp_path: Path) -> None:
    raw = shutil.copytree(exports("xlsx"), tmp_path / "raw")
    workbook = raw / "association_survey" / "frame.xlsx"
    members = _members(workbook)
    sheet = "xl/worksheets/sheet1.xml"
    _bomb(workbook, sheet, {name: data for name, data in members.items() if name != sheet})
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    assert _one_line(caught.value).startswith(
        f"association_survey/frame.xlsx: {sheet} inflates to more than 256.0 MiB"
    )
    assert "save the workbook again as .xlsx from Excel" in str(caught.value)


# -- source texts outside the project ------------------------------------------------------


def _pointing_to(raw: Path, location: str, base_path: str | None = None) -> None:
    """The demo's first document's text path replaced by ``location``."""
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    qde = members["project.qde"].decode("utf-8")
    first = qde.index('plainTextPath="internal://')
    end = qde.index('"', first + len('plainTextPath="'))
    qde = f'{qde[:first]}plainTextPath="{location}{qde[end:]}'
    if base_path is not None:
        qde = qde.replace("<Project ", f'<Project basePath="{base_path}" ', 1)
    members["project.qde"] = qde.encode("utf-8")
    _rewrite(project, members)


def _text_rejects(tmp_path: Path, raw: Path) -> list[tuple]:
    warehouse = tmp_path / "w.duckdb"
    load(raw, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        texts = connection.execute("select text from raw.discourse__documents").fetchall()
        assert not any("root:" in text for (text,) in texts)
        return connection.execute(
            "select column_name, reason, detail from raw.rejected_rows "
            "where table_name = 'discourse__documents'"
        ).fetchall()


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("absolute:///etc/passwd", "is an absolute path on the machine that exported the project"),
        ("relative://../../../../../../../../etc/passwd", "leads outside the folder of"),
    ],
    ids=["absolute", "dot-dot"],
)
def test_a_source_outside_the_project_is_never_read(
    tmp_path: Path, raw: Path, location: str, why: str
) -> None:
    _pointing_to(raw, location)
    ((column, reason, detail),) = _text_rejects(tmp_path, raw)
    assert (column, reason) == ("text", "invalid_in_export")
    assert f"its text '{location}' {why}" in detail and "never read" in detail


def test_a_symbolic_link_out_of_the_project_folder_is_never_followed(
    tmp_path: Path, raw: Path
) -> None:
    (raw / "discourse" / "notes.txt").symlink_to("/etc/passwd")
    _pointing_to(raw, "relative://notes.txt")
    ((column, _, detail),) = _text_rejects(tmp_path, raw)
    assert column == "text" and "leads outside the folder of discourse/discourse.qdpx" in detail


def test_a_relative_source_is_read_beside_the_project_whatever_its_base_path(raw: Path) -> None:
    members = _members(raw / "discourse" / "discourse.qdpx")
    text = members[sorted(name for name in members if name.startswith("sources/"))[0]]
    (raw / "discourse" / "texts").mkdir()
    (raw / "discourse" / "texts" / "first.txt").write_bytes(text)
    _pointing_to(raw, "relative://texts/first.txt", base_path="/etc")
    tables = read_qdpx(raw / "discourse" / "discourse.qdpx")
    assert tables["documents"].records[0][1][5] == text.decode("utf-8")
    assert tables["documents"].problems == []


@pytest.mark.parametrize(
    ("location", "why"),
    [
        (
            "relative://" + "a" * 300 + ".txt",
            "cannot be read in the folder of discourse/discourse.qdpx (File name too long)",
        ),
        (
            "relative://loop.txt",
            "is a symbolic link loop in the folder of discourse/discourse.qdpx",
        ),
    ],
    ids=["name-too-long", "link-loop"],
)
def test_a_relative_source_that_cannot_be_opened_is_quarantined(
    tmp_path: Path, raw: Path, location: str, why: str
) -> None:
    (raw / "discourse" / "loop.txt").symlink_to("loop.txt")
    _pointing_to(raw, location)
    ((column, reason, detail),) = _text_rejects(tmp_path, raw)
    assert (column, reason) == ("text", "invalid_in_export")
    assert f"its text '{location}' {why}" in detail


def test_selections_spanning_a_text_again_and_again_are_refused_in_one_line(
    tmp_path: Path, raw: Path
) -> None:
    """A text of a million characters and 270 selections of all of it: each segment row
    would hold a copy, 270 million characters from a file of about a megabyte. Refused
    at the 269th, which takes the segments past what one archive entry may inflate to."""
    text = "".join(random.Random(1).choices(string.ascii_letters + " ", k=1_000_000))

    def span_it_all(root: etree._Element, members: dict[str, bytes]) -> None:
        source = next(root.iter(f"{NS}TextSource"))
        members["sources/" + source.get("plainTextPath").removeprefix("internal://")] = (
            text.encode()
        )
        template = source.find(f"{NS}PlainTextSelection")
        for number in range(270):
            selection = copy.deepcopy(template)
            for coding in selection.findall(f"{NS}Coding"):
                selection.remove(coding)
            selection.set("guid", f"00000000-0000-4000-8000-{number:012d}")
            selection.set("name", f"all of it {number}")
            selection.set("startPosition", "0")
            selection.set("endPosition", str(len(text)))
            template.addprevious(selection)

    written = _edit_project(raw, span_it_all)
    assert (raw / "discourse" / "discourse.qdpx").stat().st_size < 2_000_000
    (line,) = [
        selection.sourceline
        for selection in written.iter(f"{NS}PlainTextSelection")
        if selection.get("name") == "all of it 268"
    ]
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    assert re.fullmatch(
        rf"discourse/discourse\.qdpx: project\.qde, line {line}: the selections up to here span "
        r"269,000,000 characters of text, more than the 268,435,456 the segments of a "
        r"project may hold \(each segment row holds the text it spans: a damaged or hostile "
        r"project\?\), so it is not read; export the project again .*\.",
        _one_line(caught.value),
    )


def test_a_text_that_a_second_source_names_is_not_read_again(tmp_path: Path, raw: Path) -> None:
    """Two sources naming one text: each document row would hold it, so a project could name
    one large text from thousands of sources (gigabytes from a small file). The first source
    gets it; the second is quarantined, naming the first."""

    def add_a_second(root: etree._Element, _members: dict[str, bytes]) -> None:
        first = next(root.iter(f"{NS}TextSource"))
        second = copy.deepcopy(first)
        for selection in second.findall(f"{NS}PlainTextSelection"):
            second.remove(selection)
        second.set("guid", "00000000-0000-4000-8000-000000000001")
        second.set("name", "a second source")
        first.addnext(second)

    first = _edit_project(raw, add_a_second).find(f".//{NS}TextSource")

    ((column, reason, detail),) = _text_rejects(tmp_path, raw)

    assert (column, reason) == ("text", "invalid_in_export")
    assert (
        f"its text {first.get('plainTextPath')!r} is already the text of source "
        f"{first.get('name')!r} (project.qde line {first.sourceline}): a text belongs to one "
        "source, so it is not read again"
    ) in detail


# -- entities ------------------------------------------------------------------------------


def _with_doctype(raw: Path, doctype: str, edit=lambda qde: qde) -> Path:
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    qde = members["project.qde"].decode("utf-8")
    declaration, rest = qde.split("\n", 1)
    members["project.qde"] = edit(f"{declaration}\n{doctype}\n{rest}").encode("utf-8")
    _rewrite(project, members)
    return project


def test_an_entity_that_would_cut_a_value_short_is_refused_with_its_place(raw: Path) -> None:
    project = _with_doctype(
        raw,
        '<!DOCTYPE Project [\n  <!ENTITY forening "Ældre Sagen">\n]>',
        lambda qde: qde.replace("<TextValue>", "<TextValue>&forening; ", 1),
    )
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(project, file="discourse/discourse.qdpx")
    assert _one_line(caught.value).startswith(
        "discourse/discourse.qdpx: project.qde, line 3, column 3: the XML declares the entity "
        "'forening'; REFI-QDA projects use none"
    )


def test_an_external_entity_is_never_fetched(raw: Path) -> None:
    project = _with_doctype(
        raw,
        '<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        lambda qde: qde.replace("<TextValue>", "<TextValue>&secret;", 1),
    )
    with pytest.raises(QdpxProblem, match=r"line 2, column 20: the XML declares the entity"):
        read_qdpx(project)


def test_an_external_dtd_is_refused(raw: Path) -> None:
    project = _with_doctype(
        raw,
        '<!DOCTYPE Project SYSTEM "http://example.org/qde.dtd">',
        lambda qde: qde.replace("<TextValue>", "<TextValue>&nbsp;", 1),
    )
    with pytest.raises(
        QdpxProblem,
        match=r"line 2, column 1: the XML names an external DTD \(http://example\.org/qde\.dtd\)",
    ):
        read_qdpx(project)


def test_billion_laughs_is_refused(raw: Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    )
    project = _with_doctype(
        raw,
        f"<!DOCTYPE Project [{entities}]>",
        lambda qde: qde.replace("<TextValue>", "<TextValue>&lol9;", 1),
    )
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(project, file="discourse/discourse.qdpx")
    assert _one_line(caught.value).startswith("discourse/discourse.qdpx: project.qde, line ")


# -- a value that rows would repeat ------------------------------------------------------


def _long_code_name(raw: Path, length: int) -> int:
    """The discourse project's first code named with `length` characters, and every coding
    made to it: each coding row would repeat the name. Returns the code's line."""

    def rename(root: etree._Element, _members: dict[str, bytes]) -> None:
        code = next(root.iter(f"{NS}Code"))
        code.set("name", "A" * length)
        references = list(root.iter(f"{NS}CodeRef"))
        assert len(references) > 1000
        for reference in references:
            reference.set("targetGUID", code.get("guid"))

    written = _edit_project(raw, rename)
    assert (raw / "discourse" / "discourse.qdpx").stat().st_size < 1_000_000
    return written.find(f".//{NS}Code").sourceline


def test_a_long_name_that_rows_would_repeat_is_refused_in_one_line(
    tmp_path: Path, raw: Path
) -> None:
    """A code named with ten million characters in a project of a few hundred kB, and every
    coding to it: each coding row would hold the name (gigabytes). Refused as it is parsed."""
    line = _long_code_name(raw, 10_000_000)
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    assert _one_line(caught.value) == (
        f"discourse/discourse.qdpx: project.qde, line {line}: the Code's name has 10,000,000 "
        f"characters, more than the {VALUE_LIMIT:,} a value of the project may have (every "
        "row referring to it would repeat it: a damaged or hostile project?), so it is not "
        f"read; {EXPORT_AGAIN}."
    )


def test_a_long_value_of_a_case_that_its_documents_would_repeat_is_refused(
    tmp_path: Path, raw: Path
) -> None:
    """A case's variable value (here its document type) of ten million characters: every
    document of the case would hold it. Refused as it is parsed, naming its line."""

    def lengthen(root: etree._Element, _members: dict[str, bytes]) -> None:
        next(root.iter(f"{NS}TextValue")).text = "policy " * 1_500_000

    line = _edit_project(raw, lengthen).find(f".//{NS}TextValue").sourceline
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    assert _one_line(caught.value).startswith(
        f"discourse/discourse.qdpx: project.qde, line {line}: the TextValue's text has "
        f"10,500,000 characters, more than the {VALUE_LIMIT:,} a value of the project may have"
    )


def test_a_name_as_long_as_a_value_may_be_is_read(tmp_path: Path, raw: Path) -> None:
    """At the limit the project is read: the codings to the code (not in the mapping) are
    quarantined with its name."""
    _long_code_name(raw, VALUE_LIMIT)
    warehouse = tmp_path / "w.duckdb"
    load(raw, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rejected = connection.execute(
            "select distinct column_name, reason, raw_value from raw.rejected_rows "
            "where table_name = 'discourse__codings'"
        ).fetchall()
    assert rejected == [("justification_code", "invalid_in_export", "A" * VALUE_LIMIT)]


# -- what the libraries underneath raise ----------------------------------------------------


def test_an_encrypted_project_is_refused_in_one_line(tmp_path: Path, raw: Path) -> None:
    """A .qdpx packed again with a password (7-Zip, WinZip): the encrypted flag of every
    entry set, as Python's zipfile cannot write encryption."""
    project = raw / "discourse" / "discourse.qdpx"
    data = bytearray(project.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            (flags,) = struct.unpack_from("<H", data, start + flags_at)
            struct.pack_into("<H", data, start + flags_at, flags | 1)
            start = data.find(signature, start + 4)
    project.write_bytes(bytes(data))
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    message = _one_line(caught.value)
    assert re.fullmatch(
        r"discourse/discourse\.qdpx: \S+ is encrypted \(the archive has a password\), so it "
        r"cannot be read; export the project again from the QDA tool .*, without a password\.",
        message,
    ), message


def test_a_coding_dated_past_the_calendar_in_denmark_is_quarantined(
    tmp_path: Path, raw: Path
) -> None:
    """.NET's DateTime.MaxValue in UTC, a tool's "no date": in Denmark it is year 10000."""
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    qde = members["project.qde"].decode("utf-8")
    stamp = "9999-12-31T23:59:59.9999999Z"
    found = re.search(r'(<Coding [^>]*creationDateTime=")[^"]+"', qde)
    assert found is not None
    members["project.qde"] = (qde[: found.end(1)] + stamp + qde[found.end() - 1 :]).encode()
    _rewrite(project, members)
    line = qde.count("\n", 0, found.start()) + 1
    warehouse = tmp_path / "w.duckdb"
    load(raw, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select table_name, line, column_name, reason, raw_value from raw.rejected_rows"
        ).fetchall() == [("discourse__codings", line, "coded_date", "unparseable_date", stamp)]


# -- one file, one name --------------------------------------------------------------------


def test_a_project_that_cannot_be_read_is_named_once(tmp_path: Path, raw: Path) -> None:
    project = raw / "discourse" / "discourse.qdpx"
    members = _members(project)
    members["project.qde"] = members["project.qde"].replace(b"</PlainTextSelection>", b"</Sel>", 1)
    _rewrite(project, members)
    with pytest.raises(LoadError) as caught:
        load(raw, tmp_path / "w.duckdb")
    message = _one_line(caught.value)
    assert message.count("discourse/discourse.qdpx") == 1
    assert message.startswith("discourse/discourse.qdpx: project.qde, line ")
