"""The survey estimates and panel changes, recomputed from the microdata of the demo build
with independent implementations: samplics' TaylorEstimator (stratified Taylor variance
with domains, model-based: no finite population correction) for the weighted shares and
means, scipy's t quantiles, statsmodels' Wilson interval and DescrStatsW for the panel's
paired changes; Newcombe's (1998) worked examples for the paired proportions. The release
tier's rpt_ models show the same values, rounded to the var release_decimals (interval
bounds outward). (The disclosure control of the release tier: test_disclosure.py.)"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from samspil.paths import PROJECT_DIR

from conftest import Build

with warnings.catch_warnings():
    # samplics warns on import that it is archived; 0.6.1 is pinned and does what we need.
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

TOLERANCE = 1e-9
VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
DECIMALS = VARS["release_decimals"]
"""The release tier's precision: every real-valued statistic rounded to this many decimals."""
LEVEL = VARS["confidence_level"]
Z = stats.norm.ppf(1 - (1 - LEVEL) / 2)
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
    """Every answer with its status, as every estimate reads them: with one base per item
    and the derived items (int_survey_answers_recoded; test_published_figures.py writes
    that recoding again from the codebook and checks it)."""
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
            " from intermediate.int_survey_answers_recoded"
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


@dataclass(frozen=True)
class Reference:
    """One domain's estimate, recomputed from the microdata."""

    answers: int
    post_strata: int
    distinct_values: int
    unweighted: float
    weighted: float
    standard_error: float
    element_variance: float
    """σ̂², the weighted variance of y over the domain's answers."""

    @property
    def degrees_of_freedom(self) -> int:
        return max(self.answers - self.post_strata, 1)

    @property
    def effective_sample_size(self) -> float:
        variance = self.standard_error**2
        if variance > 0 and self.element_variance > 0:
            return min(self.answers, self.element_variance / variance)
        return float(self.answers)

    def interval(self, statistic: str) -> tuple[float, float]:
        """Wilson with n* and t(ν) for shares (statsmodels' Wilson interval, its normal
        quantile replaced by scipy's t quantile), estimate ± t(ν) · SE for means."""
        t = stats.t.ppf(1 - (1 - LEVEL) / 2, self.degrees_of_freedom)
        if statistic == "mean":
            return self.weighted - t * self.standard_error, self.weighted + t * self.standard_error
        n = self.effective_sample_size
        lower, upper = proportion_confint(
            self.weighted * n, n, alpha=2 * stats.norm.sf(t), method="wilson"
        )
        return float(lower), float(upper)


def _references(
    microdata: Microdata,
    survey: str,
    wave: int,
    item: str,
    statistic: str,
    domain_of: Callable[[pd.DataFrame], pd.Series],
) -> dict[str, Reference]:
    """Every domain's estimate by samplics, over every respondent of the survey and wave
    (the design's strata), without a finite population correction; `domain_of` names
    each respondent's domain."""
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
    domain = np.where(valid, domain_of(sample).astype(str).to_numpy(), "~out")
    # samplics divides by the estimate for its coefficient of variation, so a share of 0
    # (or the empty 'out' domain) would raise: estimate y + 1, whose mean is one more and
    # whose variance is the same.
    estimator = TaylorEstimator(PopParam.mean)
    estimator.estimate(
        y=y + 1,
        samp_weight=sample["weight"].to_numpy(),
        stratum=sample["post_stratum_key"].to_numpy(),
        domain=domain,
    )
    references = {}
    for label in sorted(set(domain) - {"~out"}):
        member = domain == label
        weights = sample["weight"].to_numpy()[member]
        weighted = float(estimator.point_est[label]) - 1
        references[label] = Reference(
            answers=int(member.sum()),
            post_strata=sample.loc[member, "post_stratum_key"].nunique(),
            distinct_values=len(np.unique(y[member])),
            unweighted=float(y[member].mean()),
            weighted=weighted,
            standard_error=float(estimator.stderror[label]),
            element_variance=float(np.sum(weights * (y[member] - weighted) ** 2) / weights.sum()),
        )
    return references


