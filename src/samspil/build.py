"""One build: load, stage, validate, build the marts, publish, document.

The order is the contract with the users: nothing is published unless every
step before it succeeded, and then the marts are swapped in atomically.

A full build runs dbt's staging phase, validates the staged tables, then builds the rest
but the release tier: data that fails validation never reaches a model. An incremental
build is one `dbt build` of what depends on the changed raw tables, followed by the
validation of the staged models it rebuilt. Both end with the disclosure control and the
release tier's `dbt build`: of an incremental build of the same dbt project, only the
release models below the changed sources and the build's records of its load and
validation, the pattern solved again only where the release cells were rebuilt
(`_reached`).

A build on DuckDB is incremental when it can be: after a good build, the working file's
folder holds `<working file>.build-state.json`, the checksum of every raw file it was built from, a
fingerprint of what dbt cannot see (what the loader reads of the project, the samspil
package, the toolchain, the pseudonym key) and a digest of what dbt alone reads, and
`<working file>.dbt-state/` dbt's manifest of that build. When the next build finds the same
fingerprint, only the raw tables of the sources (strands) with a changed file are
written again, all of a source's tables (a rejected row rejects the rows of its other
files that reference it), and dbt builds only what depends on them (each changed source
and everything downstream of it), with the tests of what it rebuilds; where dbt's
project changed, dbt's state comparison (`state:modified+`) adds what changed and
everything below it. The validation runs the suites of the staged models rebuilt.
Anything else (no state, another fingerprint, `full_refresh`) is a full build, with
dbt's `--full-refresh` for the incremental models. A failed build removes the state, so
the next one is full. An incremental build of the same dbt project publishes the marts
it rebuilt into a copy of the published file if that is the file the last good build
published (the state records which); any other file (restored from a backup, say) is
replaced whole. A build refused at publishing because a mart shrank (`check_no_shrink`)
built and validated its working file: it keeps the state, marked `refused`, and the next
build (of the same exports with `--allow-shrink`, say) rebuilds only what changed since,
validates every staged model again (the warnings are those of what it publishes), builds
the release tier and publishes whole.

Great Expectations (the validation, its Data Docs) runs in a second process,
started after the load: it imports on the other core while dbt runs in this one. It
ends after the validation, giving its memory back before the marts and the disclosure
control need theirs; a fresh one, started when the suppression pattern is written,
renders the Data Docs. (An incremental build with no pattern to solve keeps the first.)
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from samspil.build_state import (
    dbt_digest,
    dbt_state_dir,
    fingerprint,
    forget_state,
    is_published_by_last_build,
    read_state,
    write_state,
)
from samspil.disclosure import (
    CELLS_MODEL,
    TERMS_MODEL,
    Suppression,
    SuppressionError,
    suppress,
)
from samspil.failures import failing_rows
from samspil.load import LoadedFile, load
from samspil.lock import locked
from samspil.manifest import read_manifest
from samspil.paths import Paths, unwritable
from samspil.postgres import PostgresWarehouse
from samspil.pseudonyms import KEY_VARIABLE, resolve_key
from samspil.publish import (
    NotPublishedError,
    Provenance,
    check_no_shrink,
    check_not_empty,
    clear_postgres_build,
    drop_orphans,
    foreign_contents,
    publish,
    publish_postgres,
    published_relations,
    record_provenance,
)

# How a build's summary names dbt's node types.
NODE_KINDS = {"seed": "seeds", "model": "models", "test": "data tests", "unit_test": "unit tests"}

# The marts whose row counts close a build's summary.
MAIN_MARTS = (
    "dim_institutions",
    "dim_associations",
    "fct_survey_answers",
    "fct_cooperation_ties",
    "fct_cooperation_episodes",
    "fct_coded_segments",
)

LOG_HINT = "  see logs/dbt.log (with every statement: DBT_LOG_LEVEL_FILE=debug samspil build)"

# The dbt targets of profiles.yml: the DuckDB file (default) and a PostgreSQL database.
TARGETS = ("duckdb", "postgres")

# A full build's phases around validation (staging, then the rest). A data test runs in
# the phase that builds all of its parents ("cautious"): a test of a seed against a mart
# runs after the mart, not before it.
STAGING_PHASE = "resource_type:seed staging"
PHASE_TESTS = ("--indirect-selection", "cautious")

# The release tier is built last, after the suppression solver (samspil.disclosure) has
# written the pattern its models read, with the staging models of what the build itself
# wrote (the pattern, the validation results). Every test that touches it runs then.
RELEASE_PHASE = "staging.disclosure staging.validation release"
RELEASE_TESTS = ("--indirect-selection", "eager")
# What of the release tier every build writes anew: the record of its validation (the
# staging model of the results, and what reads it) and of its load.
RELEASE_RECORDS = ("staging.validation+", "staging.load+,release")

# An incremental build of the same dbt project changes data only: the models' logic is
# that of the last good build, whose unit tests (fixed inputs, expected outputs) passed,
# so they are not rerun, and its manifest (target/manifest.json, behind the dbt docs)
# stays as it was.
INCREMENTAL = ("--exclude-resource-type", "unit_test", "--no-write-json")


class BuildError(Exception):
    """A step failed; the message says which and why. Nothing was published."""


@dataclass
class BuildSummary:
    warehouse: Path | PostgresWarehouse
    docs: Path | None
    loaded: list[LoadedFile]
    counts: dict[str, int] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    validation_warnings: list[str] = field(default_factory=list)
    data_docs: Path | None = None
    build_id: str = ""
    pseudonym_key: str = ""
    """Which key pseudonymised the persons, and why (never the key)."""
    accepted: list[str] = field(default_factory=list)
    """What the user accepted with --allow-empty or --allow-shrink that would have stopped it."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each phase: load, dbt build (both phases), validation, publish, docs."""
    changed_tables: list[str] | None = None
    """An incremental build's raw tables whose files changed; None for a full build."""
    modified: bool = False
    """An incremental build of a dbt project changed since the last good build."""
    refused: bool = False
    """An incremental build after one refused at publishing (it publishes that one's marts)."""
    dropped: list[str] = field(default_factory=list)
    """Tables and views of the working file dbt no longer builds, dropped before publishing."""
    suppression: Suppression | None = None
    """What the disclosure control of the release tier suppressed (None: not rebuilt)."""


