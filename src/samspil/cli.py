"""The `samspil` command: the only module that prints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from samspil.paths import Paths

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    help="samspil: build and query the co-production research warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code=1)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the raw exports and truth/ to.")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed and scale, same files.")] = 2016,
    scale: Annotated[int, typer.Option(help="1 = the five study municipalities.")] = 1,
) -> None:
    """Write synthetic raw exports of all four strands, with the planted truth."""
    from samspil.generate import generate as write_demo

    written = write_demo(out, seed=seed, scale=scale)
    console.print(f"wrote {len(written)} files, {sum(written.values()):,} rows, to {out}")


@app.command()
def load() -> None:
    """Load the raw exports (SAMSPIL_RAW_DIR, default raw/demo) into the raw schema."""
    from samspil.load import LoadError
    from samspil.load import load as load_raw

    paths = Paths.from_environment()
    try:
        loaded = load_raw(paths.raw, paths.warehouse)
    except LoadError as error:
        _fail(str(error))
    for item in loaded:
        console.print(f"{item.file:36} {item.rows:>9,} rows", highlight=False)


@app.command()
def build(
    docs: Annotated[bool, typer.Option(help="Also generate the dbt docs.")] = True,
) -> None:
    """Load, run dbt build (models and every test), generate the docs, summarise."""
    from samspil.build import BuildError
    from samspil.build import build as run_build
    from samspil.load import LoadError

    paths = Paths.from_environment()
    try:
        summary = run_build(paths, docs=docs)
    except (LoadError, BuildError) as error:
        _fail(str(error))
    lines = [
        ("raw files loaded", f"{len(summary.loaded)} from {paths.raw}"),
        ("raw rows", f"{sum(item.rows for item in summary.loaded):,}"),
        *((kind, f"{number:,}") for kind, number in sorted(summary.counts.items())),
        *((f"rows in marts.{mart}", f"{rows:,}") for mart, rows in summary.mart_rows.items()),
        ("warehouse", str(summary.warehouse)),
    ]
    if docs:
        lines.append(("docs", f"{summary.docs} (or: dbt docs serve)"))
    console.print("[bold]samspil build done[/]")
    for label, value in lines:
        console.print(f"  {label:<36} {value}", soft_wrap=True, highlight=False)
