"""No personal data past staging, persons pseudonymised with a keyed HMAC.

The demo plants e-mail addresses, phone numbers, CPR numbers and contact
persons' names in free text, and e-mail addresses and names in the frames and
case notes; none of them may reach a staged, intermediate or published table.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from samspil.load import RAW_FILES, load
from samspil.load.schema import Column, personal_data_pattern, read_schema
from samspil.paths import PROJECT_DIR
from samspil.pseudonyms import (
    DEMO_KEY,
    DEMO_MANIFEST,
    KEY_VARIABLE,
    PseudonymKeyError,
    demo_difference,
    resolve_key,
)

from conftest import DEMO, TEST_KEY, Build, own_folders, run_samspil

# Tried only where a run of the characters before the @ begins (where a match begins
# within a run, one begins at the run's start too): the same finds, in linear time.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")
# Danish phone numbers as people write them: +45 first, in pairs or fours, or after "tlf.".
PHONE = re.compile(
    r"\+45 ?\d|\b\d{2} \d{2} \d{2} \d{2}\b|\b\d{4} \d{4}\b|(tlf|telefon|mobil)\.? ?:? ?\d{8}\b",
    re.IGNORECASE,
)
# A CPR number: ddmmyy-xxxx (dash optional) whose first six digits are a real date.
CPR_SHAPE = re.compile(r"\b(\d{2})(\d{2})(\d{2})-?\d{4}\b")

# The documents' own text is public policy text, kept in staging to check the
# coded segments against it; it never reaches a mart.
PUBLIC_TEXT = {("stg_discourse__documents", "text"), ("stg_discourse__segments", "segment_text")}

# Partner names written with a contact person: "X (kontakt: Name, …)", "X v/ Name, …".
CONTACT_IN_TEXT = re.compile(r"kontakt: ([^,)]+)|v/ ([^,]+),")


def has_cpr(text: str) -> bool:
    for day, month, year in CPR_SHAPE.findall(text):
        for century in (1900, 2000):
            try:
                dt.date(century + int(year), int(month), int(day))
            except ValueError:
                continue
            return True
    return False


def personal_data_in(text: str) -> bool:
    return bool(EMAIL.search(text) or PHONE.search(text) or has_cpr(text))


def with_personal_data(items: list[tuple], text: int) -> list[tuple]:
    """The items whose `text`-th field holds personal data. The texts are scanned once,
    joined by NUL, which no pattern matches or crosses (so each finds in the joined text
    what it finds in the texts one by one); one by one only where that found something."""
    if not personal_data_in("\x00".join(item[text] for item in items)):
        return []
    return [item for item in items if personal_data_in(item[text])]


def _text_values(connection: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list:
    """(schema, table, column, value) for every distinct value of every column, as text,
    but for fractional numbers (computed, never typed: their digits can look like a phone
    number, as 0.0821277006 does)."""
    columns = connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        f"where schema_name in {schemas} and data_type not in ('DOUBLE', 'FLOAT') "
        "and data_type not like 'DECIMAL%'"
    ).fetchall()
    values = []
    for schema, table, column in columns:
        if (table, column) in PUBLIC_TEXT:
            continue
        query = f'select distinct cast("{column}" as varchar) from {schema}.{table}'
        for (value,) in connection.execute(query).fetchall():
            if value is not None:
                values.append((schema, table, column, value))
    return values


def _raw_rows(demo_as_csv: Path, file: str) -> list[dict[str, str]]:
    with (demo_as_csv / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _planted_persons(demo_as_csv: Path) -> set[str]:
    """Contact persons of the case notes and the persons written into partner names."""
    persons = {row["contact_person"] for row in _raw_rows(demo_as_csv, "cases/actors.csv")}
    for survey in ("institution_survey", "association_survey"):
        for row in _raw_rows(demo_as_csv, f"{survey}/responses.csv"):
            for position in range(1, 6):
                for match in CONTACT_IN_TEXT.finditer(row[f"partner_{position}"]):
                    persons.add((match.group(1) or match.group(2)).strip())
    return persons - {""}


def test_the_demo_plants_personal_data(demo_as_csv: Path) -> None:
    """The scans below can only fail if there is something to find."""
    texts = [
        row[column]
        for survey in ("institution_survey", "association_survey")
        for row in _raw_rows(demo_as_csv, f"{survey}/responses.csv")
        for column in ("comment", *(f"partner_{position}" for position in range(1, 6)))
    ]
    assert sum(bool(EMAIL.search(text)) for text in texts) >= 5
    assert sum(bool(PHONE.search(text)) for text in texts) >= 5
    assert sum(has_cpr(text) for text in texts) >= 2
    partners = [text for text in texts if CONTACT_IN_TEXT.search(text)]
    assert any(has_cpr(text) for text in partners)  # in a staged column, not only comments
    assert len(_planted_persons(demo_as_csv)) >= 20


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert personal_data_in("Åkanden (kontakt: Rasmus Møller, cpr 081292-9241)")
    assert personal_data_in("ring på +45 12 34 56 78")
    assert personal_data_in("tlf. 12345678")
    assert personal_data_in("hanne.jensen@gmail.com")
    assert not personal_data_in("CVR 12345678")  # an association's CVR number stays
    assert not personal_data_in("310299-1234")  # no 31 February: not a CPR number
    assert not personal_data_in("5e5a3b8efe0cf0808071604c348540f7")  # a hash id
    # Scanned joined, texts find what they find one by one, and nothing across two.
    texts = [("tlf. 1234",), ("5678 i dag",), ("skriv til hanne.jensen@gmail.com",), ("12 34",)]
    assert with_personal_data(texts, 0) == [texts[2]]
    assert with_personal_data(texts[:2] + texts[3:], 0) == []


def test_the_loader_finds_personal_data_as_a_token_of_its_own() -> None:
    """The patterns staging scrubs from free text, as the loader looks for them in ids: not
    inside the GUID a REFI-QDA project may name a selection by, nor in the study's ids."""
    pattern = personal_data_pattern(PROJECT_DIR)
    for text in (
        "K01 010203-1234",
        "0102031234",
        "D0461-0012 jens.hansen@example.dk",
        "+45 61 72 83 94",
        "tlf. 61728394",
    ):
        assert pattern.search(text) and personal_data_in(text), text
    for text in ("a1010203-1234-4abc-8def-0123456789ab", "D0461-0012", "K01-A02", "12345678"):
        assert not pattern.search(text) and not personal_data_in(text), text


