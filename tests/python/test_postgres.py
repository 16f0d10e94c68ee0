"""The same build on PostgreSQL: same marts and release tier as DuckDB, and two read-only
roles, each held to its tier by the real psql.

A throwaway PostgreSQL server is started for the session (initdb in a temporary
folder, a free port, run as the `postgres` OS user when the tests run as root),
with a database collated the Danish way (ICU `da-DK`) as a team server in
Denmark would be. `samspil build --target postgres` builds the demo on it; every
mart is then compared with the DuckDB build of the same demo (`demo_build`):
the same columns, row count and an order-independent checksum of its content.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from samspil.build import MAIN_MARTS
from samspil.disclosure import suppress
from samspil.load import RAW_FILES
from samspil.postgres import PostgresWarehouse

from conftest import DEMO, Build, run_samspil

# The versions Debian ships; `make test` installs the `postgresql` package where none is.
SERVER_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)

DATABASE = "samspil"
ANALYST_ROLE = "samspil_analyst"
"""The read-only group role of profiles.yml's grants (SAMSPIL_PG_ANALYST_ROLE's default)."""
ANALYST_LOGIN = "analyst_reader"
"""A researcher's login, member of the analyst role."""
READER_ROLE = "samspil_reader"
ORPHAN = "of_a_removed_model"
"""The release tier's group role (SAMSPIL_PG_READER_ROLE's default)."""
READER_LOGIN = "release_reader"
"""A login of someone outside the project, member of the reader role only."""

SIGNIFICANT_DIGITS = 9
"""Floats agree to this many significant digits: the engines sum in different orders."""


@dataclass(frozen=True)
class PostgresServer:
    port: int
    data: Path

    def environment(self) -> dict[str, str]:
        """libpq's variables, as `samspil build --target postgres` reads them."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": "postgres",
            "PGPASSWORD": "",
            "PGDATABASE": DATABASE,
        }

    def connect(
        self, user: str = "postgres", dbname: str = DATABASE
    ) -> psycopg2.extensions.connection:
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=user, dbname=dbname)

    def execute(self, *statements: str, dbname: str = DATABASE) -> None:
        connection = self.connect(dbname=dbname)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` OS user then."""
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not SERVER_BINARIES:
        pytest.fail(
            "no PostgreSQL server in /usr/lib/postgresql: `apt-get install -y postgresql` "
            "(make test does it) to run the PostgreSQL tests"
        )
    binaries = SERVER_BINARIES[0].parent
    folder = Path(tempfile.mkdtemp(prefix="samspil-pg-"))
    if os.geteuid() == 0:
        server_user = pwd.getpwnam("postgres")
        os.chown(folder, server_user.pw_uid, server_user.pw_gid)
    data = folder / "data"
    subprocess.run(
        _as_server_user(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
    subprocess.run(
        _as_server_user([*pg_ctl, "-o", options, "-w", "start"]), check=True, capture_output=True
    )
    server = PostgresServer(port=port, data=data)
    try:
        # Collated as a Danish team server would be: æ, ø, å after z, aa as å.
        server.execute(
            f"create database {DATABASE} template template0 encoding 'UTF8' "
            "locale_provider icu icu_locale 'da-DK' locale 'C.UTF-8'",
            dbname="postgres",
        )
        yield server
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "-m", "fast", "-w", "stop"]), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def run_samspil_postgres(
    server: PostgresServer, *args: str, raw: Path = DEMO
) -> subprocess.CompletedProcess:
    """`samspil build --target postgres …` with the server's connection in the environment;
    the DuckDB files it does not use point at a scratch path."""
    scratch = server.data.parent / "unused.duckdb"
    return run_samspil(
        *args, "--target", "postgres", warehouse=scratch, raw=raw, environment=server.environment()
    )


@pytest.fixture(scope="session")
def postgres_build(postgres_server: PostgresServer) -> str:
    """`samspil build --target postgres` of raw/demo, after the DBA's one-time setup:
    the analyst group role, and a researcher's login in it."""
    postgres_server.execute(
        f"create role {ANALYST_ROLE} nologin",
        f"create role {ANALYST_LOGIN} login in role {ANALYST_ROLE}",
        f"create role {READER_ROLE} nologin",
        f"create role {READER_LOGIN} login in role {READER_ROLE}",
        # What a failed build of an older project may leave where dbt builds the tiers.
        *(
            statement
            for schema in ("marts_build", "release_build")
            for statement in (
                f"create schema {schema}",
                f"create table {schema}.{ORPHAN} (answer integer)",
            )
        ),
    )
    result = run_samspil_postgres(postgres_server, "build", "--no-docs")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_build_publishes_nothing_a_failed_build_left(
    postgres_server: PostgresServer, postgres_build: str
) -> None:
    """A table of a model removed since a failed build, left in `marts_build` and
    `release_build`, is not published with the tiers (dbt never drops it)."""
    with contextlib.closing(postgres_server.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "select table_schema from information_schema.tables where table_name = %s",
            [ORPHAN],
        )
        assert cursor.fetchall() == []


