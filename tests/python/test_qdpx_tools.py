"""REFI-QDA projects as NVivo, ATLAS.ti and MAXQDA write them, loaded through the declared
mapping of their own codes and variables (seeds/qda_mapping.csv); what does not map is
listed, and an empty strand says why."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from qda_tools import (
    ATLAS,
    CODINGS,
    DOCUMENTS,
    MAPPING,
    MAXQDA,
    NVIVO,
    STUDY_CODES,
    Tool,
    document_text,
    file_text,
    write_project,
)
from samspil.load import LoadError, load
from samspil.load.qdpx import QdpxProblem, read_qdpx
from samspil.paths import PROJECT_DIR

from conftest import loader_contract_copy


def _project_dir(tmp_path: Path, mapping: str = MAPPING, source_meta: str = "") -> Path:
    """A copy of the loader's contract with ``mapping`` as the seed;
    ``source_meta`` is put on the discourse source (e.g. its qdpx settings)."""
    project = loader_contract_copy(tmp_path)
    (project / "seeds" / "qda_mapping.csv").write_text(mapping, encoding="utf-8")
    if source_meta:
        sources = project / "models/staging/discourse/_discourse__sources.yml"
        text = sources.read_text(encoding="utf-8")
        sources.write_text(
            text.replace("    schema: raw\n", f"    schema: raw\n    meta: {source_meta}\n", 1),
            encoding="utf-8",
        )
    return project


def _raw_with(tmp_path: Path, demo_as_csv: Path, tool: Tool, **options: bool) -> Path:
    """The demo as CSV, its discourse strand replaced by a project written by ``tool``."""
    raw = tmp_path / "raw"
    shutil.copytree(demo_as_csv, raw)
    for stem in ("documents", "segments", "codings"):
        (raw / "discourse" / f"{stem}.csv").unlink()
    write_project(tool, raw / "discourse" / "discourse.qdpx", **options)
    return raw


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def _expected_codings(tool: Tool) -> list[tuple[str, str]]:
    """(passage, justification_code) of every coding of a code the mapping maps."""
    return sorted(
        (passage, STUDY_CODES[code]) for _, passage, code, _ in CODINGS if code in STUDY_CODES
    )


@pytest.mark.parametrize("tool", [NVIVO, MAXQDA], ids=["nvivo", "maxqda"])
def test_a_tools_project_loads_through_the_mapping(
    tool: Tool, tmp_path: Path, demo_as_csv: Path
) -> None:
    raw = _raw_with(tmp_path, demo_as_csv, tool)
    warehouse = tmp_path / "w.duckdb"
    project = _project_dir(tmp_path / "a")
    if tool.utf16:
        # NVivo counts UTF-16 code units; before a coded passage is an emoji, where the counts
        # differ: until the source says which, the project is refused.
        with pytest.raises(LoadError, match=r"position_unit: utf16.*_discourse__sources\.yml\.$"):
            load(raw, warehouse, project_dir=project)
        project = _project_dir(tmp_path / "b", source_meta="{qdpx: {position_unit: utf16}}")
    loaded = {item.table: item for item in load(raw, warehouse, project_dir=project)}

    documents = _rows(
        warehouse,
        "select kommunekode, document_type, published_date, title, text "
        "from raw.discourse__documents order by kommunekode",
    )
    assert documents == sorted(
        (row[1], row[2], row[3], row[4], file_text(tool, document_text(tool, number)))
        for number, row in enumerate(DOCUMENTS)
    )
    codings = _rows(
        warehouse,
        "select segment_text, justification_code from raw.discourse__codings "
        "join raw.discourse__segments using (segment_id) order by all",
    )
    assert codings == _expected_codings(tool)
    # The coding to the unmapped "Stemning/Positiv" is quarantined, saying what to do.
    ((column, reason, detail),) = _rows(
        warehouse,
        "select column_name, reason, detail from raw.rejected_rows "
        "where table_name = 'discourse__codings'",
    )
    assert (column, reason) == ("justification_code", "invalid_in_export")
    assert "'Stemning/Positiv'" in detail and "seeds/qda_mapping.csv" in detail
    # Every code of the project that did not map is a finding, with its codings.
    findings = _rows(
        warehouse,
        "select file, table_name, finding from raw.load_findings where file like 'discourse%'",
    )
    unmapped = sorted(finding for _, _, finding in findings if finding.startswith("code "))
    assert unmapped == [
        "code 'Stemning' of the project (0 codings) is not mapped to a justification code: "
        "its codings are quarantined; map it in seeds/qda_mapping.csv",
        "code 'Stemning/Positiv' of the project (1 codings) is not mapped to a justification "
        "code: its codings are quarantined; map it in seeds/qda_mapping.csv",
    ]
    assert {file for file, _, _ in findings} == {"discourse/discourse.qdpx"}
    assert loaded["discourse__documents"].rows_rejected == 0
    # One segment per selection; MAXQDA's memo on "Referat" is one without a coding.
    memo = 1 if tool is MAXQDA else 0
    assert loaded["discourse__segments"].rows_loaded == len(CODINGS) + memo


def test_an_atlas_ti_pdf_document_is_read_from_its_text_representation(
    tmp_path: Path, demo_as_csv: Path
) -> None:
    raw = _raw_with(tmp_path, demo_as_csv, ATLAS, pdf=True)
    warehouse = tmp_path / "w.duckdb"
    # ATLAS.ti counts CR LF as one character: until the source says so, the project is refused.
    with pytest.raises(LoadError, match=r"crlf_as_one: true.*_discourse__sources\.yml\.$"):
        load(raw, warehouse, project_dir=_project_dir(tmp_path / "a"))
    project = _project_dir(tmp_path / "b", source_meta="{qdpx: {crlf_as_one: true}}")
    load(raw, warehouse, project_dir=project)

    documents = _rows(
        warehouse, "select document_id, text from raw.discourse__documents order by 1"
    )
    assert documents == sorted(
        (f"{row[0]}.pdf" if number == 0 else row[0], file_text(ATLAS, document_text(ATLAS, number)))
        for number, row in enumerate(DOCUMENTS)
    )
    codings = _rows(
        warehouse,
        "select segment_text, justification_code from raw.discourse__codings "
        "join raw.discourse__segments using (segment_id) order by all",
    )
    assert codings == _expected_codings(ATLAS)
    # The coded area of the PDF's page is no text: quarantined with its coding, not lost.
    rejected = _rows(
        warehouse,
        "select table_name, column_name, detail from raw.rejected_rows "
        "where detail like '%area of page%' or detail like '%figur%' order by 1",
    )
    assert [(table, column) for table, column, _ in rejected] == [
        ("discourse__codings", "segment_id"),
        ("discourse__segments", "start_offset"),
    ]


def test_the_study_names_map_to_themselves_without_rows(tmp_path: Path) -> None:
    """The demo's project (the generator's) needs no mapping row and yields no finding."""
    from samspil.load.qdpx.mapping import read_mapping

    project = PROJECT_DIR / "raw" / "demo" / "discourse" / "discourse.qdpx"
    empty = _project_dir(tmp_path, mapping="strand,kind,project_name,study_name\n")
    tables = read_qdpx(project, mapping=read_mapping(empty / "seeds", "discourse"))
    assert all(table.findings == [] for table in tables.values())
    assert tables["codings"].problems == [] and len(tables["codings"].records) > 100


def test_every_missing_variable_of_a_row_is_named(tmp_path: Path, demo_as_csv: Path) -> None:
    """Without the variable rows of the mapping, each document lacks kommunekode,
    document_type and published_date: the rejected row names all three, and the findings
    name the variables."""
    raw = _raw_with(tmp_path, demo_as_csv, MAXQDA)
    codes_only = "\n".join(line for line in MAPPING.splitlines() if ",variable," not in line)
    warehouse = tmp_path / "w.duckdb"
    load(raw, warehouse, project_dir=_project_dir(tmp_path, mapping=codes_only + "\n"))

    details = _rows(
        warehouse,
        "select detail from raw.rejected_rows where table_name = 'discourse__documents'",
    )
    assert details == [
        ("kommunekode is empty; every row needs one. Also empty: document_type, published_date.",)
    ] * len(DOCUMENTS)
    findings = [
        finding
        for (finding,) in _rows(
            warehouse,
            "select finding from raw.load_findings where table_name = 'discourse__documents'",
        )
    ]
    assert [finding.split(" (")[0] for finding in findings] == [
        "variable 'Kommune' of the project",
        "variable 'Dokumenttype' of the project",
        "variable 'Dato' of the project",
        "variable 'Titel' of the project",
    ]
    assert "(2 values) is not mapped to an attribute of the discourse strand" in findings[0]


def test_a_project_without_text_says_why_the_strand_is_empty(
    tmp_path: Path, demo_as_csv: Path
) -> None:
    raw = _raw_with(tmp_path, demo_as_csv, MAXQDA)
    project = raw / "discourse" / "discourse.qdpx"
    with zipfile.ZipFile(project) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    start, end = qde.index("<Sources>"), qde.index("</Sources>")
    pictures = (
        '<Sources><PictureSource guid="0f0f0f0f-1111-2222-3333-444444444444" name="Plakat" '
        'path="internal://plakat.jpg" /></Sources>'
    )
    with zipfile.ZipFile(project, "w") as archive:
        archive.writestr("project.qde", qde[:start] + pictures + qde[end + len("</Sources>") :])
    warehouse = tmp_path / "w.duckdb"
    loaded = {item.table: item for item in load(raw, warehouse, project_dir=_project_dir(tmp_path))}

    documents = loaded["discourse__documents"]
    assert documents.rows_read == 0
    assert (
        "no documents: the project has no TextSource and no PDFSource (it holds 1 "
        "PictureSource); export the project again from the QDA tool"
    ) in " | ".join(documents.findings)
    assert _rows(
        warehouse,
        "select count(*) from raw.load_findings where file = 'discourse/discourse.qdpx' "
        "and finding like 'no documents:%'",
    ) == [(1,)]


def test_a_mapping_to_a_name_the_study_lacks_is_one_line(tmp_path: Path) -> None:
    from samspil.load.qdpx.mapping import MappingError, read_mapping

    project = _project_dir(
        tmp_path, mapping="strand,kind,project_name,study_name\n,code,Bedre løsninger,EFF_BEST\n"
    )
    with pytest.raises(
        MappingError,
        match=r"^seeds/qda_mapping\.csv, line 2: study_name 'EFF_BEST' is not a justification "
        r"code of seeds/justification_codes\.csv; leave it empty",
    ):
        read_mapping(project / "seeds", "discourse")


def test_an_atlas_ti_26_project_named_after_itself_is_named(tmp_path: Path) -> None:
    """ATLAS.ti 26 writes Trial.qde, not project.qde (REFI-QDA 1.5 says project.qde)."""
    path = write_project(ATLAS, tmp_path / "p.qdpx")
    renamed = tmp_path / "trial.qdpx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(renamed, "w") as copy:
        for name in source.namelist():
            copy.writestr("Trial.qde" if name == "project.qde" else name, source.read(name))
    with pytest.raises(QdpxProblem, match=r"\(it holds Trial\.qde\).*rename Trial\.qde to"):
        read_qdpx(renamed, file="discourse/discourse.qdpx")
