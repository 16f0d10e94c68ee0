"""REFI-QDA projects (.qdpx): the generator's writer and the loader's reader."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from samspil.load import load
from samspil.load.qdpx import CASE_HEADERS, HEADERS, NAMESPACE, QdpxProblem, read_qdpx
from samspil.tools.generate.qdpx import (
    guid_for,
    read_justification_codes,
    write_cases_qdpx,
    write_qdpx,
)

NS = {"q": NAMESPACE}
CODES = read_justification_codes()

# Danish letters, then a character outside the BMP (an emoji and a mathematical fraktur D,
# two UTF-16 code units each) before the selection.
TEXT = "Ærø og Åbenrå: 🎉 fælles 𝔇ans. Samarbejdet giver bedre løsninger på velfærdsopgaverne."
SEGMENT = "Samarbejdet giver bedre løsninger på velfærdsopgaverne."


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _small(text: str = TEXT, segment: str = SEGMENT) -> dict[str, list[list[str]]]:
    start = text.index(segment)
    return {
        "documents": [["D0461-0001", "0461", "news", "2016-04-12", "Tarup fejrer", text]],
        "segments": [["S000001", "D0461-0001", str(start), str(start + len(segment)), segment]],
        "codings": [
            ["S000001", "coder_a", "EFF_BETTER_SOLUTIONS", "2016-09-15"],
            ["S000001", "coder_b", "ECO_COST_SAVING", "2016-10-01"],
        ],
    }


def _write(path: Path, data: dict[str, list[list[str]]], **options: str) -> Path:
    write_qdpx(path, data["documents"], data["segments"], data["codings"], CODES, **options)
    return path


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def _with_qde(path: Path, target: Path, edit) -> Path:
    """A copy of the project at `path` whose project.qde is `edit(text)`."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            if name == "project.qde":
                data = edit(data.decode("utf-8")).encode("utf-8")
            copy.writestr(name, data)
    return target


def _values(table) -> list[list[str | None]]:
    return [values for _, values in table.records]


def _line_of(qde: bytes, needle: str) -> int:
    return (
        qde.decode("utf-8")
        .splitlines()
        .index(next(line for line in qde.decode("utf-8").splitlines() if needle in line))
        + 1
    )


# -- round trip ------------------------------------------------------------------------------


def test_demo_discourse_round_trips(exports, tmp_path: Path) -> None:
    csvs = {stem: _csv(exports("csv") / "discourse" / f"{stem}.csv") for stem in HEADERS}
    project = tmp_path / "discourse.qdpx"
    write_qdpx(project, csvs["documents"][1], csvs["segments"][1], csvs["codings"][1], CODES)
    tables = read_qdpx(project)

    assert set(tables) == {"documents", "segments", "codings"}
    for stem, (header, rows) in csvs.items():
        table = tables[stem]
        assert table.header == header == HEADERS[stem]
        # The loader reads an empty CSV field as None; the reader gives None for no value.
        assert _values(table) == [[value or None for value in row] for row in rows], stem
        assert table.problems == []
        lines = [line for line, _ in table.records]
        assert lines == sorted(lines) and len(set(lines)) == len(lines) and lines[0] > 1
    emoji = [row for row in csvs["documents"][1] if any(ord(c) > 0xFFFF for c in row[5])]
    assert emoji, "the demo should hold texts with characters outside the BMP"

    # The generator's own .qdpx (the demo's mix) holds the same data, byte for byte.
    shipped = exports("mix") / "discourse" / "discourse.qdpx"
    assert shipped.read_bytes() == project.read_bytes()


def test_the_same_data_gives_a_byte_identical_file(tmp_path: Path) -> None:
    data = _small()
    first = _write(tmp_path / "a.qdpx", data).read_bytes()
    second = _write(tmp_path / "b.qdpx", data).read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.qdpx") as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names[0] == "project.qde"
        assert names[1] == f"sources/{guid_for('source', 'D0461-0001')}.txt"
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read(names[1]).decode("utf-8") == TEXT  # UTF-8, no BOM


def test_project_structure_follows_the_mapping(tmp_path: Path) -> None:
    root = etree.fromstring(_qde(_write(tmp_path / "p.qdpx", _small())))
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == ["coder_a", "coder_b"]
    frames = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [f.get("name") for f in frames] == ["efficiency", "democracy", "community", "economy"]
    assert all(f.get("isCodable") == "false" for f in frames)
    child = frames[0].find("q:Code", NS)
    assert child.get("name") == "EFF_BETTER_SOLUTIONS"
    assert child.findtext("q:Description", namespaces=NS).startswith("Cooperation is said")
    case = root.find("q:Cases/q:Case", NS)
    assert case.get("name") == "D0461-0001"
    source = root.find("q:Sources/q:TextSource", NS)
    assert case.find("q:SourceRef", NS).get("targetGUID") == source.get("guid")
    assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
    coding = source.find("q:PlainTextSelection/q:Coding", NS)
    assert coding.get("creatingUser") == users[0].get("guid")
    assert coding.get("creationDateTime") == "2016-09-15T00:00:00Z"
    assert coding.find("q:CodeRef", NS).get("targetGUID") == child.get("guid")


# -- positions -------------------------------------------------------------------------------


def test_positions_are_code_points_in_the_file_and_back(tmp_path: Path) -> None:
    start = TEXT.index(SEGMENT)
    utf16_start = len(TEXT[:start].encode("utf-16-le")) // 2
    assert utf16_start == start + 2  # 🎉 and 𝔇 are two UTF-16 code units each
    project = _write(tmp_path / "p.qdpx", _small())
    selection = etree.fromstring(_qde(project)).find(".//q:PlainTextSelection", NS)
    assert selection.get("startPosition") == str(start)
    assert selection.get("endPosition") == str(len(TEXT))

    segments = read_qdpx(project)["segments"]
    assert _values(segments) == [["S000001", "D0461-0001", str(start), str(len(TEXT)), SEGMENT]]
    assert segments.problems == []


def test_utf16_positions_read_back_with_the_utf16_setting(tmp_path: Path) -> None:
    start = TEXT.index(SEGMENT)
    project = _write(tmp_path / "p.qdpx", _small(), position_unit="utf16")
    selection = etree.fromstring(_qde(project)).find(".//q:PlainTextSelection", NS)
    assert selection.get("startPosition") == str(start + 2)

    as_utf16 = read_qdpx(project, position_unit="utf16")["segments"]
    assert _values(as_utf16)[0][2:] == [str(start), str(len(TEXT)), SEGMENT]
    assert as_utf16.problems == []
    # Read with the wrong unit, the end runs past the text and the row comes out as a problem.
    as_code_points = read_qdpx(project)["segments"]
    assert _values(as_code_points)[0][4] is None
    assert [column for _, column, _ in as_code_points.problems] == ["end_offset"]


def test_a_utf16_position_inside_a_surrogate_pair_is_a_problem(tmp_path: Path) -> None:
    emoji_at = len(TEXT[: TEXT.index("🎉")].encode("utf-16-le")) // 2
    project = _with_qde(
        _write(tmp_path / "p.qdpx", _small(), position_unit="utf16"),
        tmp_path / "q.qdpx",
        lambda qde: re.sub(r'startPosition="\d+"', f'startPosition="{emoji_at + 1}"', qde),
    )
    segments = read_qdpx(project, position_unit="utf16")["segments"]
    assert _values(segments)[0][4] is None
    ((_, column, detail),) = segments.problems
    assert column == "start_offset" and "surrogate" in detail


# -- bad input -------------------------------------------------------------------------------


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "kodning.qdpx"
    path.write_text("segment_id,coder_id\n", encoding="utf-8")
    with pytest.raises(QdpxProblem, match=r"^discourse/kodning\.qdpx: not a zip file") as caught:
        read_qdpx(path, file="discourse/kodning.qdpx")
    assert "\n" not in str(caught.value)


def test_a_zip_without_project_qde(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Projekt 1.qde", "<Project/>")
        archive.writestr("sources/x.txt", "tekst")
    with pytest.raises(QdpxProblem, match=r"no project\.qde .*\(it holds Projekt 1\.qde\)"):
        read_qdpx(path)


def test_xml_that_does_not_parse_names_line_and_column(tmp_path: Path) -> None:
    project = _write(tmp_path / "p.qdpx", _small())
    line = _line_of(_qde(project), "<PlainTextSelection")
    broken = _with_qde(
        project, tmp_path / "q.qdpx", lambda qde: qde.replace("</PlainTextSelection>", "</Sel>")
    )
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(broken)
    message = str(caught.value)
    assert message.startswith(f"{broken}: project.qde, line ")
    assert "does not parse" in message and "column" in message and "\n" not in message
    reported = int(re.search(r"line (\d+)", message).group(1))
    assert reported > line


def test_a_project_in_another_namespace(tmp_path: Path) -> None:
    broken = _with_qde(
        _write(tmp_path / "p.qdpx", _small()),
        tmp_path / "q.qdpx",
        lambda qde: qde.replace(NAMESPACE, "urn:QDA-XML:codebook:1.0"),
    )
    with pytest.raises(
        QdpxProblem,
        match=r"line 2: the root element is Project in namespace "
        r"urn:QDA-XML:codebook:1\.0, not Project in ",
    ):
        read_qdpx(broken)


def test_a_selection_beyond_its_text_is_returned_as_a_problem(tmp_path: Path) -> None:
    project = _write(tmp_path / "p.qdpx", _small())
    beyond = len(TEXT) + 40
    broken = _with_qde(
        project,
        tmp_path / "q.qdpx",
        lambda qde: re.sub(r'endPosition="\d+"', f'endPosition="{beyond}"', qde),
    )
    segments = read_qdpx(broken)["segments"]
    start = TEXT.index(SEGMENT)
    ((line, values),) = segments.records
    assert values == ["S000001", "D0461-0001", str(start), str(beyond), None]
    ((problem_line, column, detail),) = segments.problems
    assert (problem_line, column) == (line, "end_offset")
    assert line == _line_of(_qde(broken), "<PlainTextSelection")
    assert f"end {beyond} is beyond the text of D0461-0001" in detail


def test_a_coding_to_an_unknown_code(tmp_path: Path) -> None:
    known = guid_for("code", "ECO_COST_SAVING")
    stranger = "0f0f0f0f-1111-2222-3333-444444444444"
    broken = _with_qde(
        _write(tmp_path / "p.qdpx", _small()),
        tmp_path / "q.qdpx",
        lambda qde: qde.replace(
            f'<CodeRef targetGUID="{known}"', f'<CodeRef targetGUID="{stranger}"'
        ),
    )
    codings = read_qdpx(broken)["codings"]
    assert _values(codings)[1] == ["S000001", "coder_b", f"<unknown code {stranger}>", "2016-10-01"]
    ((line, column, detail),) = codings.problems
    assert line == codings.records[1][0] and column == "justification_code"
    assert stranger in detail


def test_a_coding_by_an_unknown_user(tmp_path: Path) -> None:
    coder_b = guid_for("user", "coder_b")
    broken = _with_qde(
        _write(tmp_path / "p.qdpx", _small()),
        tmp_path / "q.qdpx",
        lambda qde: qde.replace(f'<User guid="{coder_b}" name="coder_b"/>', ""),
    )
    codings = read_qdpx(broken)["codings"]
    assert _values(codings)[1] == ["S000001", None, "ECO_COST_SAVING", "2016-10-01"]
    ((line, column, detail),) = codings.problems
    assert line == codings.records[1][0] and column == "coder_id" and coder_b in detail


def test_a_code_tree_nested_a_thousand_deep_is_read_with_paths_cut_short(
    tmp_path: Path,
) -> None:
    """Each level's path is its parent's and its own name: kept whole, the paths of a tree
    nested a thousand deep hold the top's name a thousand times, memory growing as the square
    of the depth (a file of a few hundred kilobytes took gigabytes). A long path is shown as
    "…/" and its last levels, in a finding and in the detail of a coding alike."""
    depth, name = 1000, "x" * 200
    known = guid_for("code", "ECO_COST_SAVING")
    deepest = f"00000000-0000-0000-0000-{depth - 1:012d}"

    def nest(qde: str) -> str:
        codes = "".join(
            f'<Code guid="00000000-0000-0000-0000-{level:012d}" '
            f'name="{name if level < depth - 1 else "Deepest"}" isCodable="true">'
            for level in range(depth)
        )
        qde = qde.replace("<Codes>", f"<Codes>{codes}{'</Code>' * depth}", 1)
        return qde.replace(f'<CodeRef targetGUID="{known}"', f'<CodeRef targetGUID="{deepest}"')

    project = _with_qde(_write(tmp_path / "p.qdpx", _small()), tmp_path / "deep.qdpx", nest)
    codings = read_qdpx(project)["codings"]
    shown = rf"'…/({name}/)+Deepest'"
    deep = [finding for finding in codings.findings if "Deepest" in finding]
    assert len(deep) == 1
    assert re.fullmatch(rf"code {shown} of the project \(1 codings\) is not mapped .*", deep[0])
    # A few levels' worth, where the deepest path is a thousand.
    assert max(len(finding) for finding in codings.findings) < 10 * len(name)
    ((_, column, detail),) = codings.problems
    assert column == "justification_code"
    assert re.search(rf"is to code {shown} of the project, which is not mapped", detail)


def test_a_source_text_with_nul_characters_is_refused(tmp_path: Path) -> None:
    """UTF-16 without a byte-order mark: an ASCII text is then valid UTF-8, every other
    character a NUL, and every segment cut at the wrong place."""
    text = "Frivillige og kommunen: Samarbejdet giver bedre loesninger."
    project = _write(tmp_path / "p.qdpx", _small(text, "Samarbejdet giver bedre loesninger."))
    broken = tmp_path / "q.qdpx"
    with zipfile.ZipFile(project) as source, zipfile.ZipFile(broken, "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("sources/"):
                source_name, data = name, text.encode("utf-16-le")
            copy.writestr(name, data)
    line = _line_of(_qde(broken), "<TextSource")
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(broken, file="discourse/discourse.qdpx")
    assert str(caught.value) == (
        f"discourse/discourse.qdpx: internal://{source_name.removeprefix('sources/')} (source "
        f"'D0461-0001', project.qde line {line}): a NUL character at character 1, so this is no "
        "plain text (UTF-16 without a byte-order mark?), as REFI-QDA source texts must be; "
        "export the project again from the QDA tool (File > Export > REFI-QDA project)."
    )


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("Code", guid_for("code", "EFF_BETTER_SOLUTIONS"), guid_for("code", "ECO_COST_SAVING")),
        ("User", guid_for("user", "coder_a"), guid_for("user", "coder_b")),
        ("PlainTextSelection", guid_for("segment", "S000001"), guid_for("segment", "S000002")),
    ],
    ids=["code", "user", "selection"],
)
def test_a_guid_given_twice_is_refused_naming_both_lines(
    tmp_path: Path, kind: str, first: str, second: str
) -> None:
    """Two codes, users or selections with one guid (a merge of two projects, a hand edit):
    codings to it would silently go to the other code, coder or segment."""
    data = _small()
    data["segments"].append(["S000002", "D0461-0001", "0", "3", TEXT[:3]])
    data["codings"].append(["S000002", "coder_b", "EFF_INNOVATION", "2016-10-02"])
    broken = _with_qde(
        _write(tmp_path / "p.qdpx", data),
        tmp_path / "q.qdpx",
        lambda qde: qde.replace(f'<{kind} guid="{second}"', f'<{kind} guid="{first}"'),
    )
    qde = _qde(broken).decode("utf-8").splitlines()
    lines = [number for number, line in enumerate(qde, 1) if f'<{kind} guid="{first}"' in line]
    assert len(lines) == 2
    with pytest.raises(QdpxProblem) as caught:
        read_qdpx(broken, file="discourse/discourse.qdpx")
    assert str(caught.value) == (
        f"discourse/discourse.qdpx: project.qde, line {lines[1]}: the {kind} has guid {first}, "
        f"as has the {kind} on line {lines[0]}; a guid must name one thing of the project "
        "(were two projects merged?), or codings would go to the wrong one; export the project "
        "again from the QDA tool (File > Export > REFI-QDA project)."
    )


