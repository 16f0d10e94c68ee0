"""`samspil export`: the release tier by default, the marts with --restricted, in the
researchers' formats, read back and compared."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import math
from pathlib import Path

import duckdb
import pyreadstat
import pytest

from samspil.export import (
    STATA_BLANK,
    STATA_LABEL_LENGTH,
    STATA_MISSING,
    STATA_NAME_LENGTH,
    spss_label,
    stata_label,
)
from samspil.paths import PROJECT_DIR, replacing

from conftest import Build, mode, run_samspil, umask

SEEDS = PROJECT_DIR / "seeds"
SURVEYS = ("institution", "association")


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def exports(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The restricted tier's export (every mart), asked for by --restricted."""
    out = tmp_path_factory.mktemp("exports") / "exports"
    result = run_samspil(
        "export", "--restricted", "--out", str(out), warehouse=demo_build.warehouse
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_default_export_is_the_release_tier_only(demo_build: Build, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    result = run_samspil("export", "--out", str(out), warehouse=demo_build.warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    released = [
        name
        for (name,) in demo_build.query(
            "select table_name from duckdb_tables() where schema_name = 'release' order by 1"
        )
    ]
    assert len(released) >= 14
    assert manifest["tier"] == "release"
    assert manifest["warehouse"].endswith("samspil_release.duckdb")
    assert sorted(item["file"] for item in manifest["files"]) == sorted(
        f"{kind}/{name}.{kind}" for name in released for kind in ("parquet", "csv", "sav", "dta")
    )
    with duckdb.connect() as connection:
        for name in released:
            rows = connection.execute(
                f"select * from read_parquet('{out / 'parquet' / name}.parquet') order by all"
            ).fetchall()
            assert rows == demo_build.query(f"select * from release.{name} order by all"), name
    help_text = run_samspil("export", "--help", warehouse=demo_build.warehouse).stdout
    assert "--restricted" in help_text and "unit-level" in help_text


@pytest.fixture(scope="module")
def manifest(exports: Path) -> dict:
    return json.loads((exports / "manifest.json").read_text(encoding="utf-8"))


def _marts(build: Build) -> list[str]:
    return [
        name
        for (name,) in build.query(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        )
    ]


def _columns(build: Build, mart: str) -> list[tuple[str, str, str]]:
    return build.query(
        "select column_name, data_type, comment from duckdb_columns() "
        "where schema_name = 'marts' and table_name = ? order by column_index",
        mart,
    )


def _rows(build: Build, mart: str) -> list[tuple]:
    return build.query(f"select * from marts.{mart} order by all")


def test_every_mart_in_every_format_with_a_true_manifest(
    demo_build: Build, exports: Path, manifest: dict
) -> None:
    files = {item["file"]: item for item in manifest["files"]}
    for mart in _marts(demo_build):
        rows = demo_build.query(f"select count(*) from marts.{mart}")[0][0]
        for export_format in ("parquet", "csv", "sav", "dta"):
            item = files.pop(f"{export_format}/{mart}.{export_format}")
            assert (item["source"], item["rows"]) == (mart, rows)
    wide = {
        f"{kind}/{survey}_survey_responses.{kind}" for survey in SURVEYS for kind in ("sav", "dta")
    }
    assert set(files) == wide  # nothing but the marts and the wide survey files
    for item in manifest["files"]:
        path = exports / item["file"]
        assert path.stat().st_size == item["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    leftovers = [path.name for path in exports.parent.iterdir() if path.name != "exports"]
    assert leftovers == []  # the temporary folder was renamed into place


def test_parquet_and_csv_equal_the_mart(demo_build: Build, exports: Path) -> None:
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as connection:
        for mart in _marts(demo_build):
            expected = connection.execute(f"select * from marts.{mart} order by all").fetchall()
            parquet = exports / "parquet" / f"{mart}.parquet"
            assert connection.execute(f"select * from '{parquet}'").fetchall() == expected, mart
            types = ", ".join(
                f"'{name}': '{data_type}'" for name, data_type, _ in _columns(demo_build, mart)
            )
            csv_file = exports / "csv" / f"{mart}.csv"
            read_back = connection.execute(
                f"select * from read_csv('{csv_file}', header = true, columns = {{{types}}})"
            ).fetchall()
            assert read_back == expected, mart


def _as_read(value: object, data_type: str) -> object:
    """What SPSS and Stata give back for a DuckDB value: numbers as floats, booleans 0/1,
    no missing strings (empty instead)."""
    if value is None:
        return "" if data_type == "VARCHAR" else None
    if data_type == "BOOLEAN":
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return value


def _cell(value: object) -> object:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is not None and str(value) == "NaT":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, int | float):
        return float(value)
    return value


@pytest.mark.parametrize("kind", ["sav", "dta"])
def test_spss_and_stata_files_equal_the_mart_with_its_descriptions(
    demo_build: Build, exports: Path, manifest: dict, kind: str
) -> None:
    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    renamed = {item["file"]: item["renamed_columns"] for item in manifest["files"]}
    for mart in _marts(demo_build):
        columns = _columns(demo_build, mart)
        frame, meta = reader(str(exports / kind / f"{mart}.{kind}"))
        names = renamed[f"{kind}/{mart}.{kind}"]
        assert meta.column_names == [names.get(name, name) for name, _, _ in columns]
        label = spss_label if kind == "sav" else stata_label
        assert meta.column_labels == [label(comment) for _, _, comment in columns], mart
        for (name, data_type, _), file_label in zip(columns, meta.column_labels, strict=True):
            if data_type == "BOOLEAN":
                assert meta.variable_value_labels[names.get(name, name)] == {
                    0: "false",
                    1: "true",
                }
            if len(file_label) < STATA_LABEL_LENGTH:  # not cut: the description itself
                assert file_label == " ".join(dict((c[0], c[2]) for c in columns)[name].split())
        expected = [
            tuple(
                _as_read(value, data_type)
                for value, (_, data_type, _) in zip(row, columns, strict=True)
            )
            for row in _rows(demo_build, mart)
        ]
        read_back = [tuple(_cell(value) for value in row) for row in frame.itertuples(index=False)]
        assert read_back == expected, mart


def test_stata_limits_are_kept(exports: Path, manifest: dict) -> None:
    for item in manifest["files"]:
        if item["format"] != "dta":
            continue
        _, meta = pyreadstat.read_dta(str(exports / item["file"]), metadataonly=True)
        assert all(len(name) <= STATA_NAME_LENGTH for name in meta.column_names)
        assert all(len(label or "") <= STATA_LABEL_LENGTH for label in meta.column_labels)
        for original, short in item["renamed_columns"].items():
            assert len(original) > STATA_NAME_LENGTH
            assert original.startswith(short)


def _answers(build: Build, survey: str) -> dict[tuple[str, str], str | None]:
    return {
        (response_id, variable): code
        for response_id, variable, code in build.query(
            "select answers.response_id, items.variable, answers.answer_code "
            "from marts.fct_survey_answers as answers "
            "inner join marts.dim_survey_items as items "
            "on answers.survey_item_id = items.survey_item_id "
            "where answers.survey = ?",
            survey,
        )
    }


@pytest.mark.parametrize("survey", SURVEYS)
def test_wide_survey_files_carry_the_codebook(
    demo_build: Build, exports: Path, survey: str
) -> None:
    items = [item for item in _seed("survey_items") if item["survey"] == survey]
    items.sort(key=lambda item: int(item["item_order"]))
    labels: dict[str, dict[int, tuple[str, str]]] = {}
    for row in _seed("survey_value_labels"):
        labels.setdefault(row["value_set"], {})[int(row["code"])] = (
            row["label_en"],
            row["missing_reason"],
        )
    answers = _answers(demo_build, survey)
    responses = demo_build.query(
        "select count(distinct response_id) from marts.fct_survey_answers where survey = ?",
        survey,
    )[0][0]

    spss, spss_meta = pyreadstat.read_sav(
        str(exports / "sav" / f"{survey}_survey_responses.sav"), user_missing=True
    )
    stata, stata_meta = pyreadstat.read_dta(
        str(exports / "dta" / f"{survey}_survey_responses.dta"), user_missing=True
    )
    assert len(spss) == len(stata) == responses
    assert spss["response_id"].is_unique
    spss_labels = dict(zip(spss_meta.column_names, spss_meta.column_labels, strict=True))
    stata_labels = dict(zip(stata_meta.column_names, stata_meta.column_labels, strict=True))
    for item in items:
        variable, value_set = item["variable"], item["value_set"]
        codes = labels[value_set]
        missing = {code for code, (_, reason) in codes.items() if reason}
        assert spss_labels[variable] == item["question_en"]
        assert stata_labels[variable] == stata_label(item["question_en"])
        assert spss_meta.variable_value_labels[variable] == {
            float(code): label for code, (label, _) in codes.items()
        }
        declared = spss_meta.missing_ranges.get(variable, [])
        assert {entry["lo"] for entry in declared} == {float(code) for code in missing}
        assert stata_meta.variable_value_labels[variable] == {
            **{code: label for code, (label, reason) in codes.items() if not reason},
            **{STATA_MISSING[reason]: label for label, reason in codes.values() if reason},
            STATA_BLANK: "Blank: not reached or skipped",
        }
        for response_id, spss_value, stata_value in zip(
            spss["response_id"], spss[variable], stata[variable], strict=True
        ):
            code = answers.get((response_id, variable))
            if code is None:
                assert math.isnan(spss_value)
                assert stata_value == STATA_BLANK
            else:
                assert spss_value == float(code)
                reason = codes.get(int(code), ("", ""))[1]
                assert stata_value == (STATA_MISSING[reason] if reason else int(code))


def test_danish_labels_on_request(demo_build: Build, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    result = run_samspil(
        "export",
        "--restricted",
        "--out",
        str(out),
        "--labels",
        "da",
        warehouse=demo_build.warehouse,
    )
    assert result.returncode == 0, result.stderr
    item = _seed("survey_items")[0]
    _, meta = pyreadstat.read_sav(
        str(out / "sav" / f"{item['survey']}_survey_responses.sav"), metadataonly=True
    )
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels[item["variable"]] == item["question_da"]
    assert meta.variable_value_labels[item["variable"]][1.0] == "Ja"


def test_export_replaces_the_old_folder_and_refuses_a_missing_warehouse(
    demo_build: Build, manifest: dict, tmp_path: Path
) -> None:
    # A folder of the user's, not an export: refused, left as it was.
    out = tmp_path / "exports"
    out.mkdir()
    (out / "thesis.docx").write_text("chapter 1\n", encoding="utf-8")
    refused = run_samspil("export", "--out", str(out), warehouse=demo_build.warehouse)
    assert refused.returncode == 1
    assert f"{out}: exists and is not a samspil export" in " ".join(refused.stderr.split())
    assert [path.name for path in out.iterdir()] == ["thesis.docx"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["exports"]
    # Empty, it is taken; an earlier export is replaced, with what it held and the new one
    # does not.
    (out / "thesis.docx").unlink()
    for stale in (None, out / "csv" / "dim_gone.csv"):
        if stale is not None:
            stale.write_text("stale\n", encoding="utf-8")
        exported = run_samspil(
            "export", "--restricted", "--out", str(out), warehouse=demo_build.warehouse
        )
        assert exported.returncode == 0, exported.stderr
    assert not (out / "csv" / "dim_gone.csv").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["exports"]
    # Same warehouse, same Parquet and CSV bytes (.sav and .dta carry their write time).
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stable = {"parquet", "csv"}
    assert {
        item["file"]: item["sha256"] for item in again["files"] if item["format"] in stable
    } == {item["file"]: item["sha256"] for item in manifest["files"] if item["format"] in stable}

    missing = run_samspil("export", "--out", str(out), warehouse=tmp_path / "none.duckdb")
    assert missing.returncode == 1
    assert "none_release.duckdb: no published warehouse; run `samspil build` first." in (
        missing.stderr
    )
    assert (out / "manifest.json").is_file()  # the last good export stays


def test_a_replaced_folder_keeps_its_permissions(tmp_path: Path) -> None:
    """An export (or report) folder the user made private stays private when the next one
    replaces it; a new one gets what the umask gives any new folder."""
    out = tmp_path / "exports"
    for _ in range(2):
        with replacing(out) as folder:
            (folder / "manifest.json").write_text("{}\n", encoding="utf-8")
        assert mode(out) == 0o777 & ~umask()
    out.chmod(0o700)

    with replacing(out) as folder:
        (folder / "manifest.json").write_text("{}\n", encoding="utf-8")

    assert mode(out) == 0o700
    assert [path.name for path in tmp_path.iterdir()] == ["exports"]


@pytest.mark.parametrize("command", ["export", "report"])
def test_an_out_folder_that_cannot_be_written_is_refused_in_one_line(
    tmp_path: Path, command: str
) -> None:
    warehouse = tmp_path / "samspil.duckdb"
    (tmp_path / "samspil_release.duckdb").touch()
    out = Path("/proc") / f"samspil-test-{command}"  # no one, root included, writes there

    result = run_samspil(command, "--out", str(out), warehouse=warehouse)

    assert result.returncode == 1, result.stdout
    assert "error: /proc: cannot write there (" in result.stderr
    assert "choose another --out" in result.stderr
    assert "Traceback" not in result.stderr


def test_replacing_a_folder_leaves_a_retired_folder_of_another_alone(tmp_path: Path) -> None:
    """`.exports.retired` beside the export, not of this run's making (a user's, or a
    crashed run's): replacing the export does not delete it."""
    out = tmp_path / "exports"
    out.mkdir()
    other = tmp_path / ".exports.retired"
    other.mkdir()
    (other / "keep.txt").write_text("mine\n", encoding="utf-8")

    with replacing(out) as folder:
        (folder / "manifest.json").write_text("{}\n", encoding="utf-8")

    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == [".exports.retired", "exports"]


def _tiny_release_file(folder: Path) -> Path:
    """A published pair in `folder` whose release file has one table; returns the
    restricted file."""
    with duckdb.connect(str(folder / "samspil_release.duckdb")) as connection:
        connection.execute("create schema release")
        connection.execute("create table release.rpt_cells as select 1 as cell_id")
    with duckdb.connect(str(folder / "samspil.duckdb")) as connection:
        connection.execute("create schema marts")
    return folder / "samspil.duckdb"


def test_a_release_export_names_its_file_not_where_it_was(tmp_path: Path) -> None:
    """The release tier's export may be shared: its manifest does not say in which (home)
    folder the warehouse was."""
    out = tmp_path / "exports"
    result = run_samspil("export", "--out", str(out), warehouse=_tiny_release_file(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warehouse"] == "samspil_release.duckdb"
    assert str(tmp_path) not in (out / "manifest.json").read_text(encoding="utf-8")


def test_an_export_of_the_other_tier_is_not_replaced(tmp_path: Path) -> None:
    """--restricted with --out an earlier release export would put unit-level marts where
    the shareable export was: refused, the release export left as it was."""
    warehouse = _tiny_release_file(tmp_path)
    out = tmp_path / "exports"
    assert run_samspil("export", "--out", str(out), warehouse=warehouse).returncode == 0
    before = (out / "manifest.json").read_text(encoding="utf-8")

    result = run_samspil("export", "--restricted", "--out", str(out), warehouse=warehouse)

    assert result.returncode == 1, result.stdout
    assert f"{out}: holds an export of the release tier, which this export of the " in (
        " ".join(result.stderr.split())
    )
    assert "Traceback" not in result.stderr
    assert (out / "manifest.json").read_text(encoding="utf-8") == before
