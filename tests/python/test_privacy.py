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
from pathlib import Path

import duckdb
import pytest

from samspil.load import load
from samspil.pseudonyms import (
    DEMO_KEY,
    DEMO_MANIFEST,
    KEY_VARIABLE,
    PseudonymKeyError,
    demo_difference,
    resolve_key,
)

from conftest import DEMO, TEST_KEY, Build, run_samspil

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
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


def _text_values(connection: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list:
    """(schema, table, column, value) for every distinct value of every column, as text."""
    columns = connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        f"where schema_name in {schemas}"
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


def test_no_personal_data_past_staging(demo_build: Build, demo_as_csv: Path) -> None:
    persons = _planted_persons(demo_as_csv)
    with duckdb.connect(str(demo_build.build_warehouse), read_only=True) as connection:
        values = _text_values(connection, ("staging", "intermediate", "marts"))
    assert len(values) > 10_000
    assert [value for value in values if personal_data_in(value[3])] == []
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
    assert [value for value in values if personal_data_in(value[3])] == []
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
