"""The warehouse recovers what the generator planted in the demo (raw/demo/truth/)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

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
    institutions, which the generator knows: within 3 standard errors in every cell."""
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
            report.wave,
            report.kommunekode,
            report.estimate,
            report.standard_error,
            avg(population.yes) as population_share
        from release.rpt_cooperation_by_municipality as report
        inner join population
            on report.kommunekode = population.kommunekode and report.wave = population.wave
        where not report.is_suppressed and report.construct = 'coop_associations'
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
        "from reference.linking_decisions"
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
