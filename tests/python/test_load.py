"""The loader: raw files land untouched, audited, and bad files fail clearly."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from samspil.load import RAW_FILES, LoadError, load

from conftest import DEMO


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("truth"))
    return copy


def test_every_row_and_value_is_loaded_with_its_line(raw_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    loaded = load(raw_copy, warehouse)
    assert [item.table for item in loaded] == [
        f"{strand}__{stem}" for strand, stems in RAW_FILES.items() for stem in stems
    ]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for item in loaded:
            path = raw_copy / item.file
            assert item.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            (rows, first_line) = connection.execute(
                f"select count(*), min(_line) from raw.{item.table}"
            ).fetchone()
            assert rows == item.rows > 0
            assert first_line == 2
            types = {
                data_type
                for (data_type,) in connection.execute(
                    "select data_type from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? and column_name <> '_line'",
                    [item.table],
                ).fetchall()
            }
            assert types == {"VARCHAR"}


def test_free_text_with_newlines_keeps_the_starting_line(raw_copy: Path, tmp_path: Path) -> None:
    episodes = raw_copy / "cases" / "episodes.csv"
    lines = episodes.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = ["X-E001" if name == "episode_id" else "" for name in header]
    fields[header.index("summary")] = '"Møde om ""samarbejde"",\nanden linje"'
    episodes.write_text("".join(lines) + ",".join(fields) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        line, summary = connection.execute(
            "select _line, summary from raw.cases__episodes where episode_id = 'X-E001'"
        ).fetchone()
    assert line == len(lines) + 1
    assert summary == 'Møde om "samarbejde",\nanden linje'


def test_reloading_replaces_rather_than_appends(raw_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    first = load(raw_copy, warehouse)
    load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.load_audit").fetchone()[0] == len(first)
        table, rows = first[0].table, first[0].rows
        assert connection.execute(f"select count(*) from raw.{table}").fetchone()[0] == rows


def test_missing_file_is_named(raw_copy: Path, tmp_path: Path) -> None:
    (raw_copy / "discourse" / "codings.csv").unlink()
    with pytest.raises(LoadError, match=r"discourse/codings\.csv: file not found"):
        load(raw_copy, tmp_path / "w.duckdb")


def test_ragged_row_names_file_and_line(raw_copy: Path, tmp_path: Path) -> None:
    cases = raw_copy / "cases" / "cases.csv"
    with cases.open("a", encoding="utf-8") as handle:
        handle.write("K99,0461\n")
    line = len(cases.read_text(encoding="utf-8").splitlines())
    with pytest.raises(LoadError, match=rf"cases/cases\.csv, line {line}: 2 fields"):
        load(raw_copy, tmp_path / "w.duckdb")


def test_non_utf8_file_is_named(raw_copy: Path, tmp_path: Path) -> None:
    frame = raw_copy / "association_survey" / "frame.csv"
    frame.write_bytes(frame.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    with pytest.raises(LoadError, match=r"association_survey/frame\.csv: byte \d+ is not UTF-8"):
        load(raw_copy, tmp_path / "w.duckdb")