def test_a_source_whose_text_is_missing(tmp_path: Path) -> None:
    project = _write(tmp_path / "p.qdpx", _small())
    broken = tmp_path / "q.qdpx"
    with zipfile.ZipFile(project) as source, zipfile.ZipFile(broken, "w") as copy:
        copy.writestr("project.qde", source.read("project.qde"))
    tables = read_qdpx(broken)
    assert _values(tables["documents"])[0][5] is None
    assert [column for _, column, _ in tables["documents"].problems] == ["text"]


# -- a project as NVivo / ATLAS.ti / MAXQDA write it -------------------------------------------

NVIVO_TEXT = "\ufeffReferat fra Ældreudvalget.\r\nFrivillige i Tarup 😊 løfter opgaven sammen.\r\n"
NVIVO_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project name="Samskabelse" origin="NVivo 14" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="{{7E2C5D2A-0A6B-4C8E-9F4B-1A2B3C4D5E6F}}" name="coder_a" id="CA"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="AAAAAAAA-0000-0000-0000-000000000001" name="Begrundelser" isCodable="false">
        <Code guid="AAAAAAAA-0000-0000-0000-000000000002" name="community" isCodable="true">
          <Code guid="AAAAAAAA-0000-0000-0000-000000000003" name="COM_ACTIVE_CITIZENSHIP"
                isCodable="true" color="#FF0000"/>
        </Code>
      </Code>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="BBBBBBBB-0000-0000-0000-000000000001" name="kommunekode" typeOfVariable="Text"/>
    <Variable guid="BBBBBBBB-0000-0000-0000-000000000002" name="published_date"
              typeOfVariable="Date"/>
    <Variable guid="BBBBBBBB-0000-0000-0000-000000000003" name="document_type"
              typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="CCCCCCCC-0000-0000-0000-000000000001" name="Tarup">
      <VariableValue>
        <VariableRef targetGUID="BBBBBBBB-0000-0000-0000-000000000001"/>
        <TextValue>0461</TextValue>
      </VariableValue>
      <SourceRef targetGUID="dddddddd-0000-0000-0000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="D0461-0007"
                plainTextPath="internal://DDDDDDDD-0000-0000-0000-000000000001.txt">
      <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001"
          name="Frivillige i Tarup 😊 løfter opgaven sammen." startPosition="{start}"
          endPosition="{end}" creatingUser="7e2c5d2a-0a6b-4c8e-9f4b-1a2b3c4d5e6f"
          creationDateTime="2017-03-01T23:30:00Z">
        <Coding guid="FFFFFFFF-0000-0000-0000-000000000001">
          <CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"
              creatingUser="{{7E2C5D2A-0A6B-4C8E-9F4B-1A2B3C4D5E6F}}">
        <CodeRef targetGUID="AAAAAAAA-0000-0000-0000-000000000002"/>
      </Coding>
      <VariableValue>
        <VariableRef targetGUID="BBBBBBBB-0000-0000-0000-000000000002"/>
        <DateValue>2017-02-20</DateValue>
      </VariableValue>
      <VariableValue>
        <VariableRef targetGUID="BBBBBBBB-0000-0000-0000-000000000003"/>
        <TextValue>minutes</TextValue>
      </VariableValue>
    </TextSource>
  </Sources>
