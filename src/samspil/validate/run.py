"""Run the suites on a warehouse, record the results, summarise them.

`validate` reads every suite's batch through a read-only connection (to the
DuckDB working file, or to PostgreSQL) into a DataFrame and validates it with
GX's pandas datasource; `record` appends the findings to
`validation.expectation_results` in the same warehouse; `summary_lines` gives
the lines the CLI prints. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.data_context import FileDataContext
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from samspil.manifest import ManifestError, read_manifest, target_dir
from samspil.postgres import PostgresWarehouse, transaction
from samspil.validate.batches import BatchError, open_batches, read_batch, resolve
from samspil.validate.context import (
    open_context,
    release_context,
    save_suites,
    validation_definition,
)
from samspil.validate.docs import SITE, page_of
from samspil.validate.expectations import ERROR, WARNING, SuiteDefinition
from samspil.validate.suites import suite_definitions

EXAMPLE_KEYS = 5
"""How many keys of failing rows a finding keeps."""

RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": EXAMPLE_KEYS,
    # Failing rows are reported by their index, which `read_batch` sets to their keys.
    # No query listing every failing row's index either: nothing reads it.
    "return_unexpected_index_query": False,
    # A failing value is what was not expected, personal data included (a CPR number
    # typed into a CVR column): GX keeps none of them, so its results and Data Docs show
    # none. The keys say which rows to look at, in the restricted working file.
    "exclude_unexpected_values": True,
}
"""What GX returns of each expectation: counts, and keys of the first failing rows; no values."""

UNEXPECTED_VALUES = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list")
"""Where GX results written without `exclude_unexpected_values` hold failing values."""

KEPT_RUNS = 10
"""Runs whose GX results (and so Data Docs pages) are kept; the full history is in the
warehouse, table validation.expectation_results."""


@dataclass(frozen=True)
class Finding:
    """The outcome of one expectation in one run. Keys only, never values of free text."""

    suite_name: str
    expectation_id: str
    expectation_type: str
    column_name: str | None
    row_condition: str | None
    severity: str
    """`error` or `warning` as the suite declares it; `error` if it could not be evaluated."""
    mostly: float | None
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    element_count: int | None
    example_keys: tuple[str, ...]
    why: str
    problem: str | None = None
    """Why the expectation could not be evaluated (then it counts as an error)."""

    @property
    def is_error(self) -> bool:
        return not self.success and self.severity == ERROR

    @property
    def is_warning(self) -> bool:
        return not self.success and self.severity == WARNING


@dataclass
class ValidationReport:
    run_id: str
    run_at: dt.datetime
    """When the run started, UTC."""
    warehouse: Path | PostgresWarehouse
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        """Failed error-level expectations (and any that could not be evaluated)."""
        return [finding for finding in self.findings if finding.is_error]

    @property
    def warnings(self) -> list[Finding]:
        """Failed warning-level expectations."""
        return [finding for finding in self.findings if finding.is_warning]

    @property
    def success(self) -> bool:
        return not self.errors

    @property
    def suite_names(self) -> list[str]:
        return list(dict.fromkeys(finding.suite_name for finding in self.findings))


# --------------------------------------------------------------------------- validate


class UnknownSuiteError(ValueError):
    """A suite was asked for by a name no suite has."""


def validate(
    warehouse: Path | PostgresWarehouse,
    project: Path,
    suites: Collection[str] | None = None,
    tables: Collection[str] | None = None,
    gx_root: Path | None = None,
) -> ValidationReport:
    """Validate the staged tables of `warehouse` with the suites of `project` (in the GX
    file context of `gx_root`/gx, `project`'s own by default), finding dbt's relations in
    the manifest of `project`'s dbt target folder.

    `suites` names the suites to run (None: every suite); `tables` keeps of those the
    suites whose batch reads one of these staged models (an incremental build: the staged
    models it rebuilt). They run in the order of the data flow. Every suite is still
    written to gx/expectations. A name that is no suite's raises UnknownSuiteError
    before anything runs.
    """
    started = time.perf_counter()
    run_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = run_at.strftime("%Y%m%dT%H%M%S.%fZ")
    report = ValidationReport(run_id=run_id, run_at=run_at, warehouse=warehouse)
    definitions = suite_definitions(project)
    selected = select_suites(definitions, suites)
    context = open_context(gx_root or project)
    stored = save_suites(context, definitions)
    if tables is not None:
        selected = [item for item in selected if item.models & set(tables)]
    run_identifier = gx.RunIdentifier(run_name=run_id, run_time=run_at.replace(tzinfo=dt.UTC))
    manifest_path = target_dir(project) / "manifest.json"
    manifest: dict | None = None
    with open_batches(warehouse) as run_query:
        for definition in selected:
            suite = stored[definition.name]
            try:
                manifest = manifest or read_manifest(manifest_path)
                query = resolve(definition.batch_query, manifest)
                batch = read_batch(
                    run_query, query, definition.key, list(definition.derived_columns)
                )
            except (BatchError, ManifestError) as error:
                problem = f"batch query failed: {str(error).splitlines()[0]}"
                report.findings += [
                    _finding(definition, expectation.configuration, None, problem)
                    for expectation in suite.expectations
                ]
                continue
            result = validation_definition(context, definition.name).run(
                batch_parameters={"dataframe": batch},
                result_format=RESULT_FORMAT,
                run_id=run_identifier,
            )
            report.findings += _findings(definition, suite, result)
    _prune_results(context, KEPT_RUNS)
    release_context()
    report.seconds = time.perf_counter() - started
    return report


def select_suites(
    definitions: list[SuiteDefinition], names: Collection[str] | None
) -> list[SuiteDefinition]:
    """The definitions named in `names` (all of them for None), in the data flow's order."""
    if names is None:
        return definitions
    if isinstance(names, str):  # one name, not its letters
        names = [names]
    known = {definition.name for definition in definitions}
    unknown = sorted(set(names) - known)
    if unknown:
        raise UnknownSuiteError(
            f"no suite named {', '.join(unknown)}: the suites are "
            f"{', '.join(definition.name for definition in definitions)}"
        )
    return [definition for definition in definitions if definition.name in names]


def _prune_results(context: FileDataContext, keep: int) -> None:
    """Drop GX's stored results of all but the newest `keep` runs, and the failing values from
    those kept (`_drop_unexpected_values`)."""
    store = context.validation_results_store
    keys = store.list_keys()
    runs = sorted({key.run_id.run_time for key in keys if key.run_id.run_time}, reverse=True)
    old = set(runs[keep:])
    for key in keys:
        if key.run_id.run_time in old:
            store.remove_key(key)
    # The store removes files, not the run folders around them.
    results = Path(context.root_directory) / "uncommitted" / "validations"
    for folder in sorted(results.glob("*/*/*"), reverse=True) + sorted(results.glob("*/*")):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    _drop_unexpected_values(results, results.parent / "data_docs" / SITE)


def _drop_unexpected_values(results: Path, site: Path) -> None:
    """Remove the failing values from stored results that hold them (written before GX was
    told to exclude them), and the Data Docs pages that show them; the next build renders
    those pages again, from the results without the values."""
    for path in results.glob("*/*/*/*.json"):
        text = path.read_text(encoding="utf-8")
        if not any(f'"{key}"' in text for key in UNEXPECTED_VALUES):
            continue
        stored = json.loads(text)
        for item in stored.get("results") or []:
            for key in UNEXPECTED_VALUES:
                (item.get("result") or {}).pop(key, None)
        path.write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
        page_of(site, path.relative_to(results).with_suffix("").parts).unlink(missing_ok=True)


def _findings(
    definition: SuiteDefinition,
    suite: gx.ExpectationSuite,
    result: ExpectationSuiteValidationResult,
) -> list[Finding]:
    """One finding per expectation, in the suite's order (GX returns them by metric)."""
    order = {expectation.id: index for index, expectation in enumerate(suite.expectations)}
    items = sorted(result.results, key=lambda item: order.get(item.expectation_config.id, 0))
    return [_finding(definition, item.expectation_config, item, None) for item in items]


def _finding(
    definition: SuiteDefinition,
    config: ExpectationConfiguration,
    item: ExpectationValidationResult | None,
    problem: str | None,
) -> Finding:
    kwargs = dict(config.kwargs)
    meta = config.meta or {}
    result = item.result if item is not None else {}
    if item is not None and problem is None:
        problem = _exception(item)
    unexpected_count = result.get("unexpected_count")
    element_count = result.get("element_count")
    example_keys = _example_keys(result)
    if "missing_count" in result and "partial_missing_list" in result:
        # A set expected among the distinct values: the missing values are the keys.
        unexpected_count = result["missing_count"]
        example_keys = tuple(str(value) for value in result["partial_missing_list"][:EXAMPLE_KEYS])
    return Finding(
        suite_name=definition.name,
        expectation_id=str(config.id),
        expectation_type=config.type,
        column_name=_column_name(kwargs),
        row_condition=describe_condition(kwargs.get("row_condition")),
        # An expectation that could not be evaluated checked nothing: an error whatever it is.
        severity=ERROR if problem else meta.get("severity", ERROR),
        mostly=kwargs.get("mostly"),
        success=bool(item.success) if item is not None and problem is None else False,
        unexpected_count=unexpected_count,
        unexpected_percent=result.get("unexpected_percent"),
        element_count=element_count,
        example_keys=example_keys,
        why=meta.get("why", ""),
        problem=problem,
    )


def describe_condition(condition: object) -> str | None:
    """A row condition as a short readable text, e.g. `completion_status == 'complete'`."""
    if not condition:
        return None
    if hasattr(condition, "dict"):
        condition = condition.dict()
    if isinstance(condition, str):
        return condition
    if "conditions" in condition:
        joiner = f" {condition.get('type', 'and')} "
        return joiner.join(f"({describe_condition(part)})" for part in condition["conditions"])
    column = condition["column"]["name"]
    if "is_null" in condition:
        return f"{column} is {'null' if condition['is_null'] else 'not null'}"
    operator, parameter = str(condition["operator"]), condition["parameter"]
    if operator in ("IN", "NOT_IN"):
        values = [str(value) for value in parameter]
        shown = ", ".join(values[:2]) + (f", … ({len(values)} values)" if len(values) > 2 else "")
        return f"{column} {'in' if operator == 'IN' else 'not in'} ({shown})"
    return f"{column} {operator} {parameter!r}"


def _column_name(kwargs: dict) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return None


def _example_keys(result: dict) -> tuple[str, ...]:
    """Keys of the first failing rows: the batch's index values, its key columns only
    (`read_batch`), never other values."""
    examples: list[str] = []
    for index in result.get("partial_unexpected_index_list") or []:
        key = str(index)
        if key not in examples:
            examples.append(key)
        if len(examples) == EXAMPLE_KEYS:
            break
    return tuple(examples)


def _exception(item: ExpectationValidationResult) -> str | None:
    info = item.exception_info or {}
    if "raised_exception" in info:
        infos = [info]
    else:
        infos = [value for value in info.values() if isinstance(value, dict)]
    for entry in infos:
        if entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "GX raised an exception")
            return f"could not be evaluated: {message.splitlines()[0]}"
    return None


