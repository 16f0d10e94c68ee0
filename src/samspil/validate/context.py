"""The GX file context in `gx/`: suites written from Python, one pandas asset per suite.

`gx/` is committed (config, suites, validation definitions); `gx/uncommitted/`
(validation results, Data Docs) is ignored by `gx/.gitignore`. Nothing here
touches GX's private internals: the public file-context API only. Analytics
and progress bars are off in `gx/great_expectations.yml`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import FileDataContext
from great_expectations.exceptions import DataContextError

from samspil.validate.suites import SuiteDefinition, suite_definitions

DATASOURCE = "samspil_staging"
"""The pandas datasource: every staged table (or batch query) is one DataFrame asset."""

BATCH_DEFINITION = "whole_batch"


def open_context(project: Path) -> FileDataContext:
    """The file context of `project` (its `gx/` folder; created on first use)."""
    return gx.get_context(mode="file", project_root_dir=str(project))


def save_suites(context: FileDataContext, project: Path) -> list[SuiteDefinition]:
    """Write the suites of `samspil.validate.suites` to gx/expectations, drop stale ones.

    Expectation ids derive from the expectations, so an unchanged suite writes
    the same JSON and git sees no change.
    """
    definitions = suite_definitions(project)
    names = {definition.name for definition in definitions}
    for definition in definitions:
        context.suites.add_or_update(definition.to_suite())
    for stale in [suite.name for suite in context.suites.all() if suite.name not in names]:
        with contextlib.suppress(DataContextError):
            context.validation_definitions.delete(stale)
        context.suites.delete(stale)
    return definitions


def validation_definition(context: FileDataContext, suite_name: str) -> gx.ValidationDefinition:
    """The validation definition of a suite: its suite on its own DataFrame asset."""
    try:
        return context.validation_definitions.get(suite_name)
    except DataContextError:
        pass
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = datasource.get_asset(suite_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite_name)
    try:
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
    return context.validation_definitions.add(
        gx.ValidationDefinition(
            name=suite_name, data=batch_definition, suite=context.suites.get(suite_name)
        )
    )


def write_suites(project: Path) -> list[Path]:
    """Persist every suite (and its validation definition) to `gx/` without validating."""
    context = open_context(project)
    definitions = save_suites(context, project)
    for definition in definitions:
        validation_definition(context, definition.name)
    return [project / "gx" / "expectations" / f"{d.name}.json" for d in definitions]
