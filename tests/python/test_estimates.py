"""The survey estimates of the release tier's rpt_ models, recomputed from the microdata of
the demo build with independent implementations: samplics' TaylorEstimator (stratified
Taylor variance with a finite population correction and domains) for the weighted shares
and means, statsmodels' DescrStatsW for the panel's paired changes. (The disclosure
control of the release tier: test_disclosure.py.)"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from statsmodels.stats.weightstats import DescrStatsW

from samspil.paths import PROJECT_DIR

from conftest import Build

with warnings.catch_warnings():
    # samplics warns on import that it is archived; 0.6.1 is pinned and does what we need.
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

TOLERANCE = 1e-9
Z = 1.959963984540054  # z(0.975), the var confidence_z
MIN_CELL_SIZE = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
    "min_cell_size"
]
COOPERATION_ITEMS = {
    "institution__coop_associations": "associations",
    "institution__coop_volunteers": "volunteers",
}


@dataclass(frozen=True)
class Microdata:
    respondents: pd.DataFrame
    """One row per returned questionnaire: survey, wave, unit, municipality, stratum,
    post-stratum, N_h, n_h, weight (recomputed here from the frames)."""
    answers: pd.DataFrame
    """fct_survey_answers: every answer with its status."""
    strata: pd.DataFrame
    """One row per frame stratum with N, n and its post-stratum."""


def _post_stratum(group: pd.DataFrame) -> pd.Series:
    """The collapse rule of nonresponse_weights, written again: strata with fewer than two
    respondents pool; a pool with fewer than two joins the largest kept stratum."""
    kept = group[group["responded"] >= 2]
    small = group["responded"] < 2
    codes = group["stratum"].copy()
    if group.loc[small, "responded"].sum() >= 2 or kept.empty:
        codes[small] = "pooled"
    else:
        largest = kept.sort_values(["invited", "stratum"], ascending=[False, True]).iloc[0]
        codes[small] = largest["stratum"]
    return codes


@pytest.fixture(scope="module")
def microdata(demo_build: Build) -> Iterator[Microdata]:
    with duckdb.connect(str(demo_build.build_warehouse), read_only=True) as connection:
        frames = connection.execute(
            """
            select 'institution' as survey, institution_id as unit_id, wave, kommunekode,
                policy_area_code as stratum
            from staging.stg_institution_survey__frame
            union all
            select 'association', association_id, wave, kommunekode, association_field_code
            from staging.stg_association_survey__frame
            """
        ).df()
        responses = connection.execute(
            """
            select 'institution' as survey, response_id, institution_id as unit_id, wave
            from staging.stg_institution_survey__responses
            union all
            select 'association', response_id, association_id, wave
            from staging.stg_association_survey__responses
            """
        ).df()
        answers = connection.execute(
            "select response_id, survey_item_id, answer_status, answer_value"
            " from marts.fct_survey_answers"
        ).df()
    respondents = responses.merge(frames, on=["survey", "unit_id", "wave"], how="inner")
    assert len(respondents) == len(responses) > 2000

    keys = ["survey", "wave", "kommunekode", "stratum"]
    strata = frames.groupby(keys).size().rename("invited").reset_index()
    responded = respondents.groupby(keys).size().rename("responded").reset_index()
    strata = strata.merge(responded, on=keys, how="left").fillna({"responded": 0})
    strata["post_stratum"] = strata["stratum"]
    for _, group in strata.groupby(["survey", "wave", "kommunekode"]):
        strata.loc[group.index, "post_stratum"] = _post_stratum(group)
    post_keys = ["survey", "wave", "kommunekode", "post_stratum"]
    sizes = strata.groupby(post_keys)[["invited", "responded"]].sum().reset_index()
    sizes.columns = [*post_keys, "big_n", "small_n"]
    strata = strata.merge(sizes, on=post_keys)

    respondents = respondents.merge(strata, on=keys)
    respondents = respondents[respondents["small_n"] >= 2].copy()
    respondents["weight"] = respondents["big_n"] / respondents["small_n"]
    respondents["fpc"] = 1 - respondents["small_n"] / respondents["big_n"]
    respondents["post_stratum_key"] = (
        respondents["survey"]
        + "|"
        + respondents["wave"].astype(str)
        + "|"
        + respondents["kommunekode"]
        + "|"
        + respondents["post_stratum"]
    )
    yield Microdata(respondents=respondents, answers=answers, strata=strata)


def _taylor(
    microdata: Microdata,
    survey: str,
    wave: int,
    item: str,
    statistic: str,
    in_domain: pd.Series | None = None,
) -> tuple[int, float, float, float]:
    """(valid answers, unweighted, weighted estimate, standard error) of one domain by
    samplics, over every respondent of the survey and wave (the design's strata)."""
    sample = microdata.respondents[
        (microdata.respondents["survey"] == survey) & (microdata.respondents["wave"] == wave)
    ]
    item_answers = microdata.answers[microdata.answers["survey_item_id"] == item]
    sample = sample.merge(item_answers, on="response_id", how="left")
    valid = sample["answer_status"].eq("valid").to_numpy()
    value = sample["answer_value"].fillna(0).to_numpy(dtype=float)
    y = {
        "share_yes": (value == 1).astype(float),
        "share_agreeing": (value >= 4).astype(float),
        "mean": value,
    }[statistic]
    member = valid if in_domain is None else valid & in_domain(sample).to_numpy()
    fpc = dict(sorted(zip(sample["post_stratum_key"], sample["fpc"], strict=True)))
    # samplics divides by the estimate for its coefficient of variation, so a share of 0
    # (or the empty 'out' domain) would raise: estimate y + 1, whose mean is one more and
    # whose variance is the same.
    estimator = TaylorEstimator(PopParam.mean)
    estimator.estimate(
        y=y + 1,
        samp_weight=sample["weight"].to_numpy(),
        stratum=sample["post_stratum_key"].to_numpy(),
        domain=np.where(member, "in", "out"),
        fpc=fpc,
    )
    return (
        int(member.sum()),
        float(y[member].mean()),
        float(estimator.point_est["in"]) - 1,
        float(estimator.stderror["in"]),
    )


def _assert_estimate(
    row: dict, prefix: tuple[str, str, str, str, str], expected: tuple, label: object
) -> None:
    """row[prefix columns] = unweighted, weighted, SE, CI lower, CI upper."""
    _, unweighted, weighted, standard_error = expected
    observed = [row[column] for column in prefix]
    wanted = [
        unweighted,
        weighted,
        standard_error,
        weighted - Z * standard_error,
        weighted + Z * standard_error,
    ]
    for column, got, want in zip(prefix, observed, wanted, strict=True):
        assert got is not None and abs(got - want) <= TOLERANCE, (label, column, got, want)


def _rows(build: Build, sql: str) -> list[dict]:
    with duckdb.connect(str(build.warehouse), read_only=True) as connection:
        cursor = connection.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_weights_are_frame_counts_over_respondents(demo_build: Build, microdata: Microdata) -> None:
    computed = pd.DataFrame(
        demo_build.query_build(
            "select response_id, post_stratum_id, nonresponse_weight"
            " from intermediate.int_survey_weights_computed"
        ),
        columns=["response_id", "post_stratum_id", "nonresponse_weight"],
    )
    joined = microdata.respondents.merge(computed, on="response_id", validate="one_to_one")
    assert len(joined) == len(microdata.respondents) == len(computed)
    assert (joined["weight"] - joined["nonresponse_weight"]).abs().max() <= TOLERANCE
    expected_ids = (
        joined["survey"]
        + "-"
        + joined["wave"].astype(str)
        + "-"
        + joined["kommunekode"]
        + "-"
        + joined["post_stratum"]
    )
    assert (joined["post_stratum_id"] == expected_ids).all()
    # The weights of a survey and wave add up to the invited units they represent.
    totals = microdata.respondents.groupby(["survey", "wave"])["weight"].sum()
    invited = microdata.strata.groupby(["survey", "wave"])["invited"].sum()
    assert np.allclose(totals, invited.loc[totals.index], rtol=0, atol=1e-6)


def test_response_rates_by_stratum(demo_build: Build, microdata: Microdata) -> None:
    rows = _rows(
        demo_build,
        "select * from release.rpt_response_rates_by_stratum where not is_suppressed",
    )
    assert len(rows) > 100
    strata = microdata.strata.assign(
        response_stratum_id=lambda frame: (
            frame["survey"]
            + "-"
            + frame["wave"].astype(str)
            + "-"
            + frame["kommunekode"]
            + "-"
            + frame["stratum"]
        )
    ).set_index("response_stratum_id")
    for row in rows:
        stratum = strata.loc[row["release_cell_id"].removeprefix("response-")]
        assert row["unit_count"] == stratum["invited"]
        assert row["responded_count"] == stratum["responded"]
        assert abs(row["estimate"] - stratum["responded"] / stratum["invited"]) <= TOLERANCE
        assert abs(row["nonresponse_weight"] - stratum["big_n"] / stratum["small_n"]) <= TOLERANCE
    # The demo collapses strata (all of them small, so the release tier withholds them).
    assert (
        demo_build.query_build(
            "select count(*) from intermediate.int_response_rates_computed where is_collapsed"
        )[0][0]
        > 0
    )


@pytest.mark.parametrize(
    ("model", "key", "in_domain"),
    [
        (
            "rpt_cooperation_by_municipality",
            ("kommunekode",),
            lambda row: lambda sample: sample["kommunekode"] == row["kommunekode"],
        ),
        (
            "rpt_cooperation_by_municipality_area",
            ("kommunekode", "policy_area_code"),
            lambda row: (
                lambda sample: (
                    (sample["kommunekode"] == row["kommunekode"])
                    & (sample["stratum"] == row["policy_area_code"])
                )
            ),
        ),
    ],
)
def test_cooperation_shares_agree_with_samplics(
    demo_build: Build, microdata: Microdata, model: str, key: tuple[str, ...], in_domain
) -> None:
    rows = _rows(demo_build, f"select * from release.{model} where not is_suppressed")
    assert len(rows) >= 10
    for row in rows:
        item = row["survey_item_id"]
        assert item in COOPERATION_ITEMS
        expected = _taylor(microdata, "institution", row["wave"], item, "share_yes", in_domain(row))
        assert expected[0] == row["unit_count"], (row, item)
        columns = ("unweighted_estimate", "estimate", "standard_error", "ci_lower", "ci_upper")
        _assert_estimate(row, columns, expected, (item, *(row[k] for k in key)))


def test_attitudes_agree_with_samplics(demo_build: Build, microdata: Microdata) -> None:
    rows = _rows(demo_build, "select * from release.rpt_attitudes_by_sector")
    assert len(rows) == 6 * 2 * 2 * 2  # constructs × surveys × waves × statistics
    weighted_differs = 0
    for row in rows:
        item, statistic = row["survey_item_id"], row["statistic"]
        expected = _taylor(microdata, row["survey"], row["wave"], item, statistic)
        assert expected[0] == row["unit_count"]
        columns = ("unweighted_estimate", "estimate", "standard_error", "ci_lower", "ci_upper")
        _assert_estimate(row, columns, expected, (item, row["wave"], statistic))
        weighted_differs += abs(expected[1] - expected[2]) > 1e-6
    assert weighted_differs > 0  # the comparison is not trivially weighted == unweighted


def test_panel_changes_agree_with_statsmodels(demo_build: Build, microdata: Microdata) -> None:
    rows = _rows(
        demo_build,
        "select * from release.rpt_panel_change "
        "where not is_suppressed and domain_level = 'municipality'",
    )
    assert len(rows) > 50
    respondents = microdata.respondents[["response_id", "survey", "unit_id", "wave"]]
    kommune_2016 = microdata.respondents[microdata.respondents["wave"] == 2016].set_index(
        ["survey", "unit_id"]
    )["kommunekode"]
    valid = microdata.answers[microdata.answers["answer_status"] == "valid"].merge(
        respondents, on="response_id"
    )
    wide = valid.pivot_table(
        index=["survey", "unit_id", "survey_item_id"],
        columns="wave",
        values="answer_value",
        aggfunc="first",
    ).dropna()
    wide = wide.join(kommune_2016.rename("kommunekode"), on=["survey", "unit_id"])
    for row in rows:
        pairs = wide.xs(row["survey_item_id"], level="survey_item_id")
        pairs = pairs[pairs["kommunekode"] == row["kommunekode"]]
        first = pairs[row["from_wave"]].to_numpy(float)
        second = pairs[row["to_wave"]].to_numpy(float)
        if row["statistic"] == "share_yes":
            first, second = (first == 1).astype(float), (second == 1).astype(float)
        assert len(pairs) == row["unit_count"]
        change = DescrStatsW(second - first)
        lower, upper = change.zconfint_mean(alpha=0.05)
        expected = {
            "value_from": first.mean(),
            "value_to": second.mean(),
            "estimate": change.mean,
            "standard_error": change.std_mean,
            "ci_lower": lower,
            "ci_upper": upper,
        }
        for column, want in expected.items():
            assert abs(row[column] - want) <= TOLERANCE, (row["release_cell_id"], column)
