"""The study's published figures, reproduced: release.rpt_published_figures has a row for
every figure of the seed, the demo's planted figures (raw/demo/truth/published_figures.csv)
lie inside the warehouse's intervals, and every item is estimated over one base, the one
the published figures use, recomputed here from the answers."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest
import yaml

from samspil.paths import PROJECT_DIR

from conftest import Build, read_truth

SEEDS = PROJECT_DIR / "seeds"
FILTER = re.compile(r"^\s*(\w+)\s*=\s*(\d+)\s*$")
VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
DECIMALS = VARS["release_decimals"]
"""The release tier rounds its values to this many decimals of a share: a percent to two
fewer (its interval outward, so the checks below need no tolerance for it)."""


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def warehouse(demo_build: Build) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo's working warehouse (intermediate and release models), read-only."""
    with duckdb.connect(str(demo_build.build_warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def figures(warehouse: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return warehouse.execute("select * from release.rpt_published_figures").df()


def test_every_published_figure_has_one_row(figures: pd.DataFrame) -> None:
    published = [row["figure_id"] for row in _seed("published_figures")]
    assert sorted(figures["figure_id"]) == sorted(published)
    shown = figures[~figures["is_suppressed"]]
    assert shown["estimate"].notna().all()
    assert (shown["ci_lower"] <= shown["estimate"]).all()
    assert (shown["estimate"] <= shown["ci_upper"]).all()


def test_planted_figures_lie_inside_their_intervals(figures: pd.DataFrame) -> None:
    """Each figure the generator planted, as the drawn population has it, lies inside the
    warehouse's interval of the same figure (a count or a response rate is exact, and the
    warehouse's value is it, rounded as the release tier rounds)."""
    planted = read_truth("published_figures.csv")
    assert planted
    by_id = figures.set_index("figure_id")
    for row in planted:
        figure = by_id.loc[row["figure_id"]]
        value = float(row["planted_value"])
        assert not figure["is_suppressed"], row["figure_id"]
        assert figure["ci_lower"] - 1e-9 <= value <= figure["ci_upper"] + 1e-9, (
            row["figure_id"],
            value,
            figure["ci_lower"],
            figure["ci_upper"],
        )
        if figure["is_exact"]:  # a count as it is, a response rate to the last decimal
            half = 0.5 * 10.0 ** -(DECIMALS - 2) if figure["unit"] == "percent" else 0.0
            assert abs(figure["estimate"] - value) <= half + 1e-9, row["figure_id"]


def test_only_the_disagreeing_sources_are_not_reproduced(figures: pd.DataFrame) -> None:
    """The planted figures agree with the warehouse at their published rounding; the
    figures of the sources that contradict them (not planted) are shown as not
    reproduced, with a note saying why."""
    planted = {row["figure_id"] for row in read_truth("published_figures.csv")}
    for figure in figures.itertuples():
        assert figure.is_published_value_inside_interval == (figure.figure_id in planted), (
            figure.figure_id
        )
        if figure.figure_id not in planted:
            assert figure.note, figure.figure_id


def _answers(warehouse: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return warehouse.execute(
        "select response_id, survey_item_id, wave, answer_status, answer_value "
        "from marts.fct_survey_answers"
    ).df()


def _routed(answers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per codebook item: response_id, wave and the answer an estimate counts (NaN when it
    has none), written again from the codebook seeds: a filtered item whose filter question
    has a valid answer that does not meet the condition has the value set's
    not_asked_value."""
    not_asked = {row["value_set"]: row["not_asked_value"] for row in _seed("survey_value_sets")}
    items = {row["survey_item_id"]: row for row in _seed("survey_items")}
    value = answers["answer_value"].astype(float).where(answers["answer_status"] == "valid")
    valid = answers.assign(value=value).set_index(["survey_item_id", "response_id"])
    routed = {}
    for item_id, item in items.items():
        own = valid.loc[item_id][["wave", "value"]].copy()
        match = FILTER.match(item["filter_condition"])
        if match is not None and not_asked[item["value_set"]]:
            filter_id = f"{item['survey']}__{match.group(1)}"
            filter_value = valid.loc[filter_id]["value"].reindex(own.index)
            passed = filter_value.notna() & (filter_value != int(match.group(2)))
            own.loc[passed & own["value"].isna(), "value"] = float(not_asked[item["value_set"]])
        routed[item_id] = own
    return routed


def _estimates(warehouse: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], tuple]:
    rows = warehouse.execute(
        "select survey_item_id, wave, statistic, answer_base, unweighted_estimate "
        "from intermediate.int_survey_estimates_computed "
        "where domain_level = 'survey' and statistic in ('share_yes', 'mean')"
    ).fetchall()
    return {(item, wave): (statistic, base, value) for item, wave, statistic, base, value in rows}


def test_filtered_items_have_one_base_everywhere(warehouse: duckdb.DuckDBPyConnection) -> None:
    """A filtered item is estimated over every unit with a valid answer to its filter
    question: the base the published shares of all associations use."""
    routed = _routed(_answers(warehouse))
    estimates = _estimates(warehouse)
    filtered = [row["survey_item_id"] for row in _seed("survey_items") if row["filter_condition"]]
    assert len(filtered) >= 4
    for item_id in filtered:
        for wave, group in routed[item_id].groupby("wave"):
            values = group["value"].dropna()
            statistic, base, unweighted = estimates[(item_id, int(wave))]
            expected = (values == 1).mean() if statistic == "share_yes" else values.mean()
            assert base == len(values), (item_id, wave)
            assert unweighted == pytest.approx(expected, abs=1e-12), (item_id, wave)


def test_derived_items_are_yes_to_any_component(warehouse: duckdb.DuckDBPyConnection) -> None:
    routed = _routed(_answers(warehouse))
    estimates = _estimates(warehouse)
    derived: dict[str, list[str]] = {}
    for row in _seed("survey_derived_items"):
        derived.setdefault(row["survey_item_id"], []).append(
            f"{row['survey']}__{row['component_variable']}"
        )
    assert derived
    for item_id, components in derived.items():
        values = pd.concat([routed[c]["value"].rename(c) for c in components], axis=1)
        waves = routed[components[0]]["wave"]
        any_yes = (values == 1).any(axis=1)
        all_no = (values == 2).all(axis=1)
        for wave in sorted(waves.unique()):
            in_wave = waves == wave
            base = int((in_wave & (any_yes | all_no)).sum())
            statistic, computed_base, unweighted = estimates[(item_id, int(wave))]
            assert statistic == "share_yes"
            assert computed_base == base, (item_id, wave)
            assert unweighted == pytest.approx((in_wave & any_yes).sum() / base, abs=1e-12)