def _dbt(paths: Paths, *args: str, target: str = "duckdb") -> list:
    """Run one dbt command in-process against the working warehouse of `paths` (DuckDB),
    or against the PostgreSQL database of the environment (target postgres)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner  # a slow import: only when dbt runs

    os.environ["SAMSPIL_BUILD_WAREHOUSE"] = str(paths.build_warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # logs/dbt.log at info level: each node's result and every error (the debug level's
    # every statement costs time: docs/performance.md).
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
    result = dbtRunner().invoke(
        [
            *args,
            "--target",
            target,
            "--project-dir",
            str(paths.project),
            "--profiles-dir",
            str(paths.project),
            "-q",
        ]
    )
    # dbt-duckdb keeps the warehouse open in-process; release it for the next step.
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    nodes = list(result.result or []) if args[0] == "build" else []
    failed = [node for node in nodes if node.status in ("error", "fail", "runtime error")]
    if failed or not result.success:
        lines = []
        for node in failed:
            lines.append(f"  {node.node.unique_id}: {node.status}: {node.message}")
            if target == "duckdb" and node.node.resource_type == "test":
                rows = failing_rows(paths.build_warehouse, node.node.compiled_code)
                lines += [f"    {row}" for row in rows]
        if result.exception is not None:
            lines.append(f"  {result.exception}")
        raise BuildError(f"dbt {args[0]} failed:\n" + "\n".join(lines or [LOG_HINT]))
    return nodes


def _count(nodes: list, counts: dict[str, int]) -> None:
    for node in nodes:
        if node.node.resource_type == "operation":  # the on-run-start hook
            continue
        key = f"{NODE_KINDS.get(node.node.resource_type, node.node.resource_type)} {node.status}"
        counts[key] = counts.get(key, 0) + 1


MARTS_LISTED = (
    "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
)


def mart_row_counts(
    warehouse: Path | PostgresWarehouse, marts: Collection[str] | None = MAIN_MARTS
) -> dict[str, int]:
    """The rows of each of `marts` (None: of every table in the schema marts)."""
    if isinstance(warehouse, PostgresWarehouse):
        connection = warehouse.connect()
        try:
            with connection.cursor() as cursor:
                if marts is None:
                    cursor.execute(MARTS_LISTED)
                    marts = [name for (name,) in cursor.fetchall()]
                counts = {}
                for mart in marts:
                    cursor.execute(f"select count(*) from marts.{mart}")
                    counts[mart] = cursor.fetchone()[0]
                return counts
        finally:
            connection.close()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        if marts is None:
            marts = [name for (name,) in connection.execute(MARTS_LISTED).fetchall()]
        return {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in marts
        }


def validate_staging(
    paths: Paths,
    warehouse: Path | PostgresWarehouse,
    suites: Collection[str] | None = None,
    tables: Collection[str] | None = None,
) -> tuple[list[str], str]:
    """Run the Great Expectations checkpoint on the staged tables and record it: every
    suite, or those named in `suites`, or those that read one of the staged `tables`
    (see `samspil.validate.validate`).

    Returns the warning lines and the run's id; raises BuildError on an error-level
    failure or on a name that is no suite's.
    """
    from samspil.validate import UnknownSuiteError, record, summary_lines, validate

    try:
        report = validate(warehouse, paths.project, suites, tables, paths.gx_root)
    except UnknownSuiteError as error:
        raise BuildError(f"validation: {error}") from None
    record(report, warehouse)
    if report.errors:
        raise BuildError(
            "validation failed, nothing published:\n" + "\n".join(summary_lines(report))
        )
    return (summary_lines(report) if report.warnings else []), report.run_id


def _models_in(nodes: list, schema: str) -> list[str]:
    """The names of the models among dbt's `nodes` (results) built into `schema`."""
    return sorted(
        node.node.name
        for node in nodes
        if node.node.resource_type == "model" and node.node.schema == schema
    )