# -- the same marts on both engines


def _render(value: object) -> str:
    """One value as text, the same for the same value from either engine."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | decimal.Decimal):
        return format(float(value), f".{SIGNIFICANT_DIGITS}g")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def mart_digest(rows: Sequence[Sequence[object]]) -> tuple[int, str]:
    """Row count and an order-independent checksum: sha256 of the sorted rendered rows."""
    lines = sorted("\t".join(_render(value) for value in row) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _postgres_marts(
    server: PostgresServer, schema: str = "marts"
) -> dict[str, tuple[list[str], int, str]]:
    marts = {}
    connection = server.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s order by 1",
                [schema],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"select * from {schema}.{table}")
                columns = [column.name for column in cursor.description]
                marts[table] = (columns, *mart_digest(cursor.fetchall()))
    finally:
        connection.close()
    return marts


def _duckdb_marts(build: Build, schema: str = "marts") -> dict[str, tuple[list[str], int, str]]:
    marts = {}
    for (table,) in build.query(
        "select table_name from information_schema.tables where table_schema = ? order by 1",
        schema,
    ):
        columns = [
            name
            for (name,) in build.query(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                schema,
                table,
            )
        ]
        marts[table] = (columns, *mart_digest(build.query(f"select * from {schema}.{table}")))
    return marts


def test_checksum_ignores_row_order_and_float_noise() -> None:
    rows = [(1, "æble", 0.1 + 0.2, None, True), (2, "Åse", 1.0, dt.date(2016, 3, 1), False)]
    noisy = [(2, "Åse", decimal.Decimal("1.000000"), dt.date(2016, 3, 1), False)]
    noisy.append((1, "æble", 0.3, None, True))
    assert mart_digest(rows) == mart_digest(noisy)
    assert mart_digest(rows) != mart_digest([*rows[:1], (2, "Åse", 1.0, None, False)])


def test_postgres_build_summary(postgres_server: PostgresServer, postgres_build: str) -> None:
    assert "schemas marts and release of postgresql://postgres@127.0.0.1" in postgres_build
    assert "release cells suppressed" in postgres_build
    # Every unit test runs on the server too: SQL that DuckDB takes PostgreSQL may not.
    manifest = postgres_server.data.parent / "target" / "manifest.json"
    unit_tests = json.loads(manifest.read_text(encoding="utf-8"))["unit_tests"]
    assert re.search(rf"unit tests pass +{len(unit_tests)}\n", postgres_build), postgres_build
    for mart in MAIN_MARTS:
        assert f"rows in marts.{mart}" in postgres_build


@pytest.mark.parametrize("schema", ["marts", "release"])
def test_every_mart_has_the_same_rows_on_both_engines(
    demo_build: Build, postgres_server: PostgresServer, postgres_build: str, schema: str
) -> None:
    """The marts, and the release tier with its suppression pattern (not its provenance
    tables, which record each build's own load time and validation run)."""
    provenance = {"rpt_load_audit", "rpt_validation_runs"}
    duckdb_marts = {
        name: value
        for name, value in _duckdb_marts(demo_build, schema).items()
        if name not in provenance
    }
    postgres_marts = {
        name: value
        for name, value in _postgres_marts(postgres_server, schema).items()
        if name not in provenance
    }
    assert sorted(postgres_marts) == sorted(duckdb_marts)
    differing = {
        mart: {"duckdb": duckdb_marts[mart][1:], "postgres": postgres_marts[mart][1:]}
        for mart in duckdb_marts
        if duckdb_marts[mart] != postgres_marts[mart]
    }
    assert differing == {}
    for mart, (columns, rows, _) in postgres_marts.items():
        assert rows > 0, mart
        assert columns == duckdb_marts[mart][0], mart


STATISTICS = (
    "int_student_t_quantiles_extended",
    "int_survey_estimates_computed",
    "int_panel_changes_computed",
    "int_krippendorff_alpha_replicates_drawn",
    "int_intercoder_reliability_computed",
)
"""The intermediate models that compute every interval: t quantiles, Wilson, Newcombe
and alpha's seeded bootstrap must come out the same on both engines."""


def test_statistics_are_the_same_on_both_engines(
    demo_build: Build, postgres_server: PostgresServer, postgres_build: str
) -> None:
    connection = postgres_server.connect()
    try:
        with connection.cursor() as cursor:
            for table in STATISTICS:
                columns = [
                    name
                    for (name,) in demo_build.query_build(
                        "select column_name from information_schema.columns where"
                        " table_schema = 'intermediate' and table_name = ?"
                        " order by ordinal_position",
                        table,
                    )
                ]
                listed = ", ".join(columns)
                cursor.execute(f"select {listed} from intermediate.{table}")
                postgres = mart_digest(cursor.fetchall())
                duckdb_rows = demo_build.query_build(f"select {listed} from intermediate.{table}")
                assert postgres == mart_digest(duckdb_rows), table
                assert postgres[0] > 0, table
    finally:
        connection.close()


# Sorted in Python: the Danish collation puts "aa" after "z" (as "å"), binary before "ab".
VALIDATION_OUTCOME = (
    "select expectation_id, success, unexpected_count, element_count "
    "from validation.expectation_results"
)


def test_validation_finds_the_same_on_both_engines(
    demo_build: Build, postgres_server: PostgresServer, postgres_build: str
) -> None:
    """Every expectation saw as many rows, and as many failing, in the same staged data."""
    with (
        contextlib.closing(postgres_server.connect()) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(VALIDATION_OUTCOME)
        on_postgres = sorted(cursor.fetchall())
    on_duckdb = sorted(demo_build.query(VALIDATION_OUTCOME))
    assert len(on_postgres) >= 40  # every expectation of the suites
    assert on_postgres == on_duckdb


def test_publish_leaves_no_build_schema_and_keeps_provenance(
    postgres_server: PostgresServer, postgres_build: str
) -> None:
    connection = postgres_server.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("select schema_name from information_schema.schemata")
            schemas = {name for (name,) in cursor.fetchall()}
            cursor.execute("select count(*) from audit.load_audit")
            (audited,) = cursor.fetchone()
            cursor.execute(
                "select count(distinct run_id), count(*) filter (where not success "
                "and severity = 'error') from validation.expectation_results"
            )
            runs, errors_found = cursor.fetchone()
            cursor.execute("select build_kind, accepted from audit.build_provenance")
            provenance = cursor.fetchall()
            cursor.execute(
                "select count(*) from information_schema.columns "
                "where table_schema = 'marts' and col_description("
                "format('%I.%I', table_schema, table_name)::regclass, ordinal_position) is null"
            )
            (undescribed,) = cursor.fetchone()
    finally:
        connection.close()
    assert {
        "marts",
        "release",
        "raw",
        "staging",
        "intermediate",
        "reference",
        "review",
        "validation",
        "audit",
    } <= schemas
    assert not {"marts_build", "release_build"} & schemas
    assert audited == sum(len(stems) for stems in RAW_FILES.values())
    assert (runs, errors_found) == (1, 0)
    assert provenance == [("full", None)]  # the build that published, as on DuckDB
    assert undescribed == 0  # dbt's persisted descriptions travel with the renamed schema


def test_marts_keep_their_primary_keys_on_postgres(
    postgres_server: PostgresServer, postgres_build: str
) -> None:
    """On PostgreSQL a mart's contract creates its primary key, as on DuckDB: the key's
    only check."""
    with (
        contextlib.closing(postgres_server.connect()) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select t.table_name, count(c.constraint_name) "
            "from information_schema.tables as t left join "
            "information_schema.table_constraints as c on c.table_schema = t.table_schema "
            "and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY' "
            "where t.table_schema = 'marts' group by 1"
        )
        keys = dict(cursor.fetchall())
    assert len(keys) > 10
    assert set(keys.values()) == {1}


# -- the read-only analyst


def test_analyst_reads_the_marts(postgres_server: PostgresServer, postgres_build: str) -> None:
    connection = postgres_server.connect(user=ANALYST_LOGIN)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from marts.dim_institutions")
            (institutions,) = cursor.fetchone()
    finally:
        connection.close()
    assert institutions > 0


def test_readme_psql_examples_run_as_the_analyst(
    postgres_server: PostgresServer, postgres_build: str
) -> None:
    """Every `psql -c` example of the README, by the real psql, logged in as an analyst."""
    readme = (DEMO.parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", readme, flags=re.DOTALL | re.MULTILINE)
    queries = [
        query for block in blocks for query in re.findall(r'^psql -c "(.*?)"$', block, re.S | re.M)
    ]
    assert len(queries) >= 2
    environment = {**os.environ, **postgres_server.environment(), "PGUSER": ANALYST_LOGIN}
    for query in queries:
        result = subprocess.run(
            ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--csv", "-c", query],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) >= 5, query  # a header and four rows at least


def _psql(server: PostgresServer, login: str, statement: str) -> subprocess.CompletedProcess:
    """`statement` run by the real psql, logged in as `login`."""
    return subprocess.run(
        ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--csv", "-c", statement],
        env={**os.environ, **server.environment(), "PGUSER": login},
        capture_output=True,
        text=True,
        check=False,
    )


REFUSED_TO_BOTH = [
    "select count(*) from raw.load_audit",
    "select count(*) from raw.institution_survey__responses",
    "select count(*) from staging.stg_institution_survey__responses",
    "select count(*) from intermediate.int_name_variants_linked",
    "select count(*) from intermediate.int_release_terms_unioned",
    "select count(*) from disclosure.suppression_pattern",
    "select count(*) from reference.municipalities",
    "select count(*) from validation.expectation_results",
    "select count(*) from audit.rejected_rows",
    "delete from marts.dim_institutions",
    "create table marts.mine (id integer)",
    "delete from release.rpt_response_rates",
    "create table release.mine (id integer)",
]


@pytest.mark.parametrize(
    ("login", "statement", "allowed"),
    [
        (ANALYST_LOGIN, "select count(*) from marts.fct_survey_answers", True),
        (ANALYST_LOGIN, "select count(*) from release.rpt_response_rates", True),
        (READER_LOGIN, "select count(*) from release.rpt_response_rates", True),
        (READER_LOGIN, "select count(*) from release.rpt_cooperation_by_municipality_area", True),
        (READER_LOGIN, "select count(*) from marts.fct_survey_answers", False),
        (READER_LOGIN, "select count(*) from marts.dim_institutions", False),
        *(
            (login, statement, False)
            for login in (ANALYST_LOGIN, READER_LOGIN)
            for statement in REFUSED_TO_BOTH
        ),
    ],
)
def test_each_role_reads_its_tier_and_nothing_else(
    postgres_server: PostgresServer,
    postgres_build: str,
    login: str,
    statement: str,
    allowed: bool,
) -> None:
    result = _psql(postgres_server, login, statement)
    if allowed:
        assert result.returncode == 0, result.stderr
        assert int(result.stdout.splitlines()[1]) > 0
    else:
        assert result.returncode != 0
        assert "permission denied" in result.stderr, result.stderr


def test_the_next_build_decides_suppression_again(
    postgres_server: PostgresServer, postgres_build: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disclosure control of a second build in the same database rewrites the pattern
    that the last build's staging view reads (it dropped it once, which PostgreSQL
    refuses while the view depends on it), and reads the patterns the last build kept."""
    for name, value in postgres_server.environment().items():
        monkeypatch.setenv(name, value)
    counted = (
        "select count(*), count(*) filter (where is_suppressed) from disclosure.suppression_pattern"
    )
    with contextlib.closing(postgres_server.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(counted)
        before = cursor.fetchone()
    manifest = postgres_server.data.parent / "target" / "manifest.json"
    outcome = suppress(PostgresWarehouse.from_environment(), manifest)
    # The same cells as the build's: every component's pattern is the one the build kept.
    assert outcome.reused == outcome.components > 0
    with contextlib.closing(postgres_server.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(counted)
        assert cursor.fetchone() == before
        cursor.execute("select count(*) from staging.stg_disclosure__suppression_pattern")
        assert cursor.fetchone()[0] == before[0]
    assert before[1] > 0


# -- a failed build publishes nothing


def _without_2016_responses_of(raw: Path, kommunekode: str) -> None:
    """Drop one municipality's 2016 association questionnaires: its response rate is 0."""
    responses = raw / "association_survey" / "responses.csv"
    data = responses.read_bytes()
    encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = data.decode(encoding)
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))
    kept = [row for row in rows if not (row[1].startswith(f"A{kommunekode}-") and row[2] == "2016")]
    assert len(kept) < len(rows)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n").writerows(kept)
    responses.write_bytes(out.getvalue().encode(encoding))


def test_failed_build_leaves_the_published_marts_to_the_analyst(
    postgres_server: PostgresServer, postgres_build: str, tmp_path: Path
) -> None:
    before = _postgres_marts(postgres_server)
    raw = tmp_path / "raw"
    shutil.copytree(DEMO, raw)
    _without_2016_responses_of(raw, "0230")

    result = run_samspil_postgres(postgres_server, "build", "--no-docs", raw=raw)

    assert result.returncode == 1
    assert "validation failed" in result.stderr
    assert "association-2016-0230" in result.stderr
    assert "is unchanged" in result.stderr
    assert _postgres_marts(postgres_server) == before
    with (
        contextlib.closing(postgres_server.connect(user=ANALYST_LOGIN)) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("select count(*) from marts.fct_survey_answers")
        assert cursor.fetchone()[0] > 0
