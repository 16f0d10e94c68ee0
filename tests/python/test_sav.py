"""SPSS .sav: a generated responses table survives write and read as the CSV's exact text,
the file carries the codebook (labels, user-missing codes), two writes are byte-identical, and
a file whose codebook disagrees with the seeds gives one finding per disagreement."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from samspil.load.csvfile import FileProblem
from samspil.load.rows import parse_timestamp
from samspil.load.sav import CodebookFinding, SavTable, codebook_findings, read_sav
from samspil.tools.generate.reference import DEFAULT_SEEDS_DIR, Reference, load_reference
from samspil.tools.generate.sav import CREATION_DATE, CREATION_TIME, write_sav

# The header record: "$FL2", product name (60), five int32, bias (float64), then the stamp.
STAMP = slice(92, 92 + 9 + 8)


@pytest.fixture(scope="module")
def generated(exports) -> Path:
    return exports("csv")


@pytest.fixture(scope="module")
def reference() -> Reference:
    return load_reference(DEFAULT_SEEDS_DIR)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def seed_rows(name: str) -> list[dict[str, str]]:
    with (DEFAULT_SEEDS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def institution_sav(
    generated: Path, reference: Reference, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    header, rows = read_csv(generated / "institution_survey" / "responses.csv")
    path = tmp_path_factory.mktemp("sav") / "responses.sav"
    write_sav(path, header, rows, reference)
    return path


@pytest.mark.parametrize("survey", ["institution", "association"])
def test_round_trip_gives_the_csv_text(
    survey: str, generated: Path, reference: Reference, tmp_path: Path
) -> None:
    header, rows = read_csv(generated / f"{survey}_survey" / "responses.csv")
    path = tmp_path / "responses.sav"
    write_sav(path, header, rows, reference)
    table = read_sav(path)
    assert isinstance(table, SavTable)
    assert table.header == header
    assert [number for number, _ in table.records] == list(range(1, len(rows) + 1))
    assert [values for _, values in table.records] == [
        [value if value != "" else None for value in row] for row in rows
    ]
    # the table has what makes the round trip worth testing
    items = [row for row in seed_rows("survey_items.csv") if row["survey"] == survey]
    filtered = next(item["variable"] for item in items if item["value_set"] == "yes_no_filtered")
    counts = next(item["variable"] for item in items if item["value_set"] == "count")
    column = {name: index for index, name in enumerate(header)}
    assert {"", "1", "2", "7", "8", "9"} <= {row[column[filtered]] for row in rows}
    assert {"97", "98", "99"} <= {row[column[counts]] for row in rows}
    assert any(row[column["submitted_date"]] == "" for row in rows)
    assert any("\n" in value for row in rows for value in row)


def test_labels_and_user_missing_are_in_the_file(institution_sav: Path) -> None:
    _, meta = pyreadstat.read_sav(str(institution_sav), metadataonly=True, user_missing=True)
    items = [row for row in seed_rows("survey_items.csv") if row["survey"] == "institution"]
    labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[dict[str, float]]] = {}
    for row in seed_rows("survey_value_labels.csv"):
        labels.setdefault(row["value_set"], {})[float(row["code"])] = row["label_da"]
        if row["missing_reason"]:
            code = float(row["code"])
            missing.setdefault(row["value_set"], []).append({"lo": code, "hi": code})
    for item in items:
        name = item["variable"]
        assert meta.readstat_variable_types[name] == "double"
        assert meta.column_names_to_labels[name] == item["question_da"]
        assert meta.variable_value_labels[name] == labels[item["value_set"]]
        assert meta.missing_ranges[name] == missing[item["value_set"]]
    assert meta.missing_ranges["form_joint_activities"] == [
        {"lo": code, "hi": code} for code in (7.0, 8.0, 9.0)
    ]
    assert meta.missing_ranges["n_partner_associations"] == [
        {"lo": code, "hi": code} for code in (97.0, 98.0, 99.0)
    ]
    assert meta.missing_ranges["att_better_solutions"] == [
        {"lo": code, "hi": code} for code in (8.0, 9.0)
    ]
    item_names = {item["variable"] for item in items}
    for name in meta.column_names:
        if name not in item_names:
            assert meta.readstat_variable_types[name] == "string", name
    # declared user-missing: without user_missing=True SPSS readers turn the codes into NaN
    frame, _ = pyreadstat.read_sav(str(institution_sav))
    kept, _ = pyreadstat.read_sav(str(institution_sav), user_missing=True)
    assert (kept["n_partner_associations"] == 97).any()
    assert not (frame["n_partner_associations"] >= 97).any()
    assert not frame["att_better_solutions"].isin([8, 9]).any()


def test_two_writes_are_byte_identical(
    generated: Path, reference: Reference, tmp_path: Path
) -> None:
    header, rows = read_csv(generated / "institution_survey" / "responses.csv")
    first, second = tmp_path / "first.sav", tmp_path / "second.sav"
    write_sav(first, header, rows, reference)
    time.sleep(1.1)  # the clock's stamp would now differ by a second at least
    write_sav(second, header, rows, reference)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[STAMP] == CREATION_DATE + CREATION_TIME


def test_the_stamp_offsets_are_where_pyreadstat_writes_the_clock(
    institution_sav: Path, tmp_path: Path
) -> None:
    frame, _ = pyreadstat.read_sav(str(institution_sav))
    path = tmp_path / "raw_pyreadstat.sav"
    before = dt.datetime.now()
    pyreadstat.write_sav(frame, str(path))
    after = dt.datetime.now()
    stamp = path.read_bytes()[STAMP].decode("ascii")
    assert stamp[:9] in {moment.strftime("%d %b %y") for moment in (before, after)}
    assert before.replace(microsecond=0).time() <= dt.time.fromisoformat(stamp[9:])
    assert dt.time.fromisoformat(stamp[9:]) <= after.time()


def rewrite(source: Path, target: Path, change) -> None:
    """Copy a .sav with pyreadstat, letting `change` edit its labels and missing values."""
    frame, meta = pyreadstat.read_sav(str(source), user_missing=True)
    value_labels = {name: dict(labels) for name, labels in meta.variable_value_labels.items()}
    missing = {name: list(entries) for name, entries in meta.missing_ranges.items()}
    column_labels = dict(meta.column_names_to_labels)
    change(value_labels, missing, column_labels)
    pyreadstat.write_sav(
        frame,
        str(target),
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )


def findings_of(path: Path) -> list[CodebookFinding]:
    return codebook_findings(read_sav(path), "institution", DEFAULT_SEEDS_DIR)


def test_utf8_text_in_a_file_declaring_a_code_page_is_refused(
    institution_sav: Path, tmp_path: Path
) -> None:
    """The encoding record says CP850 (another program rewrote it), the text is UTF-8:
    read as declared, each æ, ø, å would load as two box-drawing characters."""
    data = institution_sav.read_bytes()
    assert data.count(b"UTF-8") == 1 and "ø".encode() in data
    relabelled = tmp_path / "responses.sav"
    relabelled.write_bytes(data.replace(b"UTF-8", b"CP850"))
    assert read_sav(institution_sav).encoding == "UTF-8"
    with pytest.raises(FileProblem, match=r"declares its text CP850, but case \d+'s \w+ is UTF-8"):
        read_sav(relabelled)


def test_a_faithful_file_has_no_findings(institution_sav: Path, tmp_path: Path) -> None:
    assert findings_of(institution_sav) == []
    copy = tmp_path / "copy.sav"
    rewrite(institution_sav, copy, lambda labels, missing, columns: None)
    assert findings_of(copy) == []


def test_an_added_value_label_is_a_finding(institution_sav: Path, tmp_path: Path) -> None:
    def change(labels, missing, columns) -> None:
        labels["att_better_solutions"][6.0] = "Meget enig"

    rewrite(institution_sav, tmp_path / "added.sav", change)
    assert findings_of(tmp_path / "added.sav") == [
        CodebookFinding(
            "att_better_solutions",
            "value_label_added",
            "att_better_solutions: value 6 'Meget enig' is not in the codebook (likert5)",
        )
    ]


def test_a_changed_value_label_is_a_finding(institution_sav: Path, tmp_path: Path) -> None:
    def change(labels, missing, columns) -> None:
        labels["coop_volunteers"][2.0] = "Nej, slet ikke – ærgerligt på én måde"

    rewrite(institution_sav, tmp_path / "changed.sav", change)
    assert findings_of(tmp_path / "changed.sav") == [
        CodebookFinding(
            "coop_volunteers",
            "value_label_changed",
            "coop_volunteers: value 2 is labelled 'Nej, slet ikke – ærgerligt på én måde' "
            "in the file, 'Nej' in the codebook (yes_no)",
        )
    ]


def test_a_changed_missing_value_definition_is_a_finding(
    institution_sav: Path, tmp_path: Path
) -> None:
    def change(labels, missing, columns) -> None:
        missing["n_partner_associations"] = [{"lo": 97.0, "hi": 98.0}]

    rewrite(institution_sav, tmp_path / "missing.sav", change)
    assert findings_of(tmp_path / "missing.sav") == [
        CodebookFinding(
            "n_partner_associations",
            "missing_values_changed",
            "n_partner_associations: user-missing values are 97 thru 98 in the file, "
            "97, 98, 99 in the codebook (count)",
        )
    ]


def test_a_range_covering_exactly_the_missing_codes_is_no_finding(
    institution_sav: Path, tmp_path: Path
) -> None:
    def change(labels, missing, columns) -> None:
        missing["n_partner_associations"] = [{"lo": 97.0, "hi": 99.0}]

    rewrite(institution_sav, tmp_path / "range.sav", change)
    assert read_sav(tmp_path / "range.sav").missing_values["n_partner_associations"] == [
        "97 thru 99"
    ]
    assert findings_of(tmp_path / "range.sav") == []


def test_an_unlabelled_item_is_a_finding(institution_sav: Path, tmp_path: Path) -> None:
    def change(labels, missing, columns) -> None:
        del labels["coop_associations"]
        columns["coop_associations"] = None

    rewrite(institution_sav, tmp_path / "bare.sav", change)
    findings = findings_of(tmp_path / "bare.sav")
    assert [(f.variable, f.kind) for f in findings] == [
        ("coop_associations", "variable_label_missing"),
        ("coop_associations", "value_labels_missing"),
    ]
    assert "Samarbejder institutionen med en eller flere frivillige foreninger?" in (
        findings[0].detail
    )


def test_danish_letters_survive_in_labels_and_values(
    generated: Path, reference: Reference, tmp_path: Path
) -> None:
    header, rows = read_csv(generated / "institution_survey" / "responses.csv")
    row = list(rows[0])
    row[header.index("comment")] = "Æble, øl og ål – ÆØÅ æøå, «citat» og 😀"
    row[header.index("partner_1")] = "Ældre Sagen Ørbæk-Årslev afd."
    path = tmp_path / "danish.sav"
    write_sav(path, header, [row, *rows], reference)
    table = read_sav(path)
    _, values = table.records[0]
    assert values[header.index("comment")] == "Æble, øl og ål – ÆØÅ æøå, «citat» og 😀"
    assert values[header.index("partner_1")] == "Ældre Sagen Ørbæk-Årslev afd."
    text = "".join(value or "" for _, values in table.records for value in values)
    assert {"æ", "ø", "å"} <= set(text)
    assert table.variable_labels["att_better_solutions"] == (
        "Samarbejde mellem kommunale institutioner og foreninger giver bedre løsninger på "
        "velfærdsopgaverne."
    )
    assert table.variable_labels["att_independence_threatened"].endswith("selvstændighed.")


def test_values_a_sav_cannot_carry_are_refused(
    generated: Path, reference: Reference, tmp_path: Path
) -> None:
    header, rows = read_csv(generated / "institution_survey" / "responses.csv")
    for column, value in [
        ("att_better_solutions", "3.0"),
        ("att_better_solutions", " 3"),
        ("att_better_solutions", "03"),
        ("coop_associations", "ja"),
        ("comment", "trailing blank "),
        ("partner_1", "nul\x00byte"),
    ]:
        row = list(rows[0])
        row[header.index(column)] = value
        with pytest.raises(ValueError, match=column):
            write_sav(tmp_path / "bad.sav", header, [row], reference)


# The header record's case count (int32, -1 where the file does not say).
CASE_COUNT = slice(80, 84)


@pytest.mark.parametrize("declared", [True, False], ids=["cases-declared", "cases-not-declared"])
def test_a_compressed_file_that_would_inflate_without_bound_is_refused(
    tmp_path: Path, declared: bool
) -> None:
    """A zlib-compressed .sav (.zsav) of a million cases of ten zeros: 80 MB of data in a
    file of some kB. Refused from its header's case count, or, where the header does not
    say, after reading one case more than the file may hold."""
    path = tmp_path / "responses.sav"
    frame = pd.DataFrame({f"v{number}": [0.0] * 1_000_000 for number in range(10)})
    pyreadstat.write_sav(frame, str(path), compress=True)
    data = bytearray(path.read_bytes())
    if not declared:
        data[CASE_COUNT] = (-1).to_bytes(4, "little", signed=True)
        path.write_bytes(bytes(data))
    size = len(data)
    assert size < 200_000
    limit = max(64 << 20, 1000 * size)
    cases = "1,000,000" if declared else f"more than {limit // 80:,}"
    with pytest.raises(FileProblem) as caught:
        read_sav(path)
    assert str(caught.value) == (
        f"{path}: holds {cases} cases of 80 bytes each, more than the {limit:,} bytes of data "
        f"a file of {size:,} bytes may hold (at most 1,000 times its size: a damaged or "
        "hostile file?), so it is not read; export it again from SPSS (File > Save As, SPSS "
        "Statistics .sav)."
    )
    # The same cases, fewer of them: within the limits, read.
    pyreadstat.write_sav(frame.head(100_000), str(path), compress=True)
    assert len(read_sav(path).records) == 100_000


def test_a_file_that_is_no_sav_is_a_file_problem(generated: Path, tmp_path: Path) -> None:
    with pytest.raises(FileProblem, match=r"not a readable SPSS \.sav file"):
        read_sav(generated / "institution_survey" / "responses.csv")
    with pytest.raises(FileProblem, match="not found"):
        read_sav(tmp_path / "absent.sav")


def test_a_relabelled_or_partly_labelled_item_is_a_finding(
    institution_sav: Path, tmp_path: Path
) -> None:
    def change(labels, missing, columns) -> None:
        del labels["att_resources_required"][3.0]
        columns["att_resources_required"] = "Kræver ressourcer"

    rewrite(institution_sav, tmp_path / "partly.sav", change)
    assert [(f.variable, f.kind) for f in findings_of(tmp_path / "partly.sav")] == [
        ("att_resources_required", "variable_label_changed"),
        ("att_resources_required", "value_label_absent"),
    ]


def test_spss_dates_and_numbers_read_as_csv_text(tmp_path: Path) -> None:
    """What a survey tool's own .sav may hold: SPSS dates and date-times, fractions."""
    frame = pd.DataFrame(
        {
            "submitted_date": [dt.date(2016, 3, 1), None],
            "started_at": [dt.datetime(2016, 3, 1, 7, 43, 5), None],
            "share": [2.5, float("nan")],
        }
    )
    path = tmp_path / "dates.sav"
    pyreadstat.write_sav(frame, str(path))
    table = read_sav(path)
    assert table.records == [(1, ["2016-03-01", "2016-03-01T07:43:05", "2.5"]), (2, [None] * 3)]
    assert table.encoding == "UTF-8"


def test_a_date_time_with_a_fraction_of_a_second_reads_as_the_xlsx_reader_writes_it(
    tmp_path: Path,
) -> None:
    """SPSS keeps seconds as a float: .123 comes back as .122999; kept to the millisecond,
    as Excel keeps it, and accepted by the timestamp check."""
    frame = pd.DataFrame(
        {
            "started_at": [
                dt.datetime(2016, 3, 1, 7, 43, 5, 123000),
                dt.datetime(2016, 3, 1, 7, 43, 5, 500000),
                dt.datetime(2016, 3, 1, 23, 59, 59, 999900),
            ]
        }
    )
    path = tmp_path / "fraction.sav"
    pyreadstat.write_sav(frame, str(path), variable_format={"started_at": "DATETIME23.2"})
    values = [values[0] for _, values in read_sav(path).records]
    assert values == ["2016-03-01T07:43:05.123", "2016-03-01T07:43:05.500", "2016-03-02T00:00:00"]
    assert [parse_timestamp(value) for value in values] == values
