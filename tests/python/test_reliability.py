"""Inter-coder reliability: the warehouse's Krippendorff alphas and Cohen's kappas agree
with independent implementations (the krippendorff package, scikit-learn) on the demo's
published coded segments, and recover what the generator planted
(raw/demo/truth/coder_reliability.csv); alpha's bootstrap interval is the seeded draws
and agrees with an independent resampling; positive specific agreement per code."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np
import pytest
import yaml
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from samspil.paths import PROJECT_DIR

from conftest import DEMO, Build, read_truth

AGREEMENT = 1e-9
"""SQL and the reference implementations compute in float8: they must agree this closely."""
SIMULATIONS = 400
STANDARD_ERRORS = 4.0
"""A recovered value must lie within this many simulated standard errors of its
expected (planted) value."""


@dataclass(frozen=True)
class Demo:
    codes: dict[str, dict[str, set[str]]]
    """segment -> coder -> the codes the coder gave the segment."""
    frame_of: dict[str, str]
    reliability: dict[str, dict[str, object]]
    kappa: dict[str, dict[str, object]]
    min_cell_size: int

    @property
    def pairable(self) -> list[str]:
        """The units: segments coded by two or more coders."""
        return sorted(s for s, by_coder in self.codes.items() if len(by_coder) >= 2)

    @property
    def coders(self) -> list[str]:
        return sorted({coder for by_coder in self.codes.values() for coder in by_coder})


def _rows(build: Build, table: str) -> dict[str, dict[str, object]]:
    """The mart's rows by key, each as column name -> value."""
    names = [
        name
        for (name,) in build.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'release' and table_name = ? order by ordinal_position",
            table,
        )
    ]
    rows = build.query(f"select * from release.{table}")
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


@pytest.fixture(scope="module")
def demo(demo_build: Build) -> Demo:
    """The published warehouse of the demo build, read once."""
    codes: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for segment_id, coder_id, code in demo_build.query(
        "select segment_id, coder_id, justification_code from marts.fct_coded_segments"
    ):
        codes[segment_id][coder_id].add(code)
    frame_of = dict(
        demo_build.query(
            "select justification_code_id, frame_code from marts.dim_justification_codes"
        )
    )
    return Demo(
        codes={s: dict(by_coder) for s, by_coder in codes.items()},
        frame_of=frame_of,
        reliability=_rows(demo_build, "rpt_intercoder_reliability"),
        kappa=_rows(demo_build, "rpt_coder_pair_kappa"),
        min_cell_size=5,
    )


def _binary_alpha(demo: Demo, members: set[str]) -> float:
    """The package's alpha of "the coder applied a code in `members`", coders × units,
    NaN where the coder did not code the unit."""
    data = np.full((len(demo.coders), len(demo.pairable)), np.nan)
    for j, segment_id in enumerate(demo.pairable):
        for i, coder in enumerate(demo.coders):
            if coder in demo.codes[segment_id]:
                data[i, j] = float(bool(demo.codes[segment_id][coder] & members))
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def _reference(demo: Demo) -> dict[str, tuple[float, int]]:
    """reliability_id -> (alpha by the krippendorff package, coded segments)."""
    frames = sorted(set(demo.frame_of.values()))
    subjects = {f"code-{code}": {code} for code in demo.frame_of}
    subjects |= {
        f"frame-{frame}": {c for c, f in demo.frame_of.items() if f == frame} for frame in frames
    }
    reference = {}
    for reliability_id, members in subjects.items():
        coded = sum(
            any(chosen & members for chosen in demo.codes[s].values()) for s in demo.pairable
        )
        reference[reliability_id] = (_binary_alpha(demo, members), coded)
    reference["overall"] = (_overall_alpha(demo), len(demo.pairable))
    return reference


