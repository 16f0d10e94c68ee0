"""The `samspil` command: the only module that prints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from samspil.paths import Paths

if TYPE_CHECKING:
    from samspil.disclosure import Suppression
    from samspil.postgres import PostgresWarehouse

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    help="samspil: build and query the co-production research warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)


def _fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=1)


def _lines(title: str, rows: list[tuple[str, str]]) -> None:
    console.print(f"[bold]{title}[/]")
    for label, value in rows:
        console.print(f"  {label:<38} {value}")


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the raw exports and truth/ to.")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed and scale, same files.")] = 2016,
    scale: Annotated[int, typer.Option(help="1 = the five study municipalities.")] = 1,
    formats: Annotated[
        str,
        typer.Option(
            help="mix (as researchers export: .sav, Danish-Excel CSV, .xlsx, .qdpx), or every "
            "table as csv, danish-csv or xlsx; sav / qdpx: the surveys' responses / the "
            "discourse and cases strands in that format, the rest CSV."
        ),
    ] = "mix",
) -> None:
    """Write synthetic raw exports of all four strands, with the planted truth."""
    from samspil.tools.generate import FORMATS
    from samspil.tools.generate import generate as write_demo

    if formats not in FORMATS:
        _fail(f"--formats must be one of {', '.join(FORMATS)}, not {formats!r}.")
    seeds = Paths.from_environment().project / "seeds"
    written = write_demo(out, seed=seed, scale=scale, seeds_dir=seeds, formats=formats)
    console.print(f"wrote {len(written)} files, {sum(written.values()):,} rows, to {out}")


Target = Annotated[
    str,
    typer.Option(
        help="duckdb (the warehouse file) or postgres (the database of PGHOST, PGPORT, "
        "PGUSER, PGPASSWORD, PGDATABASE)."
    ),
]
DemoKey = Annotated[
    bool,
    typer.Option(
        "--demo-key",
        help="Pseudonymise with the public demo key: only for synthetic data (samspil "
        "generate); the shipped demo gets it without this option.",
    ),
]


def _working_warehouse(paths: Paths, target: str) -> Path | PostgresWarehouse:
    """The working DuckDB file, or the PostgreSQL database of the environment."""
    from samspil.postgres import PostgresSettingsError, PostgresWarehouse

    if target == "duckdb":
        return paths.build_warehouse
    if target != "postgres":
        _fail(f"--target must be duckdb or postgres, not {target!r}.")
    try:
        return PostgresWarehouse.from_environment()
    except PostgresSettingsError as error:
        _fail(str(error))
        raise


@app.command()
def load(target: Target = "duckdb", demo_key: DemoKey = False) -> None:
    """Load the raw exports (SAMSPIL_RAW_DIR, default raw/demo) into the working warehouse."""
    from samspil.build_state import forget_state
    from samspil.load import LoadError
    from samspil.load import load as load_raw
    from samspil.lock import WarehouseInUseError, locked
    from samspil.postgres import PostgresSettingsError
    from samspil.pseudonyms import PseudonymKeyError, resolve_key

    paths = Paths.from_environment()
    warehouse = _working_warehouse(paths, target)
    try:
        key, _ = resolve_key(paths.raw, demo_key)
        with locked(paths, "load", warehouse=target == "duckdb"):
            forget_state(paths)  # the working file no longer holds what the last build loaded
            loaded = load_raw(paths.raw, warehouse, pseudonym_key=key)
    except (LoadError, PseudonymKeyError, PostgresSettingsError, WarehouseInUseError) as error:
        _fail(str(error))
    _lines(
        f"loaded into {warehouse}",
        [
            (item.file, f"{item.rows_loaded:>9,} rows loaded, {item.rows_rejected:,} rejected")
            for item in loaded
        ],
    )


@app.command()
def validate(target: Target = "duckdb") -> None:
    """Run the Great Expectations checkpoint on the staged tables of the working warehouse."""
    from samspil.lock import WarehouseInUseError, locked
    from samspil.validate import record, summary_lines
    from samspil.validate import validate as run_checkpoint

    paths = Paths.from_environment()
    if problem := paths.gx_root_problem():
        _fail(problem)
    warehouse = _working_warehouse(paths, target)
    try:
        with locked(paths, "validate", warehouse=target == "duckdb"):
            if isinstance(warehouse, Path) and not warehouse.is_file():
                _fail(f"{warehouse}: no working warehouse; run `samspil build` first.")
            report = run_checkpoint(warehouse, paths.project, gx_root=paths.gx_root)
            record(report, warehouse)
    except WarehouseInUseError as error:
        _fail(str(error))
    for line in summary_lines(report):
        console.print(line)
    console.print(
        f"{len(report.findings)} expectations: {len(report.errors)} errors, "
        f"{len(report.warnings)} warnings (run {report.run_id}, "
        "history in validation.expectation_results)"
    )
    if report.errors:
        raise typer.Exit(code=1)


def _suppression_rows(suppression: Suppression | None) -> list[tuple[str, str]]:
    if suppression is None:
        return []
    reasons = [*sorted(suppression.primary.items()), ("complementary", suppression.complementary)]
    withheld = sum(count for _, count in reasons)
    return [
        (
            "release cells suppressed",
            f"{withheld} of {suppression.cells} ("
            + ", ".join(f"{reason} {count}" for reason, count in reasons)
            + f"; solved in {suppression.seconds:.1f} s"
            + (
                f", {suppression.reused} of {suppression.components} components as the "
                "last build solved them (unchanged since)"
                if suppression.reused
                else ""
            )
            + ")",
        )
    ]


@app.command()
def build(
    docs: Annotated[bool, typer.Option(help="Also build dbt docs and GX Data Docs.")] = True,
    target: Target = "duckdb",
    timings: Annotated[
        Path | None, typer.Option(help="Also write each phase's wall time (JSON) to this file.")
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild everything, even where only some raw files changed since the last "
            "good build (which otherwise rebuilds only what depends on them).",
        ),
    ] = False,
    demo_key: DemoKey = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Publish even where a raw table loaded no rows (the summary says which).",
        ),
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Publish even marts that shrink against the last published build by more "
            "than max_mart_shrink of dbt_project.yml (the summary says which).",
        ),
    ] = False,
) -> None:
    """Load, stage, validate, build the marts, publish them, and document.

    After a good build on DuckDB, the next one with the same project rebuilds only what
    depends on the raw files that changed (a new wave, a new batch of documents). One build
    at a time per warehouse: another is refused while it runs."""
    from samspil.build import BuildError, BuildOptions
    from samspil.build import build as run_build
    from samspil.load import LoadError
    from samspil.lock import WarehouseInUseError
    from samspil.postgres import PostgresSettingsError
    from samspil.pseudonyms import PseudonymKeyError
    from samspil.publish import NotPublishedError

    paths = Paths.from_environment()
    options = BuildOptions(docs, full_refresh, demo_key, allow_empty, allow_shrink)
    try:
        summary = run_build(paths, target, options)
    except (
        LoadError,
        BuildError,
        NotPublishedError,
        PseudonymKeyError,
        PostgresSettingsError,
        WarehouseInUseError,
    ) as error:
        published = "marts of the database" if target == "postgres" else str(paths.warehouse)
        _fail(f"{error}\nThe published warehouse ({published}) is unchanged.")
    for item in summary.loaded:
        for finding in item.findings:
            console.print(f"[yellow]finding:[/] {item.file}: {finding}")
    for line in summary.validation_warnings:
        console.print(f"[yellow]warning:[/] {line}")
    for line in summary.accepted:
        console.print(f"[yellow]accepted:[/] {line}")
    rows = [
        ("id of this build", f"{summary.build_id} (audit.build_provenance)"),
        ("raw tables loaded", f"{len(summary.loaded)} from {paths.raw}"),
        *(
            (
                f"  {item.table}",
                f"{item.rows_loaded:,} rows loaded, {item.rows_rejected:,} rejected, from "
                f"{item.file} (sha256 {item.sha256[:16]}…)",
            )
            for item in summary.loaded
        ),
        ("raw rows read", f"{sum(item.rows_read for item in summary.loaded):,}"),
        ("raw rows rejected", f"{sum(item.rows_rejected for item in summary.loaded):,}"),
        (
            "build",
            "full"
            if summary.changed_tables is None
            else "incremental, raw tables changed: "
            + (
                ", ".join(summary.changed_tables)
                or ("none" if summary.modified or summary.refused else "none (nothing to rebuild)")
            )
            + ("; dbt's project changed (state:modified+ rebuilt)" if summary.modified else "")
            + ("; the last build's marts, refused at publishing" if summary.refused else ""),
        ),
        *((("left over, dropped", ", ".join(summary.dropped)),) if summary.dropped else ()),
        ("pseudonym key", summary.pseudonym_key),
        (
            "accepted empty or shrunk",
            f"{len(summary.accepted)} (the accepted: lines above)" if summary.accepted else "none",
        ),
        *((kind, f"{number:,}") for kind, number in sorted(summary.counts.items())),
        *_suppression_rows(summary.suppression),
        *((f"rows in marts.{mart}", f"{rows:,}") for mart, rows in summary.mart_rows.items()),
        (
            "published warehouse",
            f"schemas marts and release of {summary.warehouse}"
            if target == "postgres"
            else f"{summary.warehouse} (restricted tier)",
        ),
        *(
            []
            if target == "postgres"
            else [("published release tier", str(paths.release_warehouse))]
        ),
    ]
    if summary.docs:
        rows.append(("dbt docs", f"{summary.docs} (or: dbt docs serve)"))
    if summary.data_docs:
        rows.append(("validation (GX Data Docs)", str(summary.data_docs)))
    rows.append(
        (
            "seconds per phase",
            ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in summary.seconds.items()),
        )
    )
    if timings:
        timings.write_text(json.dumps(summary.seconds, indent=2) + "\n", encoding="utf-8")
    _lines("samspil build done", rows)


@app.command()
def bench(
    scales: Annotated[
        str, typer.Option(help="Comma-separated scales to generate and build.")
    ] = "1,10,50",
    out: Annotated[Path, typer.Option(help="Folder for the data, builds and results.")] = Path(
        "bench"
    ),
    seed: int = 2016,
    incremental_scale: Annotated[
        str,
        typer.Option(
            help="Comma-separated scales at which to time the incremental builds after a new "
            "wave and after new documents arrive (0: none)."
        ),
    ] = "10",
    repeat: Annotated[
        int,
        typer.Option(help="Time every build this many times and report the medians."),
    ] = 1,
    targets: Annotated[
        str,
        typer.Option(
            help="Comma-separated dbt targets to build each scale on, one after the other: "
            "duckdb, postgres (the database of PGHOST, PGPORT, PGUSER, PGPASSWORD, "
            "PGDATABASE). Incremental builds are DuckDB's."
        ),
    ] = "duckdb",
) -> None:
    """Benchmark: generate and build each scale, and time the incremental builds at each
    incremental scale; print and write the times (CSV, PNG)."""
    from samspil.build import TARGETS
    from samspil.tools.bench import PHASES, BenchError
    from samspil.tools.bench import bench as run_bench
    from samspil.tools.bench import targets as brief

    try:
        chosen = [int(scale) for scale in scales.split(",")]
        incremental = [int(scale) for scale in incremental_scale.split(",")]
    except ValueError:
        _fail(
            "--scales and --incremental-scale must be whole numbers separated by commas, "
            f"not {scales!r} and {incremental_scale!r}."
        )
    incremental = [scale for scale in incremental if scale != 0]
    if any(scale < 1 for scale in chosen + incremental) or repeat < 1:
        _fail("--scales and --repeat must be 1 or more, --incremental-scale 0 or more.")
    dbt_targets = tuple(targets.split(","))
    if not set(dbt_targets) <= set(TARGETS) or "duckdb" not in dbt_targets:
        _fail(f"--targets must name duckdb and may name postgres, not {targets!r}.")
    try:
        results, table, plot = run_bench(out, chosen, seed, incremental, repeat, dbt_targets)
    except BenchError as error:
        _fail(str(error))
    medians = f"; medians of {repeat} builds" if repeat > 1 else ""
    grid = Table(title=f"samspil bench (seconds; memory in MB{medians})")
    headers = (
        "scale",
        "target",
        "build",
        "load",
        "dbt",
        "valid.",
        "discl.",
        "publish",
        "docs",
        "total",
    )
    for column in (*headers, "of full", "raw read", "peak MB"):
        grid.add_column(column, justify="right")
    full = {
        result.scale: result.build_seconds
        for result in results
        if result.build == "full" and result.target == "duckdb"
    }
    for result in results:
        share = full.get(result.scale) if result.build != "full" else None
        grid.add_row(
            str(result.scale),
            result.target,
            result.build,
            *(f"{result.phase_seconds[phase]:.1f}" for phase in PHASES),
            f"{result.build_seconds:.1f}",
            f"{result.build_seconds / share:.0%}" if share else "",
            f"{result.raw_read_seconds:.2f}",
            f"{result.peak_memory_mb:,.0f}",
        )
    goals = Table(title="the targets, judged on these figures")
    for column in ("target", "figure", "limit", ""):
        goals.add_column(column, justify="left" if column == "target" else "right")
    for goal in brief(results):
        shown = {"%": "{:.1%}", "MB": "{:,.0f} MB", "x": "{:.2f} ×"}.get(goal.unit, "{:,.2f} s")
        goals.add_row(
            goal.name,
            shown.format(goal.figure),
            shown.format(goal.limit),
            "met" if goal.is_met else "missed",
        )
    # Whole headers also in a log file (80 columns by default there).
    wide = Console(width=max(console.width, 120), highlight=False)
    wide.print(grid)
    wide.print(goals)
    _lines("written", [("table (every mart's rows too)", str(table)), ("plot", str(plot))])


@app.command()
def export(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder to write to: new, empty or an earlier export (replaced); default: "
            "exports/ beside the warehouse (exports_restricted/ with --restricted)."
        ),
    ] = None,
    labels: Annotated[
        str, typer.Option(help="Language of the codebook's labels in .sav/.dta: en or da.")
    ] = "en",
    restricted: Annotated[
        bool,
        typer.Option(
            "--restricted",
            help="Export the restricted tier instead of the release tier: the pseudonymised "
            "unit-level marts (every answer, coded segment, episode and tie) and the wide "
            "survey files, for the project's researchers only; not disclosure-checked, never "
            "to leave the project.",
        ),
    ] = False,
) -> None:
    """Write the release tier (disclosure-checked aggregates) to Parquet, CSV, SPSS .sav and
    Stata .dta, with labels; --restricted writes the unit-level marts instead."""
    import time

    from samspil.export import ExportError
    from samspil.export import export as write_exports

    paths = Paths.from_environment()
    source = paths.warehouse if restricted else paths.release_warehouse
    folder = out or paths.warehouse.parent / ("exports_restricted" if restricted else "exports")
    started = time.monotonic()
    try:
        written = write_exports(source, folder, language=labels, restricted=restricted)
    except ExportError as error:
        _fail(str(error))
    seconds = time.monotonic() - started
    for item in written:
        for name, short in item.renamed_columns.items():
            console.print(f"[yellow]renamed:[/] {item.file}: {name} → {short} (format's limit)")
    by_format: dict[str, tuple[int, int]] = {}
    for item in written:
        files, size = by_format.get(item.format, (0, 0))
        by_format[item.format] = (files + 1, size + item.bytes)
    _lines(
        f"samspil export done in {seconds:.1f} s",
        [
            *(
                (f".{kind} files", f"{files:>3}, {size / 1e6:8.1f} MB")
                for kind, (files, size) in by_format.items()
            ),
            ("from", f"{source} ({'restricted' if restricted else 'release'} tier)"),
            ("to (with manifest.json)", str(folder)),
        ],
    )


@app.command()
def report(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder to write to: new, empty or an earlier report (replaced); default: "
            "report/ in the project."
        ),
    ] = None,
) -> None:
    """Render the findings report from the release tier: one HTML page that opens offline,
    every figure as PNG and SVG."""
    import time

    from samspil.report import ReportError
    from samspil.report import report as write_report

    paths = Paths.from_environment()
    folder = out or paths.project / "report"
    started = time.monotonic()
    try:
        written = write_report(
            paths.release_warehouse, folder, docs=paths.docs, project=paths.project
        )
    except ReportError as error:
        _fail(str(error))
    seconds = time.monotonic() - started
    size = sum(path.stat().st_size for path in written.files)
    _lines(
        f"samspil report done in {seconds:.1f} s",
        [
            *((finding.name, finding.reading) for finding in written.findings),
            ("from (the release tier)", str(paths.release_warehouse)),
            ("report (open in a browser)", str(written.index)),
            ("figures (PNG and SVG)", f"{written.folder / 'figures'}, {size / 1e6:.1f} MB in all"),
        ],
    )


@app.command("docs-codebook")
def docs_codebook() -> None:
    """Regenerate the survey codebook's dbt doc blocks from the codebook seeds."""
    from samspil.codebook import write

    target = write(Paths.from_environment().project)
    console.print(f"wrote {target} from seeds/survey_*.csv")
