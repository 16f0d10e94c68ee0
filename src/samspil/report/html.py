"""The report's page: the study, the data's provenance, and every figure inlined as SVG.

One HTML file with its style inline and no script: it opens from the file system with no
network, and every figure is in it (the PNG and SVG files beside it are for papers).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from samspil.report.figures.common import SUPPRESSED, Finding

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1d1d1d;
       max-width: 1180px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.4rem; border-top: 1px solid #ddd; padding-top: 1rem; }
p.lead { font-size: 1.05rem; color: #333; }
p.reading { font-size: 1.05rem; font-weight: bold; margin: 0.4rem 0; }
.note, figcaption, .meta { color: #555; font-size: 0.88rem; }
figure { margin: 0.6rem 0 0 0; }
figure svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.82rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.2rem 0.6rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.78rem; }
td.hash { word-break: break-all; max-width: 24rem; }
nav ol { columns: 2; font-size: 0.92rem; }
.passed { color: #1b7a3d; font-weight: bold; }
.failed { color: #b5122b; font-weight: bold; }
"""

STUDY = (
    "The research project <em>Samspillet mellem den frivillige og den kommunale sektor</em> "
    "(University of Southern Denmark, 2015–2018) asked how municipal institutions and "
    "voluntary associations co-produce welfare, and how that co-production is justified. "
    "It followed five municipalities (Odense, Faaborg-Midtfyn, Faxe, Rudersdal and one "
    "social-housing area of Aarhus) through four strands of data: surveys of institution "
    "leaders and of association chairs (2016 and 2018), 20 cooperation cases followed for "
    "two years, and policy documents, council minutes and news coded for the justification "
    "of co-production by two or more coders."
)


@dataclass(frozen=True)
class Provenance:
    warehouse: Path
    loaded_at: datetime | None
    files: list[tuple]
    """file, table_name, format, rows_read, rows_loaded, rows_rejected, sha256."""
    validation_run: tuple | None
    """run_id, run_at, expectations, passed, failed errors, failed warnings."""


def inline_svg(svg: str, title: str) -> str:
    """matplotlib's SVG document as an element of the page: no XML prolog or metadata,
    scaled by its viewBox to the page's width, at most its own."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    return re.sub(
        r"<svg ([^>]*?)width=\"([^\"]*)\" height=\"[^\"]*\"",
        lambda match: (
            f'<svg role="img" aria-label="{html.escape(title)}" '
            f'style="max-width: {match.group(2)}" {match.group(1)}'
        ),
        svg,
        count=1,
    ).strip()


def _shown_path(path: Path, project: Path | None) -> str:
    """`path` relative to the project, or its name where it lies outside: the page is
    shared, and a folder outside the project may name its owner (a home folder)."""
    if project is not None and path.is_relative_to(project):
        return path.relative_to(project).as_posix()
    return path.name


def _number(value: object) -> str:
    return f'<td class="number">{int(value):,}</td>' if value is not None else "<td></td>"


def _docs_reference(docs: Path, out: Path, project: Path | None) -> str:
    """The dbt docs `docs` as the report in `out` names them: a link relative to the report
    where both lie in the project (a copy of the project keeps it working), else their path
    in the project or their name (a relative link from elsewhere could climb through
    folders that name their owner, and would not work for whoever the page is sent to)."""
    shown = html.escape(_shown_path(docs, project))
    if not docs.is_file():
        return (
            f"dbt docs (<code>{shown}</code>, written by <code>samspil build</code>; not there yet)"
        )
    if project is not None and out.is_relative_to(project) and docs.is_relative_to(project):
        link = html.escape(Path(os.path.relpath(docs, out)).as_posix())
        return f'<a href="{link}">dbt docs</a> (<code>{link}</code>)'
    return f"dbt docs (<code>{shown}</code>, written by <code>samspil build</code>)"


def _provenance_section(provenance: Provenance, docs: Path, out: Path, project: Path | None) -> str:
    loaded = (
        provenance.loaded_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if provenance.loaded_at
        else "unknown"
    )
    rows = "\n".join(
        "<tr>"
        f"<td><code>{html.escape(str(file))}</code></td>"
        f"<td><code>{html.escape(str(table))}</code></td>"
        f"<td>{html.escape(str(kind or ''))}</td>"
        f"{_number(read)}{_number(loaded_rows)}{_number(rejected)}"
        f'<td class="hash">{html.escape(str(sha256 or ""))}</td>'
        "</tr>"
        for file, table, kind, read, loaded_rows, rejected, sha256 in provenance.files
    )
    if provenance.validation_run:
        run_id, run_at, total, passed, failed_errors, failed_warnings = provenance.validation_run
        failed = failed_errors + failed_warnings
        validation = (
            f"Validation run <code>{html.escape(str(run_id))}</code> "
            f"({run_at:%Y-%m-%d %H:%M:%S} UTC): {total} expectations on the staged tables, "
            f'<span class="passed">{passed} passed</span>, '
            f'<span class="{"failed" if failed else "passed"}">{failed} failed</span> '
            f"({failed_errors} errors, {failed_warnings} warnings). Every result is in "
            "<code>validation.expectation_results</code> of the restricted tier."
        )
    else:
        validation = "No validation results in this warehouse."
    docs_reference = _docs_reference(docs, out, project)
    return f"""