def test_no_personal_data_past_staging(demo_build: Build, demo_as_csv: Path) -> None:
    persons = _planted_persons(demo_as_csv)
    with duckdb.connect(str(demo_build.build_warehouse), read_only=True) as connection:
        values = _text_values(connection, ("staging", "intermediate", "marts"))
    assert len(values) > 10_000
    assert with_personal_data(values, 3) == []
    text = "\n".join(value for *_, value in values)
    assert [person for person in persons if person in text] == []


def test_published_file_has_no_personal_data(demo_build: Build, demo_as_csv: Path) -> None:
    """Every column of every table users can open, whatever its type."""
    persons = _planted_persons(demo_as_csv)
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as connection:
        schemas = tuple(
            name
            for (name,) in connection.execute(
                "select distinct schema_name from duckdb_tables()"
            ).fetchall()
        )
        values = _text_values(connection, schemas)
    assert {"marts", "reference", "audit"} <= set(schemas)
    assert with_personal_data(values, 3) == []
    text = "\n".join(value for *_, value in values)
    assert [person for person in persons if person in text] == []


def _hmac(key: str, identifier: str) -> str:
    """The pseudonym, recomputed here with the standard library (not samspil's code)."""
    message = " ".join(identifier.split()).casefold().encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:16]


def test_respondents_get_keyed_pseudonyms(demo_build: Build, demo_as_csv: Path) -> None:
    emails = {
        (row["institution_code"], row["wave"]): row["leader_email"]
        for row in _raw_rows(demo_as_csv, "institution_survey/frame.csv")
    } | {
        (row["association_code"], row["wave"]): row["chair_email"]
        for row in _raw_rows(demo_as_csv, "association_survey/frame.csv")
    }
    keys = demo_build.query(
        "select distinct coalesce(institution_id, association_id), wave, respondent_key "
        "from marts.fct_survey_answers"
    )
    assert len(keys) > 1000
    for respondent, wave, key in keys:
        assert key == _hmac(TEST_KEY, emails[(respondent, str(wave))]), respondent