def _overall_alpha(demo: Demo) -> float:
    """Nominal alpha over the codes, from the package's value_counts (every coding a value
    of its unit, so a coder's second code counts); where every coder gave one code per
    segment, also from the textbook coders × units matrix, which must agree."""
    index = {code: i for i, code in enumerate(sorted(demo.frame_of))}
    counts = np.zeros((len(demo.pairable), len(index)))
    for j, segment_id in enumerate(demo.pairable):
        for chosen in demo.codes[segment_id].values():
            for code in chosen:
                counts[j, index[code]] += 1
    from_counts = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    single = all(len(c) == 1 for s in demo.pairable for c in demo.codes[s].values())
    if single:
        data = np.full((len(demo.coders), len(demo.pairable)), np.nan)
        for j, segment_id in enumerate(demo.pairable):
            for i, coder in enumerate(demo.coders):
                if coder in demo.codes[segment_id]:
                    (code,) = demo.codes[segment_id][coder]
                    data[i, j] = index[code]
        textbook = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert textbook == pytest.approx(from_counts, abs=AGREEMENT)
    return from_counts


def test_every_code_frame_and_coder_pair_has_a_row(demo: Demo) -> None:
    frames = set(demo.frame_of.values())
    assert len(demo.frame_of) == 12 and len(frames) == 4
    assert set(demo.reliability) == (
        {f"code-{code}" for code in demo.frame_of} | {f"frame-{f}" for f in frames} | {"overall"}
    )
    assert len(demo.coders) == 4
    assert set(demo.kappa) == {f"{a}-{b}" for a, b in combinations(demo.coders, 2)}
    # In the demo every row rests on enough segments to be published: all are compared.
    assert not any(row["is_suppressed"] for row in demo.reliability.values())
    assert not any(row["is_suppressed"] for row in demo.kappa.values())


def test_alphas_agree_with_the_krippendorff_package(demo: Demo) -> None:
    assert len(demo.pairable) > 400
    reference = _reference(demo)
    assert set(reference) == set(demo.reliability)
    for reliability_id, (alpha, coded) in reference.items():
        row = demo.reliability[reliability_id]
        assert row["unit_count"] == len(demo.pairable), reliability_id
        assert row["coded_segment_count"] == coded, reliability_id
        assert coded >= demo.min_cell_size, reliability_id
        assert row["krippendorff_alpha"] == pytest.approx(alpha, abs=AGREEMENT), reliability_id
        assert row["krippendorff_alpha"] == pytest.approx(
            1 - row["observed_disagreement"] / row["expected_disagreement"], abs=AGREEMENT
        )


def test_kappas_agree_with_scikit_learn(demo: Demo) -> None:
    compared = 0
    for first, second in combinations(demo.coders, 2):
        shared = sorted(s for s, by_coder in demo.codes.items() if {first, second} <= set(by_coder))
        labels = [
            ["+".join(sorted(demo.codes[s][coder])) for s in shared] for coder in (first, second)
        ]
        row = demo.kappa[f"{first}-{second}"]
        assert row["shared_segment_count"] == len(shared) >= demo.min_cell_size
        assert row["agreeing_segment_count"] == sum(a == b for a, b in zip(*labels, strict=True))
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(*labels), abs=AGREEMENT), row
        counts = [Counter(coder_labels) for coder_labels in labels]
        chance = sum(counts[0][c] * counts[1][c] for c in counts[0]) / len(shared) ** 2
        assert row["chance_agreement"] == pytest.approx(chance, abs=AGREEMENT)
        compared += 1
    assert compared == 6


def _truth() -> dict[tuple[str, str], dict[str, str]]:
    return {(row["level"], row["subject"]): row for row in read_truth("coder_reliability.csv")}


def _recovered(demo: Demo) -> dict[tuple[str, str], tuple[float, int]]:
    """(level, subject) -> (the warehouse's value, its units), keyed like the truth file."""
    recovered = {}
    for row in demo.reliability.values():
        level = row["reliability_level"]
        subject = {"code": row["justification_code"], "frame": row["frame_code"]}.get(
            level, "overall"
        )
        recovered[(level, subject)] = (row["krippendorff_alpha"], row["unit_count"])
    for pair_id, row in demo.kappa.items():
        recovered[("coder_pair", pair_id)] = (row["cohen_kappa"], row["shared_segment_count"])
    return recovered