<h2 id="provenance">The data and where it comes from</h2>
<p>Every figure below is drawn from the published release tier
<code>{html.escape(_shown_path(provenance.warehouse, project))}</code> (schema <code>release</code>:
disclosure-checked aggregates only), opened read-only; each names the table it comes from.
Lineage, the definition of every table and column, and the tests: the {docs_reference}.</p>
<p>Built from the raw exports loaded at <strong>{loaded}</strong>:</p>
<table>
<thead><tr><th>file</th><th>raw table</th><th>format</th><th>rows read</th><th>loaded</th>
<th>rejected</th><th>SHA-256</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p>{validation}</p>
<p class="note">The release tier withholds every cell about survey respondents built from
fewer units than the minimum count (dbt var <code>min_cell_size</code>, default 5) or where
everyone answered alike, and enough other cells that none of the withheld counts can be
worked out from what is shown. A suppressed cell is drawn grey and hatched and labelled
“{SUPPRESSED}”, never as a number.</p>
<p class="note">The intervals are 95 % confidence intervals (dbt var
<code>confidence_level</code>) of a model-based estimand: they describe the process that
produced the answers (institutions or associations like these, in this municipality and
area), not only the units invited in one wave, so no finite population correction is
applied, in the cross-section and in the panel alike (doc block <code>estimand</code>).
Shares: Wilson's score interval with the effective sample size and the design's t
quantile; means: a t interval with the design's degrees of freedom; panel changes of
shares: Newcombe's paired interval; Krippendorff's alpha: a bootstrap interval.</p>
"""


def _figure_section(finding: Finding, svg: str) -> str:
    sources = ", ".join(f"<code>{html.escape(source)}</code>" for source in finding.sources)
    name = html.escape(finding.name)
    return f"""
<section id="{name}">
<h2>{html.escape(finding.title)}</h2>
<p class="reading">{html.escape(finding.reading)}</p>
<figure>
{inline_svg(svg, finding.title)}
<figcaption>{html.escape(finding.note)} Source: {sources}.
Files: <a href="figures/{name}.png">PNG</a>, <a href="figures/{name}.svg">SVG</a>.</figcaption>
</figure>
</section>
"""


def render_page(
    findings: list[Finding],
    svgs: dict[str, str],
    provenance: Provenance,
    docs: Path,
    out: Path,
    project: Path | None = None,
) -> str:
    contents = "\n".join(
        f'<li><a href="#{html.escape(finding.name)}">{html.escape(finding.title)}</a></li>'
        for finding in findings
    )
    figures = "\n".join(_figure_section(finding, svgs[finding.name]) for finding in findings)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>samspil — findings</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Samspillet: key findings</h1>
<p class="meta">Co-production between voluntary associations and municipal institutions ·
rendered by <code>samspil report</code> from the published release tier</p>
<p class="lead">{STUDY}</p>
<nav><ol>
<li><a href="#provenance">The data and where it comes from</a></li>
{contents}
</ol></nav>
{_provenance_section(provenance, docs, out, project)}
{figures}
</body>
</html>
"""
