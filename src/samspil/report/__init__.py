"""`samspil report`: the study's key findings as figures, from the release tier only.

Opens the published release file (`samspil_release.duckdb`: the disclosure-checked
release tier and the reference data) read-only, draws every figure of `figures.FIGURES`,
and writes a folder that opens offline: `index.html` (the study, the data's provenance
and every figure inlined as SVG, no script, no remote resource) and `figures/<name>.png`
and `.svg` for papers. The same release file gives the same files: nothing depends on
the clock, SVG ids are salted with the figure's name instead of a random salt, and files
carry no creation date.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

from samspil.paths import replaceable, replacing, unwritable
from samspil.report.figures import FIGURES
from samspil.report.figures.common import Finding
from samspil.report.html import Provenance, render_page

PNG_DPI = 150
MARKER = "<!-- samspil report -->"
"""First line of every report's index.html: a folder with it may be replaced."""


class ReportError(Exception):
    """The report cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Report:
    folder: Path
    index: Path
    findings: list[Finding]
    files: list[Path]


def _provenance(connection: duckdb.DuckDBPyConnection, warehouse: Path) -> Provenance:
    files = connection.execute(
        """
        select file, table_name, file_format, rows_read, rows_loaded, rows_rejected, sha256
        from release.rpt_load_audit
        order by file, table_name
        """
    ).fetchall()
    loaded_at = connection.execute("select max(loaded_at) from release.rpt_load_audit").fetchone()[
        0
    ]
    validation = connection.execute(
        """
        select
            run_id, run_at, expectation_count, passed_count, failed_error_count,
            failed_warning_count
        from release.rpt_validation_runs
        order by run_at desc, run_id desc
        limit 1
        """
    ).fetchone()
    return Provenance(
        warehouse=warehouse,
        loaded_at=loaded_at,
        files=files,
        validation_run=validation,
    )


def _svg(finding: Finding) -> bytes:
    buffer = io.BytesIO()
    # A fixed salt per figure: the same ids every run, and no id shared by two figures
    # inlined in one page.
    with matplotlib.rc_context({"svg.hashsalt": f"samspil-{finding.name}"}):
        finding.figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _png(finding: Finding) -> bytes:
    buffer = io.BytesIO()
    finding.figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _is_report(out: Path) -> bool:
    try:
        with (out / "index.html").open(encoding="utf-8") as handle:
            return handle.readline().strip() == MARKER
    except (OSError, UnicodeDecodeError):
        return False


def draw(warehouse: Path) -> tuple[list[Finding], Provenance]:
    """Every figure of the report from the published release file `warehouse`, opened
    read-only."""
    if not warehouse.is_file():
        raise ReportError(f"{warehouse}: no published warehouse; run `samspil build` first.")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        schemas = {
            name
            for (name,) in connection.execute("select schema_name from duckdb_schemas()").fetchall()
        }
        missing = {"release", "reference"} - schemas
        if missing:
            raise ReportError(
                f"{warehouse}: no schema {', '.join(sorted(missing))}; "
                "run `samspil build` to publish the release tier."
            )
        try:
            findings = [figure(connection) for figure in FIGURES]
            provenance = _provenance(connection, warehouse)
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise ReportError(
                f"{warehouse}: {first_line}; the release tier is not what this samspil "
                "draws from: run `samspil build` to publish it again."
            ) from error
    return findings, provenance


def report(warehouse: Path, out: Path, docs: Path, project: Path | None = None) -> Report:
    """Write the report of `warehouse` to the folder `out`, replacing an earlier report."""
    out = out.resolve()
    if not replaceable(out, _is_report):
        raise ReportError(
            f"{out}: exists and is not a samspil report; choose another --out or remove it."
        )
    if problem := unwritable(out.parent):
        raise ReportError(f"{problem}; choose another --out.")
    findings, provenance = draw(warehouse)
    written: list[str] = []
    with replacing(out) as folder:
        (folder / "figures").mkdir()
        svgs: dict[str, str] = {}
        for finding in findings:
            svg = _svg(finding)
            svgs[finding.name] = svg.decode("utf-8")
            for suffix, content in (("svg", svg), ("png", _png(finding))):
                (folder / "figures" / f"{finding.name}.{suffix}").write_bytes(content)
                written.append(f"figures/{finding.name}.{suffix}")
        page = render_page(
            findings,
            svgs,
            provenance,
            docs=docs.resolve(),
            out=out,
            project=project.resolve() if project else None,
        )
        (folder / "index.html").write_text(MARKER + "\n" + page, encoding="utf-8")
        written.insert(0, "index.html")
    return Report(
        folder=out,
        index=out / "index.html",
        findings=findings,
        files=[out / name for name in written],
    )