</Project>
"""


def _nvivo(path: Path, start: int, end: int) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", NVIVO_QDE.format(start=start, end=end))
        archive.writestr(
            "Sources/DDDDDDDD-0000-0000-0000-000000000001.txt", NVIVO_TEXT.encode("utf-8")
        )
    return path


def test_a_project_as_nvivo_writes_it(tmp_path: Path) -> None:
    text = NVIVO_TEXT.removeprefix("\ufeff")
    sentence = "Frivillige i Tarup 😊 løfter opgaven sammen."
    start = text.index(sentence)  # the CR LF counts two, as NVivo counts it
    tables = read_qdpx(_nvivo(tmp_path / "nvivo.qdpx", start, start + len(sentence)))

    assert _values(tables["documents"]) == [
        ["D0461-0007", "0461", "minutes", "2017-02-20", None, text]
    ]
    segment_id = "Frivillige i Tarup 😊 løfter opgaven sammen."
    assert _values(tables["segments"]) == [
        [segment_id, "D0461-0007", str(start), str(start + len(sentence)), sentence]
    ]
    # Code three levels deep, GUIDs in braces and other case, user and time on the selection,
    # 23:30 UTC is the next day in Denmark.
    assert _values(tables["codings"]) == [
        [None, "coder_a", "community", None],
        [segment_id, "coder_a", "COM_ACTIVE_CITIZENSHIP", "2017-03-02"],
    ]
    assert [column for _, column, _ in tables["codings"].problems] == ["segment_id"]
    assert tables["segments"].problems == tables["documents"].problems == []


def test_crlf_counted_as_one_as_atlas_ti_does(tmp_path: Path) -> None:
    text = NVIVO_TEXT.removeprefix("\ufeff")
    sentence = "Frivillige i Tarup 😊 løfter opgaven sammen."
    start = text.index(sentence) - 1  # one CR LF before it, counted as one character
    tables = read_qdpx(
        _nvivo(tmp_path / "atlas.qdpx", start, start + len(sentence)), crlf_as_one=True
    )
    ((_, values),) = tables["segments"].records
    assert values[2:] == [str(start + 1), str(start + 1 + len(sentence)), sentence]


@pytest.mark.parametrize("crlf_as_one", [False, True], ids=["crlf_two", "crlf_one"])
def test_a_text_inline_keeps_its_line_ends_as_its_file_does(
    tmp_path: Path, crlf_as_one: bool
) -> None:
    """The same source, its text in a file or inline (PlainTextContent), gives the same
    tables: an XML parser reads a CR LF written in project.qde as one LF, but the positions
    count the text as written, as they do in a file. The first line end is written as a
    character reference and an LF, the second as it is."""
    text = NVIVO_TEXT.removeprefix("\ufeff")
    sentence = "Frivillige i Tarup 😊 løfter opgaven sammen."
    start = text.index(sentence) - (1 if crlf_as_one else 0)
    end = start + len(sentence)
    in_file = read_qdpx(_nvivo(tmp_path / "file.qdpx", start, end), crlf_as_one=crlf_as_one)
    path = '\n                plainTextPath="internal://DDDDDDDD-0000-0000-0000-000000000001.txt">'
    written = text.replace("\r\n", "&#13;\n", 1)
    qde = NVIVO_QDE.format(start=start, end=end)
    assert path in qde and "\r\n" in written
    with zipfile.ZipFile(tmp_path / "inline.qdpx", "w") as archive:
        archive.writestr(
            "project.qde",
            qde.replace(path, f">\n      <PlainTextContent>{written}</PlainTextContent>", 1),
        )
    inline = read_qdpx(tmp_path / "inline.qdpx", crlf_as_one=crlf_as_one)
    assert {stem: _values(table) for stem, table in inline.items()} == {
        stem: _values(table) for stem, table in in_file.items()
    }
    assert _values(inline["documents"])[0][5] == text
    assert _values(inline["segments"])[0][4] == sentence


def test_the_loader_quarantines_broken_codings_with_the_exports_reason(
    exports, tmp_path: Path
) -> None:
    """A coding to an unknown code is rejected by the loader with the reader's own
    detail (which code, which XML line), not a generic missing-value reason."""
    raw = shutil.copytree(exports("qdpx"), tmp_path / "raw")
    project = raw / "discourse" / "discourse.qdpx"
    known = guid_for("code", "ECO_COST_SAVING")
    stranger = "0f0f0f0f-1111-2222-3333-444444444444"
    _with_qde(
        project,
        tmp_path / "broken.qdpx",
        lambda qde: qde.replace(
            f'<CodeRef targetGUID="{known}"', f'<CodeRef targetGUID="{stranger}"', 1
        ),
    ).replace(project)

    loaded = {item.table: item for item in load(raw, tmp_path / "w.duckdb")}

    assert loaded["discourse__codings"].rows_rejected == 1
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        ((file, column, reason, detail),) = connection.execute(
            "select file, column_name, reason, detail from raw.rejected_rows"
        ).fetchall()
    assert (file, column, reason) == (
        "discourse/discourse.qdpx",
        "justification_code",
        "invalid_in_export",
    )
    assert stranger in detail


# -- the cases strand ------------------------------------------------------------------------


def _cases_project(
    csv_exports: Path, tmp_path: Path
) -> tuple[dict[str, tuple[list[str], list[list[str]]]], Path]:
    """The cases tables of `csv_exports` (conftest's `exports`) and the project the writer
    makes of them."""
    csvs = {stem: _csv(csv_exports / "cases" / f"{stem}.csv") for stem in CASE_HEADERS}
    project = tmp_path / "cases.qdpx"
    write_cases_qdpx(project, *(csvs[stem][1] for stem in CASE_HEADERS))
    return csvs, project


def test_demo_cases_round_trip(exports, tmp_path: Path) -> None:
    csvs, project = _cases_project(exports("csv"), tmp_path)
    tables = read_qdpx(project, strand="cases")
    qde = _qde(project).decode("utf-8").splitlines()

    assert set(tables) == set(CASE_HEADERS)
    for stem, (header, rows) in csvs.items():
        table = tables[stem]
        assert table.header == header == CASE_HEADERS[stem]
        expected = [[value or None for value in row] for row in rows]
        if stem == "actors":  # personal data, never in the project
            assert any(row[5] for row in rows) and any(row[6] for row in rows)
            expected = [[*row[:5], None, None] for row in expected]
        found = _values(table)
        if stem == "episode_participants":  # one SourceRef per actor and episode, by actor
            found, expected = sorted(found), sorted(expected)
        assert found == expected, stem
        assert table.problems == []
        lines = [line for line, _ in table.records]
        assert len(set(lines)) == len(lines) and min(lines) > 1
    # A record's line is its element's: the Case of a case or actor, the episode's TextSource.
    for stem, tag in (("cases", "<Case "), ("actors", "<Case "), ("episodes", "<TextSource ")):
        line, values = tables[stem].records[-1]
        assert tag in qde[line - 1] and f'name="{values[0]}"' in qde[line - 1], stem
    line, (episode_id, _) = tables["episode_participants"].records[0]
    assert f'<SourceRef targetGUID="{guid_for("episode", episode_id)}"/>' in qde[line - 1]
    assert any("\n" in row[5] or "ø" in row[5] for row in csvs["episodes"][1])

    # The mix writes the cases strand as this project, byte for byte.
    assert (exports("mix") / "cases" / "cases.qdpx").read_bytes() == project.read_bytes()
    assert not (exports("mix") / "cases" / "actors.xlsx").exists()


def test_cases_project_structure_follows_the_mapping(exports, tmp_path: Path) -> None:
    csvs, project = _cases_project(exports("csv"), tmp_path)
    root = etree.fromstring(_qde(project))
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    episode_id, case_id, episode_date, episode_type, outcome, summary = csvs["episodes"][1][0]
    source = root.find(f"q:Sources/q:TextSource[@name='{episode_id}']", NS)
    values = {
        variables[held.find("q:VariableRef", NS).get("targetGUID")]: held[1].text
        for held in source.iterfind("q:VariableValue", NS)
    }
    assert values == {
        "case_id": case_id,
        "episode_date": episode_date,
        "episode_type": episode_type,
        "outcome": outcome,
    }
    assert source.find("q:VariableValue/q:DateValue", NS).text == episode_date
    with zipfile.ZipFile(project) as archive:
        assert archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8") == summary
    participant, actor_id = csvs["episode_participants"][1][0]
    actor = root.find(f"q:Cases/q:Case[@name='{actor_id}']", NS)
    assert guid_for("episode", participant) in {
        ref.get("targetGUID") for ref in actor.iterfind("q:SourceRef", NS)
    }
    # Only actors point to sources: a SourceRef means "took part".
    case = root.find(f"q:Cases/q:Case[@name='{csvs['cases'][1][0][0]}']", NS)
    assert case.find("q:SourceRef", NS) is None


def test_no_contact_person_in_the_cases_project(exports, tmp_path: Path) -> None:
    csvs, project = _cases_project(exports("csv"), tmp_path)
    header, rows = csvs["actors"]
    secrets = {row[header.index(c)] for row in rows for c in ("contact_person", "contact_phone")}
    secrets.discard("")
    assert len(secrets) > 10
    with zipfile.ZipFile(project) as archive:
        contents = b"".join(archive.read(name) for name in archive.namelist())
    assert b"contact" not in contents
    found = [secret for secret in secrets if secret.encode("utf-8") in contents]
    assert found == []
    digits = {"".join(ch for ch in phone if ch.isdigit()) for phone in secrets}
    assert not any(len(d) >= 8 and d.encode() in contents for d in digits)


def test_a_participant_pointing_to_an_unknown_source_is_a_problem(exports, tmp_path: Path) -> None:
    csvs, project = _cases_project(exports("csv"), tmp_path)
    episode_id, actor_id = csvs["episode_participants"][1][0]
    known = guid_for("episode", episode_id)
    stranger = "0f0f0f0f-1111-2222-3333-444444444444"
    broken = _with_qde(
        project,
        tmp_path / "broken.qdpx",
        lambda qde: qde.replace(
            f'<SourceRef targetGUID="{known}"', f'<SourceRef targetGUID="{stranger}"', 1
        ),
    )
    participants = read_qdpx(broken, strand="cases")["episode_participants"]
    line = _line_of(_qde(broken), stranger)
    assert [values for at, values in participants.records if at == line] == [
        [f"<unknown source {stranger}>", actor_id]
    ]
    ((at, column, detail),) = participants.problems
    assert (at, column) == (line, "episode_id")
    assert stranger in detail and "not in the project" in detail


def test_the_loader_reads_the_case_tables_from_cases_qdpx(exports, tmp_path: Path) -> None:
    """The loader takes the four case tables from cases/cases.qdpx and quarantines a
    participant to an unknown source with the reader's reason."""
    raw = shutil.copytree(exports("qdpx"), tmp_path / "raw")
    project = raw / "cases" / "cases.qdpx"
    assert not (raw / "cases" / "actors.csv").exists()
    first = re.search(r'<SourceRef targetGUID="([^"]+)"', _qde(project).decode("utf-8"))
    stranger = "0f0f0f0f-1111-2222-3333-444444444444"
    _with_qde(
        project,
        tmp_path / "broken.qdpx",
        lambda qde: qde.replace(first.group(0), f'<SourceRef targetGUID="{stranger}"', 1),
    ).replace(project)

    loaded = {item.table: item for item in load(raw, tmp_path / "w.duckdb")}

    assert {loaded[f"cases__{stem}"].file for stem in CASE_HEADERS} == {"cases/cases.qdpx"}
    assert loaded["cases__episode_participants"].rows_rejected == 1
    assert sum(item.rows_rejected for item in loaded.values()) == 1
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        ((file, column, detail),) = connection.execute(
            "select file, column_name, detail from raw.rejected_rows"
        ).fetchall()
        contacts = connection.execute(
            "select count(*) from raw.cases__actors "
            "where contact_person is not null or contact_phone is not null"
        ).fetchone()
    assert (file, column) == ("cases/cases.qdpx", "episode_id")
    assert stranger in detail
    assert contacts == (0,)