def test_warehouse_recovers_the_realised_truth(demo: Demo) -> None:
    """Equal, to 1e-9, to what the generator computed exactly from the codings it wrote."""
    truth, recovered = _truth(), _recovered(demo)
    assert len(truth) == 12 + 4 + 1 + 6
    assert set(recovered) == set(truth)
    for key, row in truth.items():
        value, units = recovered[key]
        assert units == int(row["unit_count"]), key
        assert value == pytest.approx(float(row["realised_value"]), abs=AGREEMENT), key


def _simulated(demo: Demo) -> dict[tuple[str, str], np.ndarray]:
    """Every value of the truth file recomputed on SIMULATIONS new codings of the same
    segments by the same coders, drawn from the planted model: a coder gives the true code
    with the code's planted accuracy, else one of the other codes uniformly."""
    parameters = json.loads((DEMO / "truth" / "parameters.json").read_text(encoding="utf-8"))
    accuracy = parameters["discourse"]["coder_accuracy"]
    true_code = {row["segment_id"]: row["justification_code"] for row in read_truth("segments.csv")}
    codes = sorted(demo.frame_of)
    k = len(codes)
    index = {code: i for i, code in enumerate(codes)}
    coded = [(s, coder) for s in sorted(demo.codes) for coder in sorted(demo.codes[s])]
    truth = np.array([index[true_code[s]] for s, _ in coded])
    p = np.array([accuracy[code] for code in codes])[truth]
    rng = np.random.default_rng(2016)
    right = rng.random((SIMULATIONS, len(coded))) < p
    other = (truth + rng.integers(1, k, (SIMULATIONS, len(coded)))) % k
    drawn = np.where(right, truth, other)  # simulation × coding: code index

    position = {key: i for i, key in enumerate(coded)}
    pairable = {s: j for j, s in enumerate(demo.pairable)}
    unit_of = np.array([pairable.get(s, -1) for s, _ in coded])
    keep = unit_of >= 0
    counts = np.zeros((SIMULATIONS, len(pairable), k))
    for r in range(SIMULATIONS):
        np.add.at(counts[r], (unit_of[keep], drawn[r, keep]), 1)

    def alpha(value_counts: np.ndarray) -> np.ndarray:  # simulation × unit × value
        m = value_counts.sum(axis=2)
        n = m.sum(axis=1)
        equal = ((value_counts * (value_counts - 1)).sum(axis=2) / (m - 1)).sum(axis=1)
        totals = value_counts.sum(axis=1)
        return 1 - (n - 1) * (n - equal) / (n * n - (totals * totals).sum(axis=1))

    simulated: dict[tuple[str, str], np.ndarray] = {}
    m = counts.sum(axis=2)
    for code in codes:
        applied = counts[:, :, index[code]]
        simulated[("code", code)] = alpha(np.stack([applied, m - applied], axis=2))
    for frame in sorted(set(demo.frame_of.values())):
        members = [index[c] for c in codes if demo.frame_of[c] == frame]
        applied = counts[:, :, members].sum(axis=2)
        simulated[("frame", frame)] = alpha(np.stack([applied, m - applied], axis=2))
    simulated[("overall", "overall")] = alpha(counts)
    for first, second in combinations(demo.coders, 2):
        shared = [s for s in sorted(demo.codes) if {first, second} <= set(demo.codes[s])]
        a = drawn[:, [position[(s, first)] for s in shared]]
        b = drawn[:, [position[(s, second)] for s in shared]]
        observed = (a == b).mean(axis=1)
        share_a = np.stack([(a == c).mean(axis=1) for c in range(k)], axis=1)
        share_b = np.stack([(b == c).mean(axis=1) for c in range(k)], axis=1)
        chance = (share_a * share_b).sum(axis=1)
        simulated[("coder_pair", f"{first}-{second}")] = (observed - chance) / (1 - chance)
    return simulated