# --------------------------------------------------------------------------- record

RESULTS_TABLE = "validation.expectation_results"

_CREATE = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar not null,
    expectation_id varchar not null,
    suite_name varchar not null,
    expectation_type varchar not null,
    column_name varchar,
    row_condition varchar,
    severity varchar not null,
    why varchar,
    mostly float8,
    success boolean not null,
    unexpected_count bigint,
    unexpected_percent float8,
    element_count bigint,
    example_keys varchar,
    problem varchar,
    run_at timestamp not null
)
"""

_COMMENTS = {
    None: "One row per expectation per validation run of the staged tables (Great "
    "Expectations, suites in gx/expectations). Query the history of a check by "
    "expectation_id or suite_name.",
    "run_id": "The validation run, its start time in UTC (yyyymmddThhmmss.ffffffZ).",
    "expectation_id": "Stable id of the expectation: the same while the expectation is unchanged.",
    "suite_name": "The suite: the staged table validated, or survey_response_rates.",
    "expectation_type": "The GX expectation, e.g. expect_column_values_to_be_between.",
    "column_name": "The column checked; two or more joined by ', ' for pair and compound checks.",
    "row_condition": "The rows the expectation applies to, e.g. completion_status == "
    "'complete'; null for all rows.",
    "severity": "`error` stops the build before publishing; `warning` is reported only.",
    "why": "The study's reason for the expectation.",
    "mostly": "Share of rows that must pass where the study tolerates exceptions; null for all.",
    "success": "True where the expectation held (with its tolerance).",
    "unexpected_count": "Rows that failed (for a missing-cells check: cells missing).",
    "unexpected_percent": "Failing rows as a percentage of the rows checked.",
    "element_count": "Rows in the batch.",
    "example_keys": "Keys of up to five failing rows, comma-separated (ids only, never values).",
    "problem": "Why the expectation could not be evaluated; null when it ran.",
    "run_at": "When the run started, UTC.",
}


def record(report: ValidationReport, warehouse: Path | PostgresWarehouse) -> int:
    """Append one row per expectation of `report` to validation.expectation_results."""
    rows = [
        (
            report.run_id,
            finding.expectation_id,
            finding.suite_name,
            finding.expectation_type,
            finding.column_name,
            finding.row_condition,
            finding.severity,
            finding.why,
            finding.mostly,
            finding.success,
            finding.unexpected_count,
            finding.unexpected_percent,
            finding.element_count,
            ", ".join(finding.example_keys) or None,
            finding.problem,
            report.run_at,
        )
        for finding in report.findings
    ]
    statements = ["create schema if not exists validation", _CREATE]
    for column, comment in _COMMENTS.items():
        target = f"table {RESULTS_TABLE}" if column is None else f"column {RESULTS_TABLE}.{column}"
        statements.append(f"comment on {target} is '{comment.replace(chr(39), chr(39) * 2)}'")
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            for statement in statements:
                cursor.execute(statement)
            if rows:
                placeholders = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"insert into {RESULTS_TABLE} values ({placeholders})", rows)
        return len(rows)
    with duckdb.connect(str(warehouse)) as connection:
        for statement in statements:
            connection.execute(statement)
        if rows:
            placeholders = ", ".join("?" * len(rows[0]))
            connection.executemany(f"insert into {RESULTS_TABLE} values ({placeholders})", rows)
    return len(rows)


# --------------------------------------------------------------------------- summary


def summary_lines(report: ValidationReport) -> list[str]:
    """Readable lines: the run, then every failed expectation, errors first."""
    lines = [
        f"validation run {report.run_id}: {len(report.findings)} expectations in "
        f"{len(report.suite_names)} suites, {len(report.errors)} failed at error level, "
        f"{len(report.warnings)} at warning level ({report.seconds:.1f} s)"
    ]
    unevaluated: dict[tuple[str, str], int] = {}
    for finding in [*report.errors, *report.warnings]:
        if finding.problem and finding.problem.startswith("batch query"):
            key = (finding.suite_name, finding.problem)
            unevaluated[key] = unevaluated.get(key, 0) + 1
            continue
        lines.append(_line(finding))
        lines.append(f"    why: {finding.why}")
    for (suite_name, problem), count in unevaluated.items():
        lines.append(f"  {ERROR:<7} {suite_name}: {problem} ({count} expectations not evaluated)")
    return lines


def _line(finding: Finding) -> str:
    severity = ERROR if finding.is_error else WARNING
    where = finding.column_name or "(table)"
    if finding.row_condition:
        where += f" where {finding.row_condition}"
    if finding.problem:
        outcome = finding.problem
    elif finding.unexpected_count is None:
        outcome = "failed"
    elif finding.expectation_type == "expect_column_distinct_values_to_contain_set":
        outcome = f"{finding.unexpected_count} missing"
    else:
        outcome = f"{finding.unexpected_count:,} of {finding.element_count:,} rows failing"
        if finding.unexpected_percent is not None:
            percent = finding.unexpected_percent
            outcome += f" ({percent:.1f} %" if percent >= 0.1 else f" ({percent:.2g} %"
            outcome += f", at most {1 - finding.mostly:.0%} tolerated)" if finding.mostly else ")"
    if finding.example_keys:
        outcome += f"; e.g. {', '.join(finding.example_keys)}"
    return f"  {severity:<7} {finding.suite_name} · {finding.expectation_type} · {where}: {outcome}"