def test_contact_persons_get_keyed_pseudonyms(demo_as_csv: Path, tmp_path: Path) -> None:
    """The demo's case notes as CSV carry contact persons (a REFI-QDA project never does)."""
    persons = {
        row["actor_id"]: row["contact_person"] for row in _raw_rows(demo_as_csv, "cases/actors.csv")
    }
    warehouse = tmp_path / "w.duckdb"
    load(demo_as_csv, warehouse, pseudonym_key=TEST_KEY.encode())
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        keys = connection.execute(
            "select actor_id, contact_person_key from raw.cases__actors"
        ).fetchall()
    assert sum(key is not None for _, key in keys) >= 20
    for actor, key in keys:
        person = persons[actor]
        assert key == (_hmac(TEST_KEY, person) if person else None), actor


def test_pseudonyms_depend_on_the_key_only(demo_as_csv: Path, tmp_path: Path) -> None:
    def leader_keys(key: str, name: str) -> list[tuple[str, str]]:
        warehouse = tmp_path / f"{name}.duckdb"
        load(demo_as_csv, warehouse, pseudonym_key=key.encode())
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.execute(
                "select leader_email, leader_key from raw.institution_survey__frame order by _line"
            ).fetchall()

    first = leader_keys("key-one-long-enough", "first")
    assert first == leader_keys("key-one-long-enough", "again")
    other = leader_keys("key-two-long-enough", "other")
    assert len(first) > 500
    assert all(a[1] != b[1] for a, b in zip(first, other, strict=True))
    assert len({key for _, key in first}) == len({email for email, _ in first})


def test_real_data_without_a_key_stops_with_a_clear_error(
    demo_as_csv: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "samspil.duckdb"
    result = run_samspil("build", warehouse=warehouse, raw=demo_as_csv, unset=(KEY_VARIABLE,))
    assert result.returncode == 1
    assert f"{KEY_VARIABLE} is not set" in result.stderr
    assert "is unchanged" in result.stderr
    assert not warehouse.exists()
    assert not (tmp_path / "build").exists()  # stopped before anything was loaded


def test_the_public_demo_key_is_refused_for_real_data(
    demo_as_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_VARIABLE, DEMO_KEY)
    with pytest.raises(PseudonymKeyError, match="public demo key"):
        resolve_key(demo_as_csv)
    monkeypatch.setenv(KEY_VARIABLE, "short")
    with pytest.raises(PseudonymKeyError, match="at least"):
        resolve_key(demo_as_csv)


def test_the_demo_builds_with_the_documented_demo_key(tmp_path: Path) -> None:
    assert DEMO_KEY in (DEMO.parents[1] / "README.md").read_text(encoding="utf-8")
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    warehouse = tmp_path / "samspil.duckdb"
    result = run_samspil("load", warehouse=warehouse, raw=demo, unset=(KEY_VARIABLE,))
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "build" / "samspil.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select leader_email, leader_key from raw.institution_survey__frame"
        ).fetchall()
    assert rows
    assert all(key == _hmac(DEMO_KEY, email) for email, key in rows)


# -- personal data that arrives where it should not: a failing value, an id, a title

# What a hostile export plants: a CPR number, an e-mail address and a phone number.
PLANTED = {"cpr": "010203-1234", "email": "jens.hansen@example.dk", "phone": "+45 61 72 83 94"}


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each record with the line it starts on (texts may hold newlines)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        records, line = [], 1
        for row in reader:
            records.append((line + 1, row))
            line = reader.line_num
        return list(reader.fieldnames or []), records