def _taylor(
    microdata: Microdata,
    survey: str,
    wave: int,
    item: str,
    statistic: str,
    in_domain: Callable[[pd.DataFrame], pd.Series] | None = None,
) -> Reference:
    """One domain's estimate by samplics (all valid answers when in_domain is None)."""
    domain_of = in_domain or (lambda sample: pd.Series(True, index=sample.index))
    return _references(
        microdata, survey, wave, item, statistic, lambda sample: domain_of(sample).map(str)
    )["True"]


def _assert_estimate(
    row: dict,
    prefix: tuple[str, str, str, str, str],
    expected: Reference,
    statistic: str,
    label: object,
) -> None:
    """row[prefix columns] = unweighted, weighted, SE, CI lower, CI upper, as the release
    tier rounds them."""
    observed = [row[column] for column in prefix]
    wanted = [
        expected.unweighted,
        expected.weighted,
        expected.standard_error,
        *expected.interval(statistic),
    ]
    directions = ("nearest", "nearest", "nearest", "down", "up")
    for column, got, want, direction in zip(prefix, observed, wanted, directions, strict=True):
        assert _published(got, want, direction), (label, column, got, want)


def _published(got: float | None, want: float | None, direction: str = "nearest") -> bool:
    """Whether `got` is `want` as the release tier publishes it: a multiple of the last
    decimal of release_decimals, within half of one of want (`nearest`), or at most one
    below (`down`, a lower bound) or above (`up`, an upper bound) it; null where want is."""
    if got is None or want is None:
        return got is None and want is None
    unit = 10.0**-DECIMALS
    whole = abs(got / unit - round(got / unit)) <= 1e-6
    if direction == "down":
        return whole and want - unit - TOLERANCE < got <= want + TOLERANCE
    if direction == "up":
        return whole and want - TOLERANCE <= got < want + unit + TOLERANCE
    return whole and abs(got - want) <= unit / 2 + TOLERANCE


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
        assert _published(row["estimate"], stratum["responded"] / stratum["invited"])
        assert _published(row["nonresponse_weight"], stratum["big_n"] / stratum["small_n"])
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
        assert expected.answers == row["unit_count"], (row, item)
        columns = ("unweighted_estimate", "estimate", "standard_error", "ci_lower", "ci_upper")
        _assert_estimate(row, columns, expected, "share_yes", (item, *(row[k] for k in key)))


def test_attitudes_agree_with_samplics(demo_build: Build, microdata: Microdata) -> None:
    rows = _rows(demo_build, "select * from release.rpt_attitudes_by_sector")
    assert len(rows) == 6 * 2 * 2 * 2  # constructs × surveys × waves × statistics
    weighted_differs = 0
    for row in rows:
        item, statistic = row["survey_item_id"], row["statistic"]
        expected = _taylor(microdata, row["survey"], row["wave"], item, statistic)
        assert expected.answers == row["unit_count"]
        columns = ("unweighted_estimate", "estimate", "standard_error", "ci_lower", "ci_upper")
        _assert_estimate(row, columns, expected, statistic, (item, row["wave"], statistic))
        weighted_differs += abs(expected.unweighted - expected.weighted) > 1e-6
    assert weighted_differs > 0  # the comparison is not trivially weighted == unweighted


DOMAINS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "municipality_area": lambda sample: sample["kommunekode"] + "-" + sample["stratum"],
    "municipality": lambda sample: sample["kommunekode"],
    "survey": lambda sample: pd.Series("all", index=sample.index),
}