def test_recovered_reliability_is_near_the_planted_expectation(demo: Demo) -> None:
    """Each recovered alpha and kappa lies within STANDARD_ERRORS simulated standard errors
    of the value the planted accuracies lead one to expect; and the expectation (a
    ratio of expectations, derived in samspil.tools.generate.reliability) is what the planted
    model gives on average, to within half a standard error."""
    truth, recovered = _truth(), _recovered(demo)
    simulated = _simulated(demo)
    assert set(simulated) == set(truth)
    for key, row in truth.items():
        expected = float(row["expected_value"])
        spread = float(np.std(simulated[key], ddof=1))
        assert 0.005 < spread < 0.15, key
        assert abs(float(np.mean(simulated[key])) - expected) <= 0.5 * spread, key
        value, _ = recovered[key]
        assert abs(value - expected) <= STANDARD_ERRORS * spread, (key, value, expected, spread)


BOOTSTRAP_DRAWS = 100_000
"""Replicates of the test's own resampling (numpy's generator): its Monte Carlo error
(a quantile level's standard error √(q(1 - q)/100,000) ≤ 0.0016) is a tenth of the
warehouse's."""
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def _build_rows(build: Build, table: str) -> list[dict[str, object]]:
    names = [
        name
        for (name,) in build.query_build(
            "select column_name from information_schema.columns"
            " where table_schema = 'intermediate' and table_name = ?"
            " order by ordinal_position",
            table,
        )
    ]
    return [
        dict(zip(names, row, strict=True))
        for row in build.query_build(f"select * from intermediate.{table}")
    ]


def _coincidences(demo: Demo) -> dict[str, tuple[np.ndarray, int]]:
    """reliability_id -> (coincidence matrix o, M pairs of values), from the coded
    segments: per code and frame the binary values of every coder of a unit, overall
    every coding."""
    frames = sorted(set(demo.frame_of.values()))
    subjects = {f"code-{code}": {code} for code in demo.frame_of}
    subjects |= {
        f"frame-{frame}": {c for c, f in demo.frame_of.items() if f == frame} for frame in frames
    }
    value_counts: dict[str, np.ndarray] = {}
    for reliability_id, members in subjects.items():
        counts = np.zeros((len(demo.pairable), 2))
        for j, segment_id in enumerate(demo.pairable):
            for chosen in demo.codes[segment_id].values():
                counts[j, int(bool(chosen & members))] += 1
        value_counts[reliability_id] = counts
    index = {code: i for i, code in enumerate(sorted(demo.frame_of))}
    overall = np.zeros((len(demo.pairable), len(index)))
    for j, segment_id in enumerate(demo.pairable):
        for chosen in demo.codes[segment_id].values():
            for code in chosen:
                overall[j, index[code]] += 1
    value_counts["overall"] = overall
    result = {}
    for reliability_id, counts in value_counts.items():
        m = counts.sum(axis=1)
        counts = counts[m >= 2]
        m = m[m >= 2]
        pairs = counts[:, :, None] * counts[:, None, :] - np.einsum(
            "uv,vw->uvw", counts, np.eye(counts.shape[1])
        )
        result[reliability_id] = (
            (pairs / (m - 1)[:, None, None]).sum(axis=0),
            int((m * (m - 1) / 2).sum()),
        )
    return result


def _resampled_alphas(
    coincidence: np.ndarray, pairs: int, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """KALPHA's resampling, by the test: every replicate draws `pairs` cells of the
    coincidence matrix (pairs of values c ≤ k, with probability o_ck / n, or 2 o_ck / n
    for c < k) with replacement, and alpha = 1 - (Σ δ / M) / D_e with nominal δ;
    alphas below -1 are -1, and KALPHA's corrections of alphas of 1 applied."""
    n = coincidence.sum()
    totals = coincidence.sum(axis=0)
    expected = (n * n - (totals * totals).sum()) / (n * (n - 1))
    upper = np.triu_indices(coincidence.shape[0])
    probabilities = np.where(upper[0] == upper[1], 1.0, 2.0) * coincidence[upper] / n
    disagree = (upper[0] != upper[1]).astype(float)
    counts = rng.multinomial(pairs, probabilities / probabilities.sum(), size=replicates)
    alphas = np.maximum(1 - (counts @ disagree) / pairs / expected, -1.0)
    agreed = int((np.diag(coincidence) > 0).sum())
    ones = np.flatnonzero(alphas == 1)
    if agreed == 1:
        alphas[ones] = 0.0
    else:
        expected_ones = math.floor(replicates * ((np.diag(coincidence) / n) ** pairs).sum() + 0.5)
        alphas[ones[:expected_ones]] = 0.0
    return alphas


def test_bootstrap_replicates_are_the_seeded_draws(demo_build: Build) -> None:
    """Every replicate of int_krippendorff_alpha_replicates_drawn is recomputed from its
    MD5 number (Python's hashlib) and scipy's binomial quantile; the interval and q of
    int_intercoder_reliability_computed are the replicates' order statistics."""
    alphas = {
        row["reliability_id"]: row
        for row in _build_rows(demo_build, "int_krippendorff_alphas_computed")
    }
    replicates = _build_rows(demo_build, "int_krippendorff_alpha_replicates_drawn")
    count = PROJECT_VARS["reliability_bootstrap_replicates"]
    seed = PROJECT_VARS["reliability_bootstrap_seed"]
    assert len(replicates) == count * len(alphas) == count * 17
    by_subject: defaultdict[str, list[dict]] = defaultdict(list)
    for row in replicates:
        by_subject[row["reliability_id"]].append(row)
    for reliability_id, rows in by_subject.items():
        subject = alphas[reliability_id]
        rows.sort(key=lambda row: row["replicate"])
        assert [row["replicate"] for row in rows] == list(range(1, count + 1))
        numbers = (
            np.array(
                [
                    int(hashlib.md5(f"{seed}-{reliability_id}-{r}".encode()).hexdigest()[:13], 16)
                    for r in range(1, count + 1)
                ]
            )
            / 2**52
        )
        pairs = subject["value_pair_count"]
        drawn = stats.binom.ppf(numbers, pairs, subject["observed_disagreement"]).astype(int)
        assert [row["disagreeing_draw_count"] for row in rows] == drawn.tolist(), reliability_id
        expected = np.maximum(1 - drawn / pairs / subject["expected_disagreement"], -1.0)
        assert expected.max() < 1  # the corrections of alphas of 1 never apply to the demo
        observed = np.array([row["krippendorff_alpha"] for row in rows])
        assert np.abs(observed - expected).max() <= AGREEMENT, reliability_id
    tail = round(count * (1 - PROJECT_VARS["confidence_level"]) / 2)
    minimum = PROJECT_VARS["reliability_minimum_alpha"]
    for row in _build_rows(demo_build, "int_intercoder_reliability_computed"):
        if row["statistic"] != "krippendorff_alpha":
            continue
        ordered = sorted(
            replicate["krippendorff_alpha"] for replicate in by_subject[row["reliability_id"]]
        )
        assert row["replicate_count"] == count
        assert (row["ci_lower"], row["ci_upper"]) == (ordered[tail - 1], ordered[count - tail])
        assert row["probability_below_minimum"] == pytest.approx(
            sum(alpha < minimum for alpha in ordered) / count, abs=AGREEMENT
        )
        assert row["ci_lower"] < row["estimate"] < row["ci_upper"]


def test_bootstrap_interval_agrees_with_an_independent_resampling(
    demo: Demo, demo_build: Build
) -> None:
    """The test resamples the coincidence matrices it builds from the coded segments
    with numpy's own generator. The warehouse's bounds are order statistics of its
    B replicates, so the level of the reference distribution at them has standard
    error √(q(1 - q)/B) (0.0016 for q = 0.025 and B = 10,000): each must lie within
    four such errors (plus four of the reference's own) of its nominal level; q (the
    share below 0.667) likewise; and the two distributions must pass a two-sample
    Kolmogorov–Smirnov test at 1e-4."""
    coincidences = _coincidences(demo)
    rows = {
        row["reliability_id"]: row
        for row in _build_rows(demo_build, "int_intercoder_reliability_computed")
        if row["statistic"] == "krippendorff_alpha"
    }
    replicates: defaultdict[str, list[float]] = defaultdict(list)
    for row in _build_rows(demo_build, "int_krippendorff_alpha_replicates_drawn"):
        replicates[row["reliability_id"]].append(row["krippendorff_alpha"])
    assert set(rows) == set(coincidences)
    count = PROJECT_VARS["reliability_bootstrap_replicates"]
    tail = (1 - PROJECT_VARS["confidence_level"]) / 2
    rng = np.random.default_rng(1977)
    for reliability_id, (coincidence, pairs) in coincidences.items():
        row = rows[reliability_id]
        n = coincidence.sum()
        assert row["pair_count"] == pairs and row["pairable_value_count"] == n
        assert row["observed_disagreement"] == pytest.approx(
            1 - np.trace(coincidence) / n, abs=AGREEMENT
        )
        reference = _resampled_alphas(coincidence, pairs, BOOTSTRAP_DRAWS, rng)
        for bound, level in ((row["ci_lower"], tail), (row["ci_upper"], 1 - tail)):
            tolerance = (
                4
                * math.sqrt(level * (1 - level))
                * (1 / math.sqrt(count) + 1 / math.sqrt(BOOTSTRAP_DRAWS))
            )
            below, at_most = np.mean(reference < bound), np.mean(reference <= bound)
            assert below <= level + tolerance and at_most >= level - tolerance, (
                reliability_id,
                bound,
                below,
                at_most,
            )
        q = np.mean(reference < PROJECT_VARS["reliability_minimum_alpha"])
        spread = 4 * math.sqrt(max(q * (1 - q), 1 / count) / count)
        assert abs(row["probability_below_minimum"] - q) <= spread + 1e-3, reliability_id
        test = stats.ks_2samp(replicates[reliability_id], reference)
        assert test.pvalue > 1e-4, (reliability_id, test)


def test_positive_specific_agreement_per_code(demo: Demo, demo_build: Build) -> None:
    """2a / (2a + b + c) over the coder pairs of every segment coded by two or more
    coders, recomputed from the coded segments; and the overall observed agreement."""
    rows = {
        row["reliability_statistic_id"]: row
        for row in _build_rows(demo_build, "int_intercoder_reliability_computed")
    }
    both: Counter[str] = Counter()
    one: Counter[str] = Counter()
    same, pairs = 0, 0
    for segment_id in demo.pairable:
        for first, second in combinations(sorted(demo.codes[segment_id]), 2):
            a, b = demo.codes[segment_id][first], demo.codes[segment_id][second]
            both.update(a & b)
            one.update(a ^ b)
            same += a == b
            pairs += 1
    for code in demo.frame_of:
        row = rows[f"positive_specific_agreement-code-{code}"]
        assert row["agreeing_count"] == both[code]
        assert row["pair_count"] == both[code] + one[code]
        expected = 2 * both[code] / (2 * both[code] + one[code])
        assert row["estimate"] == pytest.approx(expected, abs=AGREEMENT), code
    overall = rows["observed_agreement-overall"]
    assert (overall["agreeing_count"], overall["pair_count"]) == (same, pairs)
    assert overall["estimate"] == pytest.approx(same / pairs, abs=AGREEMENT)


def test_the_long_table_holds_every_alpha_and_kappa(demo: Demo, demo_build: Build) -> None:
    """int_intercoder_reliability_computed's alphas are the krippendorff package's and
    its kappas scikit-learn's, as the marts'."""
    rows = {
        row["reliability_statistic_id"]: row
        for row in _build_rows(demo_build, "int_intercoder_reliability_computed")
    }
    for reliability_id, (alpha, coded) in _reference(demo).items():
        row = rows[f"krippendorff_alpha-{reliability_id}"]
        assert row["estimate"] == pytest.approx(alpha, abs=AGREEMENT), reliability_id
        assert row["coded_segment_count"] == coded
    for first, second in combinations(demo.coders, 2):
        shared = sorted(s for s, by_coder in demo.codes.items() if {first, second} <= set(by_coder))
        labels = [
            ["+".join(sorted(demo.codes[s][coder])) for s in shared] for coder in (first, second)
        ]
        row = rows[f"cohen_kappa-{first}-{second}"]
        assert row["unit_count"] == len(shared)
        assert row["estimate"] == pytest.approx(cohen_kappa_score(*labels), abs=AGREEMENT)