def _write_csv(path: Path, header: list[str], records: list[tuple[int, dict[str, str]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(row for _, row in records)


def _every_value(warehouse: Path) -> list[tuple[str, str, str, str]]:
    """(schema, table, column, value) for every value of every table, as text."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        schemas = tuple(
            name
            for (name,) in connection.execute(
                "select distinct schema_name from duckdb_tables()"
            ).fetchall()
        )
        return _text_values(connection, schemas)


# A segment's text must be its document's text at its offsets: what is planted in the
# documents' text (at its end, so that every offset still holds) stands for it.
CUT_FROM_DOCUMENT_TEXT = {("discourse/segments.csv", "segment_text")}


def _text_columns() -> dict[str, list[Column]]:
    """Every raw column whose values are text as written (no codes, scale or type), by
    file: the free text and the ids, as the sources YAML declares them."""
    return {
        schema.file: [
            column
            for column in schema.columns
            if column.codes is None
            and column.scale is None
            and column.type is None
            and (schema.file, column.name) not in CUT_FROM_DOCUMENT_TEXT
        ]
        for schema in read_schema(PROJECT_DIR, RAW_FILES)
    }


@dataclass(frozen=True)
class Planted:
    """Two builds into one warehouse: exports with personal data planted in every text
    column and values that are no CVR number typed into case actors' CVR column (which
    fails the validation), then the same exports without those (which builds)."""

    raw: Path
    """The exports of the good build."""
    warehouse: Path
    gx_root: Path
    scrubbed: set[tuple[str, int]]
    """(file, line): planted in free text, to be kept with the personal data scrubbed."""
    screened: set[tuple[str, int, str]]
    """(file, line, column): planted where no personal data may be, to be rejected."""
    cvr_lines: set[int]
    """The lines of cases/actors.csv whose CVR the failing build's exports replaced."""
    failed: subprocess.CompletedProcess
    rejected_by_failed: list[tuple]
    """(line, column, reason, raw value) of cases/actors.csv the failing build rejected."""
    failing_results: list[Path]
    """The actors' validation results of the failing build."""
    good: subprocess.CompletedProcess


_ACTORS = "cases/actors.csv"
# Not recognisable as personal data, and no CVR number (modulus-11 check fails).
UNRECOGNISED = {"name": "Bodil Plantesen", "bare_phone": "61728394"}


@pytest.fixture(scope="module")
def planted(demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    folder = tmp_path_factory.mktemp("planted")
    raw = folder / "raw"
    shutil.copytree(demo_as_csv, raw)
    columns = _text_columns()
    # A CPR number, an e-mail address and a phone number in every raw text column: in the
    # first row's free text, and each in a row of its own (from the end) for the others.
    sentence = ", ".join(f"{kind} {value}" for kind, value in PLANTED.items())
    scrubbed: set[tuple[str, int]] = set()
    screened: set[tuple[str, int, str]] = set()
    for file, file_columns in columns.items():
        header, records = _read_csv(raw / file)
        line, row = records[0]
        for column in file_columns:
            if column.personal:
                row[column.name] = f"{row[column.name]} ({sentence})".strip()
                scrubbed.add((file, line))
        targets = iter(records[::-1])  # rows from the end, one per column and value
        for column in file_columns:
            if not column.personal:
                for value in PLANTED.values():
                    line, row = next(targets)
                    row[column.name] = f"{row[column.name]} {value}"
                    screened.add((file, line, column.name))
        _write_csv(raw / file, header, records)

    # The failing exports: besides, what is planted and what is not recognisable as
    # personal data typed into association actors' CVR column.
    failing = folder / "failing"
    shutil.copytree(raw, failing)
    actors = failing / "cases" / "actors.csv"
    header, records = _read_csv(actors)
    rejected_anyway = {line for file, line, _ in screened if file == _ACTORS}
    typed = [
        (line, row)
        for line, row in records[1:]
        if row["actor_type"] == "association" and line not in rejected_anyway
    ][: len(PLANTED | UNRECOGNISED)]
    for (_, row), value in zip(typed, (PLANTED | UNRECOGNISED).values(), strict=True):
        row["cvr"] = value
    _write_csv(actors, header, records)

    warehouse = folder / "warehouse" / "samspil.duckdb"
    # The project's GX context without its results, the builds' own (as run_samspil's).
    environment = own_folders(warehouse.parent)
    gx_root = Path(environment["SAMSPIL_GX_ROOT"])
    failed = run_samspil("build", warehouse=warehouse, raw=failing, environment=environment)
    with duckdb.connect(
        str(warehouse.parent / "build" / warehouse.name), read_only=True
    ) as connection:
        rejected = connection.execute(
            "select line, column_name, reason, raw_value from raw.rejected_rows "
            f"where file = '{_ACTORS}'"
        ).fetchall()
    results = sorted((gx_root / "gx" / "uncommitted" / "validations").rglob("*.json"))
    good = run_samspil("build", warehouse=warehouse, raw=raw, environment=environment)
    return Planted(
        raw=raw,
        warehouse=warehouse,
        gx_root=gx_root,
        scrubbed=scrubbed,
        screened=screened,
        cvr_lines={line for line, _ in typed},
        failed=failed,
        rejected_by_failed=rejected,
        failing_results=[path for path in results if "stg_cases__actors" in path.parts],
        good=good,
    )


def test_great_expectations_keeps_no_failing_value(planted: Planted) -> None:
    """What the loader recognises as personal data in the CVR column it rejects; Great
    Expectations fails on the rest (not CVR numbers), and neither its results nor its Data
    Docs, then or after the next good build, show any of them."""
    assert planted.failed.returncode == 1
    assert "validation failed" in planted.failed.stderr, planted.failed.stderr
    assert len(planted.failing_results) == 1  # the failing run's results of the actors, kept
    (failed_run,) = {path.parent.parent.name for path in planted.failing_results}
    assert planted.good.returncode == 0, planted.good.stderr
    site = planted.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert failed_run in (site / "index.html").read_text(encoding="utf-8")
    assert list((site / "validations" / "stg_cases__actors").glob(f"{failed_run}/*/*.html"))

    typed = PLANTED | UNRECOGNISED
    found = [
        (path, value)
        for path in planted.gx_root.rglob("*")
        if path.is_file()
        for value in typed.values()
        if value in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert found == []
    working = planted.warehouse.parent / "build" / planted.warehouse.name
    for file in (planted.warehouse, working):
        values = _every_value(file)
        assert len(values) > 10_000
        assert [item for item in values if any(v in item[3] for v in UNRECOGNISED.values())] == []
        # The working file keeps the raw exports, free text with its personal data included,
        # and staging shows the documents' text as published (checked against segments):
        # the rest of it, the validation results included, holds nothing planted.
        kept = [item for item in values if item[0] not in ("raw", "staging")]
        assert [item for item in kept if any(v in item[3] for v in PLANTED.values())] == []
    # What the loader recognised, it rejected with its reason, the value masked.
    assert sorted(
        (column, reason, value)
        for line, column, reason, value in planted.rejected_by_failed
        if line in planted.cvr_lines
    ) == sorted(
        ("cvr", "personal_data", f"<masked: {len(value)} characters>") for value in PLANTED.values()
    )


def test_personal_data_in_any_text_column_reaches_no_mart(planted: Planted, tmp_path: Path) -> None:
    """A CPR number, an e-mail address and a phone number planted in every raw text column:
    where the column may hold personal data (`personal` in the sources YAML: free text such
    as names and titles) staging scrubs or drops it and the row is kept; where it may not
    (ids, CVR numbers, types) the loader rejects the row with its reason, the value masked.
    Nothing planted is published."""
    columns = _text_columns()
    assert {column.name for file in columns.values() for column in file} >= {
        "case_id", "case_title", "document_id", "title", "actor_id", "episode_id",
        "segment_id", "response_id", "institution_code", "association_code", "coder_id",
        "institution_name", "association_name", "cvr",
    }  # fmt: skip
    assert "text" in {column.name for column in columns["discourse/documents.csv"]}
    declared = {
        (schema.file, column.name)
        for schema in read_schema(PROJECT_DIR, RAW_FILES)
        for column in schema.columns
    }
    assert declared >= CUT_FROM_DOCUMENT_TEXT
    assert planted.good.returncode == 0, planted.good.stdout + planted.good.stderr
    warehouse, raw, screened = planted.warehouse, planted.raw, planted.screened
    assert len(screened) > 30 and len(planted.scrubbed) > 5

    values = _every_value(warehouse)
    assert len(values) > 10_000
    assert with_personal_data(values, 3) == []
    assert [value for value in values if any(v in value[3] for v in PLANTED.values())] == []
    # dbt's artifacts (manifest, run results, the docs' catalog) and logs of both builds.
    artifacts = [
        path
        for folder in ("target", "logs")
        for path in (warehouse.parent / folder).rglob("*")
        if path.is_file() and path.suffix != ".msgpack"
    ]
    assert {path.name for path in artifacts} >= {"catalog.json", "run_results.json", "dbt.log"}
    assert [
        (path, value)
        for path in artifacts
        for value in PLANTED.values()
        if value in path.read_text(encoding="utf-8", errors="replace")
    ] == []
    exports = tmp_path / "exports"
    exported = run_samspil("export", "--out", str(exports), warehouse=warehouse, raw=raw)
    assert exported.returncode == 0, exported.stderr
    cells = [
        (path.name, cell)
        for path in exports.rglob("*.csv")
        for row in csv.reader(path.open(encoding="utf-8", newline=""))
        for cell in row
    ]
    assert len(cells) > 10_000
    assert with_personal_data(cells, 1) == []
    rejected = {
        (file, line, column): (reason, raw_value)
        for file, line, column, reason, raw_value in Build(warehouse, "").query(
            "select file, line, column_name, reason, raw_value from audit.rejected_rows"
        )
    }
    assert {key: rejected.get(key, (None, None))[0] for key in screened} == dict.fromkeys(
        screened, "personal_data"
    )
    assert all(rejected[key][1].startswith("<masked: ") for key in screened)
    assert {(file, line) for file, line, _ in rejected} & planted.scrubbed == set()


def _demo_checksums() -> dict[str, str]:
    """raw/demo's files and their SHA-256, computed here."""
    return {
        path.relative_to(DEMO).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in DEMO.rglob("*")
        if path.is_file()
    }


def test_the_committed_demo_checksums_are_the_shipped_demo() -> None:
    """raw/demo.sha256 decides what is the demo: it lists exactly raw/demo's files (after
    regenerating the demo, write it again as demo_difference's docstring says)."""
    committed = {}
    for line in DEMO_MANIFEST.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        committed[name] = digest
    assert committed == _demo_checksums()
    assert demo_difference(DEMO) is None


def test_a_changed_or_added_file_is_not_the_demo(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    assert demo_difference(demo) is None  # a copy of the demo is the demo, wherever it is
    responses = demo / "association_survey" / "responses.csv"
    original = responses.read_bytes()
    responses.write_bytes(original.replace(b"2016", b"2017", 1))
    assert demo_difference(demo) == "association_survey/responses.csv is not the demo's"
    responses.write_bytes(original)
    (demo / "association_survey" / "frame.csv").write_text("association_code\n", "utf-8")
    assert demo_difference(demo) == "association_survey/frame.csv is not a file of the demo"


def test_real_looking_exports_with_an_empty_truth_file_get_no_public_key(tmp_path: Path) -> None:
    """The demo's exports with one value changed, as real exports of the same shape would be,
    and an empty truth/parameters.json: without a key the build is refused."""
    raw = tmp_path / "raw"
    shutil.copytree(DEMO, raw)
    responses = raw / "association_survey" / "responses.csv"
    responses.write_bytes(responses.read_bytes().replace(b"2016", b"2017", 1))
    (raw / "truth" / "parameters.json").write_text("", encoding="utf-8")
    warehouse = tmp_path / "samspil.duckdb"

    result = run_samspil("build", "--no-docs", warehouse=warehouse, raw=raw, unset=(KEY_VARIABLE,))

    assert result.returncode == 1, result.stdout
    assert f"{KEY_VARIABLE} is not set" in result.stderr
    assert "association_survey/responses.csv is not the demo's" in result.stderr
    assert "Traceback" not in result.stderr
    assert not warehouse.exists()


def test_generated_data_gets_the_demo_key_only_when_asked(
    demo_as_csv: Path, tmp_path: Path
) -> None:
    """Synthetic data of `samspil generate` is not the shipped demo: the user says it is
    synthetic with --demo-key (a key in the environment is then not used)."""
    warehouse = tmp_path / "samspil.duckdb"
    refused = run_samspil("load", warehouse=warehouse, raw=demo_as_csv, unset=(KEY_VARIABLE,))
    assert refused.returncode == 1
    assert "--demo-key" in refused.stderr

    result = run_samspil("load", "--demo-key", warehouse=warehouse, raw=demo_as_csv)

    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "build" / "samspil.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select leader_email, leader_key from raw.institution_survey__frame"
        ).fetchall()
    assert rows
    assert all(key == _hmac(DEMO_KEY, email) for email, key in rows)


def test_readme_says_the_working_file_holds_the_raw_personal_data(demo_build: Build) -> None:
    """The README sends reviewers into the working file for name linking: it must say what
    that file holds, which is true (the published file holds none of it)."""
    readme = (DEMO.parents[1] / "README.md").read_text(encoding="utf-8")
    (linking,) = [part for part in readme.split("\n\n") if part.startswith("**Name linking**")]
    assert "warehouse/build/samspil.duckdb" in linking
    assert "**The working file holds the raw\npersonal data**" in linking
    assert "Only those allowed to see the raw exports" in linking
    emails = demo_build.query_build("select leader_email from raw.institution_survey__frame")
    assert emails and all(EMAIL.fullmatch(email) for (email,) in emails)