def test_every_survey_estimate_agrees_with_samplics(
    demo_build: Build, microdata: Microdata
) -> None:
    """Every row of int_survey_estimates_computed (each domain level, item, statistic
    and wave): counts, estimates and standard error by samplics, degrees of freedom,
    effective sample size and interval by scipy and statsmodels."""
    estimates = pd.DataFrame(
        demo_build.query_build("select * from intermediate.int_survey_estimates_computed"),
        columns=[
            name
            for (name,) in demo_build.query_build(
                "select column_name from information_schema.columns"
                " where table_name = 'int_survey_estimates_computed' order by ordinal_position"
            )
        ],
    )
    assert len(estimates) > 3000
    checked = 0
    groups = ["survey", "wave", "survey_item_id", "statistic", "domain_level"]
    for (survey, wave, item, statistic, level), rows in estimates.groupby(groups):
        references = _references(microdata, survey, wave, item, statistic, DOMAINS[level])
        assert set(rows["domain_code"]) == set(references), (item, wave, level)
        for row in rows.itertuples():
            expected = references[row.domain_code]
            assert (row.answer_base, row.post_stratum_count, row.distinct_value_count) == (
                expected.answers,
                expected.post_strata,
                expected.distinct_values,
            ), row.survey_estimate_id
            assert row.degrees_of_freedom == expected.degrees_of_freedom
            assert row.interval_method == ("student_t" if statistic == "mean" else "wilson")
            lower, upper = expected.interval(statistic)
            for column, want in {
                "unweighted_estimate": expected.unweighted,
                "weighted_estimate": expected.weighted,
                "standard_error": expected.standard_error,
                "effective_sample_size": expected.effective_sample_size,
                "ci_lower": lower,
                "ci_upper": upper,
            }.items():
                got = getattr(row, column)
                assert abs(got - want) <= TOLERANCE, (row.survey_estimate_id, column, got, want)
            if statistic != "mean":
                assert 0 <= row.ci_lower <= row.weighted_estimate <= row.ci_upper <= 1
                assert row.ci_upper > row.ci_lower
            checked += 1
    assert checked == len(estimates)


def test_t_quantiles_agree_with_scipy(demo_build: Build) -> None:
    """The seed confidence_quantiles is scipy's, every level; the t quantiles the build
    uses (the seed up to 200 degrees of freedom, the expansion beyond) are scipy's to
    1e-11, and the expansion's error falls as 1/ν⁵ (0.8/ν⁵: 2.6e-12 at ν = 201)."""
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "confidence_quantiles.csv")
    for row in seed.itertuples():
        probability = 1 - (1 - row.confidence_level) / 2
        if row.distribution == "normal":
            want = stats.norm.ppf(probability)
        else:
            want = stats.t.ppf(probability, int(row.degrees_of_freedom))
        assert abs(row.quantile - want) <= 1e-14 * max(1.0, want), row
    rows = demo_build.query_build(
        "select degrees_of_freedom, t_quantile, normal_quantile, is_expanded"
        " from intermediate.int_student_t_quantiles_extended order by 1"
    )
    probability = 1 - (1 - LEVEL) / 2
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    assert sum(row[3] for row in rows) > 500  # the expansion is exercised
    for degrees, quantile, normal, is_expanded in rows:
        error = abs(quantile - stats.t.ppf(probability, degrees))
        assert error <= 1e-11, (degrees, quantile)
        assert is_expanded == (degrees > 200)
        if is_expanded:  # the next term of the expansion, plus rounding
            assert error <= 0.8 / degrees**5 + 1e-14, degrees
        assert normal == pytest.approx(Z, abs=1e-15)


NEWCOMBE_1998_EXAMPLES = [
    # (both, first only, second only, neither) -> 95 % interval of p_first - p_second,
    # to the four decimals Newcombe (1998, Statistics in Medicine 17:2635-2650) prints
    # for his method 10, as quoted in the tests of the R package propint
    # (tests/testthat/test_Two_Dependent_Props_CI.R, "the results reported in
    # Newcombe1998"); Newcombe's table is e, f, g, h.
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((53, 0, 0, 1), (-0.0729, 0.0729)),
    ((0, 30, 0, 0), (0.8395, 1.0)),
]


def _newcombe(both: int, first: int, second: int, neither: int, z: float) -> tuple[float, float]:
    """Newcombe's method 10 for p_second - p_first, around statsmodels' Wilson intervals."""
    n = both + first + second + neither
    p1, p2 = (both + first) / n, (both + second) / n
    alpha = 2 * stats.norm.sf(z)
    l1, u1 = proportion_confint(both + first, n, alpha=alpha, method="wilson")
    l2, u2 = proportion_confint(both + second, n, alpha=alpha, method="wilson")
    margins = (both + first) * (second + neither) * (both + second) * (first + neither)
    cross = both * neither - first * second
    if cross > 0:
        cross = max(cross - n / 2, 0)
    phi = cross / math.sqrt(margins) if margins else 0.0
    change = p2 - p1
    lower = change - math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    upper = change + math.sqrt((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2)
    return lower, upper


def test_the_paired_interval_reproduces_newcombes_examples(tmp_path: Path) -> None:
    """The macro the panel changes use, run by dbt on DuckDB, gives Newcombe's published
    intervals (negated: the warehouse's change is the later share minus the earlier);
    and so does the test's own reference, which then checks the demo's panel."""
    values = ", ".join(f"({a}, {b}, {c}, {d})" for (a, b, c, d), _ in NEWCOMBE_1998_EXAMPLES)
    z = float(stats.norm.ppf(0.975))
    bounds = ", ".join(
        f"{{{{ newcombe_paired_bound('a', 'b', 'c', 'd', {z!r}, '{side}') }}}} as {side}_bound"
        for side in ("lower", "upper")
    )
    sql = f"select a, b, c, d, {bounds} from (values {values}) as tables (a, b, c, d)"
    environment = {**os.environ, "SAMSPIL_BUILD_WAREHOUSE": str(tmp_path / "show.duckdb")}
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            *(str(dbt), "show", "--inline", sql, "--output", "json", "--log-format", "json"),
            *("--target-path", str(tmp_path / "target")),
        ],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    (preview,) = [
        json.loads(event["data"]["preview"])
        for event in map(json.loads, result.stdout.splitlines())
        if "preview" in event.get("data", {})
    ]
    assert len(preview) == len(NEWCOMBE_1998_EXAMPLES)
    for row, (table, (low, high)) in zip(preview, NEWCOMBE_1998_EXAMPLES, strict=True):
        assert (row["a"], row["b"], row["c"], row["d"]) == table
        assert round(-row["upper_bound"], 4) == low, (table, row)
        assert round(-row["lower_bound"], 4) == high, (table, row)
        reference = _newcombe(*table, z)
        assert (round(-reference[1], 4), round(-reference[0], 4)) == (low, high), table


