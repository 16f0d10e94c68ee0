"""Where dbt built (or reads) a node: its relation, from dbt's manifest.

Python that queries dbt's models, seeds or sources asks the manifest dbt wrote
(`target/manifest.json`) for their schema and name, never types them: the
schemas are dbt's to name (`generate_schema_name`), and differ between targets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from samspil.postgres import quote_identifier


class ManifestError(Exception):
    """dbt's manifest is missing or has no such node: run `samspil build` first."""


def target_dir(project: Path) -> Path:
    """dbt's target folder of `project` (DBT_TARGET_PATH moves it, as `samspil bench` does)."""
    return project / os.environ.get("DBT_TARGET_PATH", "target")


def read_manifest(path: Path) -> dict:
    """The manifest at `path`; ManifestError where there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no dbt manifest; run `samspil build` first") from None


def relation(manifest: dict, unique_id: str) -> tuple[str, str]:
    """The schema and name of a dbt node or source, as dbt built (or reads) it."""
    node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
    if node is None:
        raise ManifestError(f"dbt's manifest has no {unique_id}; run `samspil build`")
    name = node.get("alias") or node.get("identifier") or node["name"]
    return node["schema"], name


def ref(manifest: dict, name: str) -> str:
    """The quoted relation of the project's model or seed `name`, as dbt's `ref()` gives it
    (without the database: a copy of a DuckDB file is opened under its own name)."""
    project = manifest["metadata"]["project_name"]
    for kind in ("model", "seed"):
        if f"{kind}.{project}.{name}" in manifest["nodes"]:
            schema, table = relation(manifest, f"{kind}.{project}.{name}")
            return f"{quote_identifier(schema)}.{quote_identifier(table)}"
    raise ManifestError(f"dbt's manifest has no model or seed {name}; run `samspil build`")


def built_relations(manifest: dict) -> set[tuple[str, str]]:
    """The schema and name of every model and seed of the project, as dbt builds them."""
    return {
        relation(manifest, unique_id)
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }
