"""The warehouse recovers what the generator planted in the demo (raw/demo/truth/)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from samspil.paths import PROJECT_DIR

from conftest import DEMO, Build

# Kinds of name variant the linking resolves from the name alone. Informal
# names ("skolen i Tarup", "Ældre Sagen") often cannot be told apart without
# context, so they count only in the overall recall.
RESOLVABLE_KINDS = (
    "exact",
    "case_punctuation",
    "missing_space",
    "afd_suffix",
    "abbreviation",
    "typo",
    "with_cvr",
    "cvr_only",
)


@pytest.fixture(scope="module")
def warehouse(demo_build: Build, demo_as_csv: Path) -> duckdb.DuckDBPyConnection:
    """The demo's working warehouse (intermediate models included), read-only, with the
    truth files as temporary views."""
    connection = duckdb.connect(str(demo_build.build_warehouse), read_only=True)
    for name in ("name_variants", "ties", "cooperation_rates", "coder_agreement"):
        path = DEMO / "truth" / f"{name}.csv"
        connection.execute(
            f"create temp view truth_{name} as "
            f"select * from read_csv('{path}', all_varchar = true, header = true)"
        )
    for survey in ("institution", "association"):
        path = demo_as_csv / f"{survey}_survey" / "responses.csv"  # the same demo, as CSV
        connection.execute(
            f"create temp view raw_{survey}_responses as "
            f"select * from read_csv('{path}', all_varchar = true, header = true)"
        )
    yield connection
    connection.close()


def _linking_by_kind(warehouse: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int]]:
    rows = warehouse.execute(
        """
        select
            truth.variant_kind,
            count(*) as mentions,
            count(coalesce(linked.institution_id, linked.association_id)) as links,
            count(*) filter (
                where coalesce(linked.institution_id, linked.association_id) = truth.entity_code
            ) as correct
        from truth_name_variants as truth
        inner join intermediate.int_name_mentions_linked as linked
            on
                linked.mention_source = truth.source
                and linked.record_id = truth.record_id
                and linked.mention_position = cast(truth.position as integer)
        where truth.entity_type in ('institution', 'association')
        group by 1
        """
    ).fetchall()
    return {kind: (mentions, links, correct) for kind, mentions, links, correct in rows}


def test_every_planted_name_is_a_mention(warehouse: duckdb.DuckDBPyConnection) -> None:
    planted, joined = warehouse.execute(
        """
        select
            count(*),
            count(linked.name_mention_id)
        from truth_name_variants as truth
        left join intermediate.int_name_mentions_linked as linked
            on
                linked.mention_source = truth.source
                and linked.record_id = truth.record_id
                and linked.mention_position = cast(truth.position as integer)
        where truth.entity_type in ('institution', 'association')
        """
    ).fetchone()
    assert planted > 1000
    assert joined == planted


def test_linking_precision_and_recall(warehouse: duckdb.DuckDBPyConnection) -> None:
    by_kind = _linking_by_kind(warehouse)
    mentions = sum(total for total, _, _ in by_kind.values())
    links = sum(linked for _, linked, _ in by_kind.values())
    correct = sum(right for _, _, right in by_kind.values())
    assert correct / links >= 0.97  # precision
    assert correct / mentions >= 0.97  # recall, every kind of variant included
    for kind in RESOLVABLE_KINDS:
        total, _, right = by_kind[kind]
        assert right / total >= 0.95, kind


def test_ties_found_are_true_ties(warehouse: duckdb.DuckDBPyConnection) -> None:
    found, true = warehouse.execute(
        """
        select
            count(*),
            count(truth.institution_code)
        from marts.fct_cooperation_ties as ties
        left join truth_ties as truth
            on
                ties.institution_id = truth.institution_code
                and ties.association_id = truth.association_code
        """
    ).fetchone()
    assert found > 500
    # Tie precision follows the linking's (at least 0.97): a wrongly linked name makes a
    # false tie unless the same pair is also named correctly.
    assert true / found >= 0.98


def test_named_true_ties_are_found(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Of the true ties some respondent named (in any spelling), most are in the mart."""
    named, recovered = warehouse.execute(
        """
        with named as (
            select distinct responses.institution_code, truth.entity_code as association_code
            from truth_name_variants as truth
            inner join raw_institution_responses as responses
                on truth.record_id = responses.response_id
            where truth.source = 'institution_survey'
            union
            select distinct truth.entity_code, responses.association_code
            from truth_name_variants as truth
            inner join raw_association_responses as responses
                on truth.record_id = responses.response_id
            where truth.source = 'association_survey'
        )
        select count(*), count(ties.cooperation_tie_id)
        from named
        left join marts.fct_cooperation_ties as ties
            on
                named.institution_code = ties.institution_id
                and named.association_code = ties.association_id
        """
    ).fetchone()
    assert named > 500
    assert recovered / named >= 0.95


def test_cooperation_rates_within_sampling_error(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Per wave and municipality, the share of responding institutions that cooperate
    lies within 3 standard errors of the planted probability of their areas."""
    cells = warehouse.execute(
        """
        with planted as (
            select
                kommunekode,
                policy_area_code,
                cast(planted_probability_associations as double) as probability
            from truth_cooperation_rates
        )
        select
            report.wave,
            report.kommunekode,
            sum(report.unit_count) as base,
            sum(report.unweighted_estimate * report.unit_count) as yes,
            sum(planted.probability * report.unit_count) as expected_yes
        from release.rpt_cooperation_by_municipality_area as report
        inner join planted
            on
                report.kommunekode = planted.kommunekode
                and report.policy_area_code = planted.policy_area_code
        where not report.is_suppressed and report.construct = 'coop_associations'
        group by 1, 2
        """
    ).fetchall()
    assert len(cells) == 10  # 2 waves × 5 municipalities
    for wave, kommunekode, base, yes, expected_yes in cells:
        expected = expected_yes / base
        standard_error = math.sqrt(expected * (1 - expected) / base)
        assert abs(yes / base - expected) <= 3 * standard_error, (wave, kommunekode)


def test_weighted_cooperation_shares_cover_the_population_share(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The weighted share of a municipality estimates the share among all its invited
    institutions, which the generator knows: within 3 standard errors in every cell (as
    computed, shown by the release tier or withheld by its complementary suppression)."""
    cells = warehouse.execute(
        f"""
        with population as (
            select kommunekode, 2016 as wave, cast(coop_associations_2016 as integer) as yes
            from read_csv('{DEMO / "truth" / "institutions.csv"}', all_varchar = true)
            union all
            select kommunekode, 2018, cast(coop_associations_2018 as integer)
            from read_csv('{DEMO / "truth" / "institutions.csv"}', all_varchar = true)
        )
        select
            estimates.wave,
            estimates.kommunekode,
            estimates.weighted_estimate,
            estimates.standard_error,
            avg(population.yes) as population_share
        from intermediate.int_survey_estimates_computed as estimates
        inner join population
            on estimates.kommunekode = population.kommunekode and estimates.wave = population.wave
        where
            estimates.domain_level = 'municipality'
            and estimates.survey_item_id = 'institution__coop_associations'
            and estimates.statistic = 'share_yes'
        group by 1, 2, 3, 4
        """
    ).fetchall()
    assert len(cells) == 10  # 2 waves × 5 municipalities
    for wave, kommunekode, weighted, standard_error, population_share in cells:
        assert 0 < standard_error < 0.1
        assert abs(weighted - population_share) <= 3 * standard_error, (wave, kommunekode)


def test_overall_coder_agreement_is_recovered(warehouse: duckdb.DuckDBPyConnection) -> None:
    realised, pairs, expected = warehouse.execute(
        """
        select
            cast(realised_pairwise_agreement as double),
            cast(n_pairs as integer),
            cast(expected_pairwise_agreement as double)
        from truth_coder_agreement
        where justification_code = 'overall'
        """
    ).fetchone()
    observed, observed_pairs = warehouse.execute(
        """
        select percent_agreement / 100, coder_pair_count
        from release.rpt_intercoder_agreement
        where is_overall
        """
    ).fetchone()
    assert observed_pairs == pairs
    assert observed == pytest.approx(realised, abs=1e-4)
    assert abs(observed - expected) <= 3 * math.sqrt(expected * (1 - expected) / pairs)


def test_manual_linking_decisions_are_honoured(warehouse: duckdb.DuckDBPyConnection) -> None:
    decisions = warehouse.execute(
        "select entity_type, kommunekode, name_variant, decision, entity_id "
        "from review.linking_decisions"
    ).fetchall()
    assert {decision for *_, decision, _ in decisions} == {"same", "different"}
    for entity_type, kommunekode, variant, decision, entity_id in decisions:
        linked = warehouse.execute(
            "select linked_entity_id, match_method from intermediate.int_name_variants_linked "
            "where entity_type = ? and kommunekode = ? and name_variant = ?",
            [entity_type, kommunekode, variant],
        ).fetchall()
        assert len(linked) == 1, variant
        if decision == "same":
            assert linked[0] == (entity_id, "manual"), variant
        else:
            assert linked[0][0] != entity_id, variant


def test_tie_reciprocity_is_recovered(warehouse: duckdb.DuckDBPyConnection) -> None:
    """The share of ties named by both sides, per municipality and wave, equals the one
    the planted names give, up to the few names the linking cannot settle."""
    rows = warehouse.execute(
        """
        with named as (
            select
                responses.institution_code,
                truth.entity_code as association_code,
                responses.wave,
                'institution' as named_by
            from truth_name_variants as truth
            inner join raw_institution_responses as responses
                on truth.record_id = responses.response_id
            where truth.source = 'institution_survey' and truth.entity_code != ''
            union
            select
                truth.entity_code,
                responses.association_code,
                responses.wave,
                'association'
            from truth_name_variants as truth
            inner join raw_association_responses as responses
                on truth.record_id = responses.response_id
            where truth.source = 'association_survey' and truth.entity_code != ''
        ),
        planted as (
            select
                substring(institution_code, 2, 4) as kommunekode,
                cast(wave as integer) as wave,
                avg(case when count_named = 2 then 1.0 else 0.0 end) as share_reciprocated
            from (
                select institution_code, association_code, wave,
                    count(distinct named_by) as count_named
                from named
                group by all
            )
            group by all
        )
        select planted.kommunekode, planted.wave, planted.share_reciprocated,
            report.estimate
        from planted
        inner join release.rpt_tie_reciprocity as report
            using (kommunekode, wave)
        where not report.is_suppressed
        """
    ).fetchall()
    assert len(rows) == 10
    for kommunekode, wave, planted, recovered in rows:
        assert recovered == pytest.approx(planted, abs=0.03), (kommunekode, wave)


COVERAGE = 0.93
"""The least share of shown intervals that must cover the planted value."""
TRUTH_ITEMS = {
    # survey item -> (truth file, the columns whose any yes is the item's yes). A filtered
    # item's base is every unit with a valid answer to its filter question, those it routed
    # past counting as no (the doc block item_base), and the truth files have 0 for them;
    # a derived item is yes where any component is.
    "institution__coop_associations": ("institutions", ("coop_associations",)),
    "institution__coop_volunteers": ("institutions", ("coop_volunteers",)),
    "institution__coop_associations_or_volunteers": (
        "institutions",
        ("coop_associations", "coop_volunteers"),
    ),
    "association__coop_municipal": ("associations", ("coop_municipal",)),
    "association__coop_administration": ("associations", ("coop_administration",)),
    "association__coop_municipal_or_administration": (
        "associations",
        ("coop_municipal", "coop_administration"),
    ),
    "association__coop_school": ("associations", ("coop_school",)),
    "association__coop_daycare_sfo_youth": ("associations", ("coop_daycare_sfo_youth",)),
    "association__coop_other_institution": ("associations", ("coop_other_institution",)),
}


def _planted_shares(waves: list[int]) -> pd.DataFrame:
    """One row per unit of the frame, wave and item with its true answer, from the
    truth files."""
    frames = {
        "institutions": pd.read_csv(DEMO / "truth" / "institutions.csv", dtype=str),
        "associations": pd.read_csv(DEMO / "truth" / "associations.csv", dtype=str),
    }
    rows = []
    for item, (file, stems) in TRUTH_ITEMS.items():
        frame = frames[file]
        area = "policy_area_code" if file == "institutions" else "association_field_code"
        for wave in waves:
            units = frame if file == "institutions" else frame[frame[f"in_frame_{wave}"] == "1"]
            rows.append(
                pd.DataFrame(
                    {
                        "survey_item_id": item,
                        "wave": wave,
                        "kommunekode": units["kommunekode"],
                        "area": units[area],
                        "value": units[[f"{stem}_{wave}" for stem in stems]]
                        .astype(int)
                        .max(axis=1),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _domain_values(units: pd.DataFrame, value: str) -> dict[tuple, float]:
    """(item, wave, domain_level, domain_code) -> the units' mean of `value`."""
    keys = ["survey_item_id", "wave"]
    levels = {
        "municipality_area": units.assign(code=units["kommunekode"] + "-" + units["area"]),
        "municipality": units.assign(code=units["kommunekode"]),
        "survey": units.assign(code="all"),
    }
    values = {}
    for level, frame in levels.items():
        means = (
            frame.groupby([*keys, "code"])[value].sum()
            / frame.groupby([*keys, "code"])["weight"].sum()
        )
        for (item, wave, code), mean in means.items():
            values[(item, wave, level, code)] = float(mean)
    return values


def test_shown_intervals_cover_the_planted_values(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Every interval the release tier would show (at least min_cell_size answers, not
    everyone alike) of a share whose truth the generator planted, at every domain level
    and wave: at least 93 % cover the share among all invited units (the
    finite-population value), and, for the institution items whose probabilities
    cooperation_rates.csv holds, at least 93 % cover the expected share the planted
    probabilities give the domain (the model value, the estimand of the doc block
    estimand: Σ N_area p_area / N)."""
    min_cell_size = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
        "min_cell_size"
    ]
    estimates = warehouse.execute(
        """
        select survey_item_id, wave, domain_level, domain_code, ci_lower, ci_upper
        from intermediate.int_survey_estimates_computed
        where statistic = 'share_yes' and answer_base >= ? and distinct_value_count > 1
        """,
        [min_cell_size],
    ).fetchall()
    waves = sorted({wave for _, wave, *_ in estimates})
    units = _planted_shares(waves).assign(weight=1.0)
    population = _domain_values(units, "value")
    rates = pd.read_csv(DEMO / "truth" / "cooperation_rates.csv", dtype={"kommunekode": str})
    planted = pd.concat(
        [
            pd.DataFrame(
                {
                    "survey_item_id": f"institution__coop_{kind}",
                    "wave": wave,
                    "kommunekode": rates["kommunekode"],
                    "area": rates["policy_area_code"],
                    "weight": rates["n_institutions"].astype(float),
                    "value": rates[f"planted_probability_{kind}"] * rates["n_institutions"],
                }
            )
            for kind in ("associations", "volunteers")
            for wave in waves
        ]
    )
    model = _domain_values(planted, "value")
    finite, expected = [], []
    for item, wave, level, code, lower, upper in estimates:
        if item not in TRUTH_ITEMS:
            continue
        finite.append(lower <= population[(item, wave, level, code)] <= upper)
        if (item, wave, level, code) in model:
            expected.append(lower <= model[(item, wave, level, code)] <= upper)
    assert len(finite) > 500 and len(expected) > 100
    assert np.mean(finite) >= COVERAGE, (np.mean(finite), len(finite))
    assert np.mean(expected) >= COVERAGE, (np.mean(expected), len(expected))
