"""Great Expectations validation of the staged tables.

- `suites`: every suite, in the order of the data flow (the single source of
  gx/expectations/*.json); each strand's suites, written from the study's
  meaning, are in `survey_suites`, `discourse_suites` and `case_suites`.
- `expectations`: severities (`error`, `warning`), `ref` and `SuiteDefinition`,
  what the suites are written with; `reference`: the seeds and vars they
  check values against.
- `batches`: each suite's batch, read through a read-only DuckDB connection.
- `run`: `validate` (warehouse -> ValidationReport, of every suite or of the
  named ones), `record` (append the report to validation.expectation_results),
  `summary_lines` (for the CLI).
- `docs`: `build_data_docs`, GX Data Docs that render offline.
"""

from samspil.validate.docs import build_data_docs
from samspil.validate.run import (
    Finding,
    UnknownSuiteError,
    ValidationReport,
    record,
    summary_lines,
    validate,
)

__all__ = [
    "Finding",
    "UnknownSuiteError",
    "ValidationReport",
    "build_data_docs",
    "record",
    "summary_lines",
    "validate",
]
