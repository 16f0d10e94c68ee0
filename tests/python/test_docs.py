"""dbt docs explain the study: overview, codebook, exposures."""

from __future__ import annotations

import csv
import json

import pytest

from samspil.codebook import CODEBOOK_DOCS, render
from samspil.paths import PROJECT_DIR

from conftest import Build

SEEDS = PROJECT_DIR / "seeds"
PAPERS = (
    "istr2018_paper_discourse",
    "istr2018_paper_institutions",
    "istr2018_paper_associations",
    "istr2018_paper_cases",
)


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def manifest(demo_build: Build) -> dict:
    """The manifest `samspil build` wrote with the docs (what dbt docs show)."""
    return json.loads((demo_build.target / "manifest.json").read_text(encoding="utf-8"))


def _marts(manifest: dict) -> set[str]:
    """The tables users query: the marts (restricted tier) and the release tier."""
    return {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] in ("marts", "release")
    }


def test_codebook_docs_are_generated_from_the_seeds() -> None:
    committed = (PROJECT_DIR / CODEBOOK_DOCS).read_text(encoding="utf-8")
    assert committed == render(SEEDS), "run `samspil docs-codebook` and commit the result"


def test_docs_show_every_survey_question_and_value_label(manifest: dict) -> None:
    description = manifest["nodes"]["model.samspil.dim_survey_items"]["description"]
    for item in _seed("survey_items"):
        assert item["question_da"] in description
        assert item["question_en"] in description
    for label in _seed("survey_value_labels"):
        cells = (label["value_set"], label["code"], label["label_da"], label["label_en"])
        row = "| " + " | ".join(cells) + " |"
        assert row in description


def test_overview_names_the_municipalities_strands_and_how_to_query(manifest: dict) -> None:
    overview = manifest["docs"]["doc.samspil.__overview__"]["block_contents"]
    study = [row for row in _seed("municipalities") if row["is_study_municipality"] == "true"]
    assert len(study) == 5
    for row in study:
        assert row["kommunekode"] in overview
        assert row["municipality_name"] in overview
    for strand in ("discourse", "institution survey", "association survey", "case studies"):
        assert strand in overview
    for client in ("duckdb", "read_only", "psql", "samspil export"):
        assert client in overview


def test_exposures_name_their_owner_and_the_marts_they_use(manifest: dict) -> None:
    exposures = {item["name"]: item for item in manifest["exposures"].values()}
    marts = _marts(manifest)
    for name in (*PAPERS, "researcher_exports"):
        exposure = exposures[name]
        assert exposure["owner"]["name"] == "Samspil project, SDU"
        assert exposure["description"].strip()
        depends_on = set(exposure["depends_on"]["nodes"])
        assert depends_on, name
        assert depends_on <= marts, f"{name} depends on models that are not marts"
    assert {exposures[name]["type"] for name in PAPERS} == {"analysis"}
    # The export writes every mart: its exposure must say so, whatever marts are added.
    unlisted = marts - set(exposures["researcher_exports"]["depends_on"]["nodes"])
    assert not unlisted, (
        f"add to researcher_exports in models/marts/_marts__exposures.yml: {unlisted}"
    )