def _source(table: str) -> str:
    """The dbt source of the raw table `<source>__<stem>`: `samspil.<source>.<stem>`."""
    return "samspil." + table.replace("__", ".", 1)


def _downstream_of(tables: list[str]) -> list[str]:
    """dbt selectors of the sources of `tables` and all below them."""
    return [f"source:{_source(table)}+" for table in tables]


def _reached(changed: list[str], built: list) -> tuple[list[str], bool]:
    """What of the release tier a data-only incremental build changes, which loaded the raw
    tables `changed` again and whose dbt build built `built`: dbt's selectors of the release
    models below a changed source and of the build's records (`RELEASE_RECORDS`), and
    whether the pattern is solved again, with the models that read it: only where the
    release cells or their terms were built again. Otherwise they are the last build's,
    and so is the pattern."""
    rebuilt = {node.node.unique_id for node in built}
    solve = any(f"model.samspil.{model}" in rebuilt for model in (CELLS_MODEL, TERMS_MODEL))
    select = [f"{selector},release" for selector in _downstream_of(changed)]
    return [*select, *RELEASE_RECORDS, *(("staging.disclosure+",) if solve else ())], solve


def _release(
    paths: Paths,
    warehouse: Path | PostgresWarehouse,
    target: str,
    selectors: list[str],
    solve: bool,
    *options: str,
    docs: _GreatExpectations | None = None,
) -> tuple[Suppression | None, list]:
    """The release tier: the suppression pattern (samspil.disclosure) if `solve` (None
    otherwise: the last build's stays), then dbt's build of the release models `selectors`
    name, and their tests (with `options`: an incremental build's). `docs`, the GX process
    of the Data Docs, is started between the two: it imports GX beside dbt, not beside the
    solver."""
    suppression = None
    if solve:
        try:
            suppression = suppress(warehouse, paths.target / "manifest.json")
        except SuppressionError as error:
            raise BuildError(f"disclosure control: {error}") from None
    if docs is not None:
        docs.start()
    nodes = _dbt(paths, "build", "--select", *selectors, *RELEASE_TESTS, *options, target=target)
    return suppression, nodes


# prctl(2): the signal a process gets when its parent dies (Linux).
PR_SET_PDEATHSIG = 1


def _import_great_expectations(build_pid: int) -> None:
    # The GX process writes the working file (the validation history), which the build's
    # lock covers only while the build lives: it must not outlive the build, however the
    # build ends (kill -9 too), or it would write into the next build's working file.
    libc = ctypes.CDLL(None)
    if hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != build_pid:  # the build ended before this process asked
        os._exit(1)
    import samspil.validate  # noqa: F401


def _validate(paths: Paths, warehouse: Path | PostgresWarehouse, tables: list[str] | None):
    """`validate_staging`, in the GX process."""
    return validate_staging(paths, warehouse, tables=tables)


def _data_docs(gx_root: Path, run_name: str | None) -> Path:
    from samspil.validate import build_data_docs

    return build_data_docs(gx_root, run_name=run_name)


class _GreatExpectations:
    """The build's Great Expectations process, started by `start` or the first task
    (importing GX as it starts) and ended by `end`; the next start or task starts another."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the process, if none runs, without waiting for its import."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1,
                multiprocessing.get_context("spawn"),
                _import_great_expectations,
                (os.getpid(),),
            )
            self._pool.submit(int)  # the pool starts its process at the first task

    def submit(self, function, *arguments) -> Future:
        self.start()
        return self._pool.submit(function, *arguments)

    def end(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _result(future: Future):
    """The result of a task of the Great Expectations process; its exception raised here."""
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise BuildError(
            f"validation: its process ended without a result ({error}); nothing published"
        ) from None


@dataclass(frozen=True)
class BuildOptions:
    """How to build, besides where (`Paths`) and on which target."""

    docs: bool = True
    full_refresh: bool = False
    demo_key: bool = False
    """Pseudonymise with the public demo key: the user declares the data synthetic."""
    allow_empty: bool = False
    """Publish even where a raw table loaded no rows."""
    allow_shrink: bool = False
    """Publish even a mart that shrinks by more than the declared share (`SHRINK_VAR`)."""


@dataclass(frozen=True)
class _Run:
    """This build: its id, its key and how the key was chosen, when it started."""

    build_id: str
    pseudonym_key: bytes
    key_origin: str
    started_at: datetime


def _built(paths: Paths) -> set[tuple[str, str]]:
    """What a build may find in the published files it replaces (`published_relations`):
    the relations of dbt's manifests at hand, of the target folder and of the build state
    (a model removed since the last build is still that build's), or, where there is none,
    of dbt's parse of the project. (Nothing to parse for where no file is published yet.)"""
    if not (paths.warehouse.exists() or paths.release_warehouse.exists()):
        return set()
    manifests = [folder / "manifest.json" for folder in (paths.target, dbt_state_dir(paths))]
    if not any(path.is_file() for path in manifests):
        _dbt(paths, "parse")
    return published_relations([read_manifest(path) for path in manifests if path.is_file()])


def build(
    paths: Paths, target: str = "duckdb", options: BuildOptions | None = None
) -> BuildSummary:
    """The whole flow on `target`: `duckdb` (the working file, published as a file) or
    `postgres` (the database of PGHOST, PGDATABASE…, published as the schema marts).

    One build at a time per warehouse: the build holds the warehouse's lock and dbt's
    target folder's from its first write to its last (`samspil.lock`), and is refused at
    once (`WarehouseInUseError`) while another process holds one. The validation and its
    Data Docs run in the build's Great Expectations process (see the module docstring): a
    script that calls `build` needs the `if __name__ == "__main__":` guard of Python's
    `spawn` start method.
    """
    options = options or BuildOptions()
    if target not in TARGETS:
        raise BuildError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    if problem := paths.gx_root_problem():
        raise BuildError(problem)
    if target == "duckdb" and (problem := paths.warehouse_problem()):
        raise BuildError(problem)
    if target == "duckdb" and (problem := unwritable(paths.warehouse.parent)):
        raise BuildError(
            f"{problem}: the build would fail at its end, when it publishes; make the folder "
            "writable, or set SAMSPIL_WAREHOUSE to a file in one that is."
        )
    pseudonym_key, is_demo_key = resolve_key(paths.raw, options.demo_key)
    if not is_demo_key:
        key_origin = f"a secret key from {KEY_VARIABLE}"
    elif options.demo_key:
        key_origin = "the public demo key (--demo-key: synthetic data)"
    else:
        key_origin = "the public demo key (the raw folder is the shipped demo)"
    started_at = datetime.now(UTC).replace(tzinfo=None)
    on_duckdb = target == "duckdb"
    with locked(paths, "build", warehouse=on_duckdb, published=on_duckdb, target=True) as build_id:
        if on_duckdb and (problem := foreign_contents(paths.warehouse, _built(paths))):
            raise BuildError(problem)
        run = _Run(build_id, pseudonym_key, key_origin, started_at)
        great_expectations = _GreatExpectations()
        try:
            return _build(paths, target, options, run, great_expectations)
        except duckdb.IOException as error:
            if "lock" not in str(error):
                raise
            raise BuildError(
                f"{paths.build_warehouse} is open in another program "
                f"({str(error).splitlines()[0]}); close it there, then build again."
            ) from None
        finally:
            great_expectations.end()


def _build(
    paths: Paths,
    target: str,
    options: BuildOptions,
    run: _Run,
    great_expectations: _GreatExpectations,
) -> BuildSummary:
    warehouse: Path | PostgresWarehouse = (
        PostgresWarehouse.from_environment() if target == "postgres" else paths.build_warehouse
    )
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[phase] = seconds.get(phase, 0.0) + now - clock
        clock = now

    fingerprint_now, dbt_now = fingerprint(paths, target, run.pseudonym_key), dbt_digest(paths)
    state = None
    if target == "duckdb" and not options.full_refresh:
        state = read_state(paths, fingerprint_now)
    previous = None if state is None else dict(state.get("raw") or {})
    # dbt's project changed since the last good build: dbt's state comparison says what.
    modified = state is not None and state.get("dbt") != dbt_now
    # The last build was refused at publishing: its marts are built, never published.
    refused = state is not None and state.get("refused", False)
    is_last_published = state is not None and is_published_by_last_build(paths, state)
    forget_state(paths)
    loaded = load(
        paths.raw,
        warehouse,
        pseudonym_key=run.pseudonym_key,
        project_dir=paths.project,
        unchanged=previous,
    )
    accepted = check_not_empty(loaded, options.allow_empty)
    if isinstance(warehouse, PostgresWarehouse):
        clear_postgres_build(warehouse)
    lap("load")
    # The GX process starts now, not beside the load, which its import slows
    # (docs/performance.md).
    great_expectations.start()
    counts: dict[str, int] = {}
    changed = None
    # An incremental build of the same dbt project, on a release tier and docs of the marts
    # as they were: its data changed, its logic did not.
    data_only = previous is not None and not modified and not refused
    # The release tier: what of it to build, and whether to solve its pattern again.
    release_tier, solve = RELEASE_PHASE.split(), True
    if previous is None:
        # A full build stages, validates what it staged, then builds the rest: data that
        # fails validation stops the build before the marts are built from it. The first
        # invocation writes the project's manifest (target/manifest.json), where the
        # validation finds the staged relations; the second writes it again.
        staging = _dbt(
            paths,
            "build",
            "--select",
            STAGING_PHASE,
            "--exclude",
            RELEASE_PHASE,
            *PHASE_TESTS,
            "--full-refresh",
            target=target,
        )
        _count(staging, counts)
        lap("dbt build")
        warnings, _ = _result(great_expectations.submit(_validate, paths, warehouse, None))
        run_id = None  # its suites may have changed: the Data Docs are rendered whole
        great_expectations.end()
        lap("validation")
        built = _dbt(
            paths,
            "build",
            "--exclude",
            STAGING_PHASE,
            RELEASE_PHASE,
            *PHASE_TESTS,
            "--full-refresh",
            target=target,
        )
        _count(built, counts)
        lap("dbt build")
    else:
        # An incremental build is one dbt build of what depends on the tables the load
        # wrote (every table of a source with a changed file) and, where dbt's project
        # changed, of what dbt finds modified since the last good build's manifest, with
        # every test of what it rebuilds, also one that reads a model left as it was; then
        # the validation of the staging models it rebuilt, before anything is published.
        # A modified project runs the unit tests of what it rebuilds, rebuilds incremental
        # models from nothing (their logic may have changed) and writes its manifest.
        changed = sorted(item.table for item in loaded if item.loaded_at is None)
        built = (
            _dbt(
                paths,
                "build",
                "--select",
                *_downstream_of(changed),
                *(("state:modified+",) if modified else ()),
                "tag:every_build",
                "--exclude",
                RELEASE_PHASE,
                *(
                    ("--state", str(dbt_state_dir(paths)), "--full-refresh")
                    if modified
                    else INCREMENTAL
                ),
                target=target,
            )
            if changed or modified
            else []
        )
        _count(built, counts)
        lap("dbt build")
        if data_only:
            release_tier, solve = _reached(changed, built)
        if refused:
            # Every staged model, as a full build validates them: the warnings are then
            # those of what this build publishes, and the Data Docs are rendered whole.
            warnings, _ = _result(great_expectations.submit(_validate, paths, warehouse, None))
            run_id = None
        else:
            restaged = _models_in(built, "staging")
            warnings, run_id = (
                _result(great_expectations.submit(_validate, paths, warehouse, restaged))
                if restaged
                else ([], "")
            )
        # Its memory back before the solver; with no pattern to solve, it renders the Data
        # Docs, imported already.
        if solve:
            great_expectations.end()
        lap("validation")
    # The marts alone decide whether they shrank: a build that did stops before the
    # disclosure control, its working file built and validated (see the module docstring).
    try:
        accepted += check_no_shrink(paths, warehouse, options.allow_shrink)
    except NotPublishedError:
        if target == "duckdb":
            write_state(paths, fingerprint_now, dbt_now, loaded, refused=True)
        raise
    suppression = None
    if changed is None or changed or modified or refused:
        suppression, released = _release(
            paths,
            warehouse,
            target,
            release_tier,
            solve,
            *(INCREMENTAL if data_only else ()),
            docs=great_expectations if options.docs else None,
        )
        _count(released, counts)
        lap("disclosure control")
    kind = "full" if changed is None else "incremental"
    record_provenance(
        warehouse,
        Provenance(run.build_id, str(paths.raw), kind, run.key_origin, accepted, run.started_at),
    )
    if isinstance(warehouse, PostgresWarehouse):
        publish_postgres(warehouse)
        published: Path | PostgresWarehouse = warehouse
        dropped: list[str] = []  # clear_postgres_build left nothing to drop
    else:
        dropped = drop_orphans(paths.build_warehouse, read_manifest(paths.target / "manifest.json"))
        rebuilt = None
        # An incremental build of the same project: the marts it rebuilt. (One of a modified
        # project publishes whole: a mart may have gone.)
        if data_only and is_last_published:
            rebuilt = set(_models_in(built, "marts"))
        publish(paths.build_warehouse, paths.warehouse, rebuilt)
        published = paths.warehouse
    lap("publish")
    summary = BuildSummary(
        warehouse=published,
        docs=paths.docs if options.docs else None,
        loaded=loaded,
        counts=counts,
        mart_rows=mart_row_counts(published),
        validation_warnings=warnings,
        build_id=run.build_id,
        pseudonym_key=run.key_origin,
        accepted=accepted,
        seconds=seconds,
        changed_tables=changed,
        modified=modified,
        refused=refused,
        suppression=suppression,
        dropped=dropped,
    )
    if target == "duckdb":
        write_state(paths, fingerprint_now, dbt_now, loaded)
    if options.docs:
        # The same project gives the same dbt docs: an incremental build keeps them.
        data_docs = great_expectations.submit(_data_docs, paths.gx_root, run_id)
        if not data_only or not paths.docs.is_file():
            _dbt(paths, "docs", "generate", "--static", target=target)
        summary.data_docs = _result(data_docs)
        lap("docs")
    return summary
