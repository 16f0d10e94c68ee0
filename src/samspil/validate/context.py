"""The GX file context in `gx/`: suites written from Python, one pandas asset per suite.

`gx/` is committed (config, suites, validation definitions); `gx/uncommitted/`
(validation results, Data Docs) is ignored by `gx/.gitignore`. Nothing here
touches GX's private internals: the public file-context API only (and the public
`set_project` of GX's project manager, to let a used context go). Analytics and
progress bars are off in `gx/great_expectations.yml`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import FileDataContext
from great_expectations.exceptions import DataContextError

from samspil.validate.expectations import SuiteDefinition
from samspil.validate.suites import suite_definitions

DATASOURCE = "samspil_staging"
"""The pandas datasource: every staged table (or batch query) is one DataFrame asset."""

BATCH_DEFINITION = "whole_batch"


def open_context(project: Path) -> FileDataContext:
    """The file context of `project` (its `gx/` folder; created on first use)."""
    return gx.get_context(mode="file", project_root_dir=str(project))


def release_context() -> None:
    """Let go of the context GX keeps as its current project: it holds every batch the
    validation read, for as long as its process lives."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    project_manager.set_project(None)


def save_suites(
    context: FileDataContext, definitions: list[SuiteDefinition]
) -> dict[str, gx.ExpectationSuite]:
    """Write `definitions` to gx/expectations where they changed, drop stale suites.

    Expectation ids derive from the expectations, so an unchanged suite has the
    same JSON: it is compared, not written again (GX's update rewrites the file
    and matches every expectation against the stored ones). Returns the stored
    suites by name.
    """
    stored = {suite.name: suite for suite in context.suites.all()}
    saved: dict[str, gx.ExpectationSuite] = {}
    for definition in definitions:
        suite = definition.to_suite()
        existing = stored.get(definition.name)
        if existing is not None and _content(existing) == _content(suite):
            saved[definition.name] = existing
        else:
            saved[definition.name] = context.suites.add_or_update(suite)
    for stale in [name for name in stored if name not in saved]:
        with contextlib.suppress(DataContextError):
            context.validation_definitions.delete(stale)
        with contextlib.suppress(KeyError, LookupError, ValueError):
            context.data_sources.get(DATASOURCE).delete_asset(stale)
        context.suites.delete(stale)
    return saved


def _content(suite: gx.ExpectationSuite) -> dict:
    """The suite as GX stores it, without the id the store assigns."""
    content = suite.to_json_dict()
    content.pop("id", None)
    return content


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
    definitions = suite_definitions(project)
    save_suites(context, definitions)
    for definition in definitions:
        validation_definition(context, definition.name)
    return [project / "gx" / "expectations" / f"{d.name}.json" for d in definitions]