def test_panel_changes_agree_with_statsmodels(demo_build: Build, microdata: Microdata) -> None:
    """Every row of int_panel_changes_computed (both domain levels, every statistic,
    each wave against the previous one in the survey_waves seed): Newcombe's interval
    for shares, statsmodels' t interval of the mean change for means."""
    waves = sorted(pd.read_csv(PROJECT_DIR / "seeds" / "survey_waves.csv")["wave"])
    rows = demo_build.query_build("select * from intermediate.int_panel_changes_computed")
    columns = [
        name
        for (name,) in demo_build.query_build(
            "select column_name from information_schema.columns"
            " where table_name = 'int_panel_changes_computed' order by ordinal_position"
        )
    ]
    rows = [dict(zip(columns, row, strict=True)) for row in rows]
    assert len(rows) > 200
    survey_of = {
        row.survey_item_id: row.survey
        for name in ("survey_items", "survey_derived_items")
        for row in pd.read_csv(PROJECT_DIR / "seeds" / f"{name}.csv").itertuples()
    }
    respondents = microdata.respondents[["response_id", "survey", "unit_id", "wave", "kommunekode"]]
    valid = microdata.answers[microdata.answers["answer_status"] == "valid"].merge(
        respondents, on="response_id"
    )
    compared = 0
    for earlier, later in pairwise(waves):
        first = respondents[respondents["wave"] == earlier].set_index(["survey", "unit_id"])
        second = respondents[respondents["wave"] == later].set_index(["survey", "unit_id"])
        members = first.loc[first.index.intersection(second.index), "kommunekode"]
        answers = valid.pivot_table(
            index=["survey", "unit_id", "survey_item_id"],
            columns="wave",
            values="answer_value",
            aggfunc="first",
        )[[earlier, later]].dropna()
        answers = answers.join(members.rename("kommunekode"), on=["survey", "unit_id"], how="inner")
        for row in (r for r in rows if (r["from_wave"], r["to_wave"]) == (earlier, later)):
            in_domain = members.xs(row["survey"], level="survey")
            pairs = answers.xs((row["survey"], row["survey_item_id"]), level=(0, 2))
            if row["domain_level"] == "municipality":
                in_domain = in_domain[in_domain == row["kommunekode"]]
                pairs = pairs[pairs["kommunekode"] == row["kommunekode"]]
            assert row["panel_member_count"] == len(in_domain), row["panel_change_id"]
            assert row["pair_count"] == len(pairs), row["panel_change_id"]
            before, after = pairs[earlier].to_numpy(float), pairs[later].to_numpy(float)
            statistic = row["statistic"]
            if statistic == "share_yes":
                before, after = (before == 1).astype(float), (after == 1).astype(float)
            elif statistic == "share_agreeing":
                before, after = (before >= 4).astype(float), (after >= 4).astype(float)
            assert survey_of[row["survey_item_id"]] == row["survey"]
            change = DescrStatsW(after - before)
            expected = {
                "value_from": before.mean(),
                "value_to": after.mean(),
                "change": change.mean,
                "distinct_value_count": min(
                    len(set(before)), len(set(after)), len(set(after - before))
                ),
            }
            if len(pairs) > 1:
                expected["standard_error"] = change.std_mean
                expected["degrees_of_freedom"] = len(pairs) - 1
            if statistic == "mean" and len(pairs) > 1:
                lower, upper = change.tconfint_mean(alpha=1 - LEVEL)
                expected |= {"ci_lower": lower, "ci_upper": upper}
            elif statistic != "mean":
                both = int(np.sum((before == 1) & (after == 1)))
                first_only = int(np.sum((before == 1) & (after == 0)))
                second_only = int(np.sum((before == 0) & (after == 1)))
                lower, upper = _newcombe(
                    both, first_only, second_only, len(pairs) - both - first_only - second_only, Z
                )
                expected |= {"ci_lower": lower, "ci_upper": upper}
                assert -1 <= row["ci_lower"] <= row["change"] <= row["ci_upper"] <= 1
            for column, want in expected.items():
                assert abs(row[column] - want) <= TOLERANCE, (row["panel_change_id"], column)
            compared += 1
    assert compared == len(rows)
    assert {row["statistic"] for row in rows} == {"share_yes", "share_agreeing", "mean"}


def test_the_published_panel_change_is_the_computed_one(demo_build: Build) -> None:
    """rpt_panel_change shows the rows of int_panel_changes_computed it publishes (both
    domain levels), with their Newcombe and t intervals, where it does not suppress them:
    the pairs exactly, every other value rounded (the interval outward)."""
    published = {
        row[0].removeprefix("panel-"): row[1:]
        for row in demo_build.query_build(
            "select release_cell_id, unit_count, value_from, value_to, estimate,"
            " standard_error, ci_lower, ci_upper"
            " from release.rpt_panel_change where not is_suppressed"
        )
    }
    computed = {
        row[0]: row[1:]
        for row in demo_build.query_build(
            "select panel_change_id, pair_count, value_from, value_to, change, standard_error,"
            " ci_lower, ci_upper from intermediate.int_panel_changes_computed"
        )
    }
    assert len(published) > 50
    assert {key.split("-")[1] for key in published} == {"share_yes", "mean"}
    directions = ("nearest",) * 4 + ("down", "up")
    for key, (pairs, *values) in published.items():
        assert pairs == computed[key][0], key
        for got, want, direction in zip(values, computed[key][1:], directions, strict=True):
            assert _published(got, want, direction), (key, got, want, direction)
