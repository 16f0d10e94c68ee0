"""SACRO's output checker (acro) on every release table, against the warehouse's flags.

acro runs in its own environment (`make acro-env`: it declares pandas<=2.3.3, the warehouse
runs pandas 3.1) on the unit-level data behind each release table, written here as
Parquet files from the demo's working file, with its frequency threshold set to
min_cell_size. Each of its cell verdicts is compared with the cell's `is_suppressed` in
the published release file; where they differ, the difference must be one the docs list
(doc block disclosure_control, "ACRO's verdicts"): complementary suppression (acro does
no secondary suppression), everyone alike (acro's crosstab of a mean does not check it),
acro's dominance rules for magnitude tables applied to 0/1 answers, and the tables that
are not about persons.
"""

from __future__ import annotations

import csv
import json
import subprocess
from collections import Counter
from collections.abc import Callable

import duckdb
import pytest

from samspil.paths import PROJECT_DIR, release_file

from conftest import Build

MIN_CELL_SIZE = 5
ACRO_PYTHON = PROJECT_DIR / ".venv-acro" / "bin" / "python"
CHECKER = PROJECT_DIR / "tools" / "acro" / "check_tables.py"
DOMINANCE = {"NKCheck", "PPercentCheck"}

ANSWERS = """
    select
        answers.survey, answers.survey_item_id, answers.kommunekode, answers.policy_area_code,
        answers.wave, answers.answer_value, items.topic
    from intermediate.int_survey_answers_weighted as answers
    inner join reference.survey_items as items
        on answers.survey_item_id = items.survey_item_id
"""

PAIRS = """
    with responses as (
        select response_id, survey, coalesce(institution_id, association_id) as unit_id,
            kommunekode, wave
        from intermediate.int_survey_responses_unioned
    ),
    answers as (
        select response_id, survey_item_id, answer_status, answer_value
        from staging.stg_institution_survey__answers
        union all
        select response_id, survey_item_id, answer_status, answer_value
        from staging.stg_association_survey__answers
    ),
    valid as (
        select responses.survey, responses.unit_id, responses.kommunekode, responses.wave,
            answers.survey_item_id,
            case when items.topic = 'attitude' then 'mean' else 'share_yes' end as statistic,
            case
                when items.topic = 'attitude' then answers.answer_value
                when answers.answer_value = 1 then 1 else 0
            end as value
        from answers
        inner join responses on answers.response_id = responses.response_id
        inner join reference.survey_items as items
            on answers.survey_item_id = items.survey_item_id
        where answers.answer_status = 'valid'
            and (items.topic = 'attitude'
                or (items.topic = 'cooperation' and items.value_set = 'yes_no'))
    ),
    waves as (
        select wave as from_wave, lead(wave) over (order by wave) as to_wave
        from reference.survey_waves
    )
    select first.survey, first.kommunekode, first.survey_item_id, first.statistic,
        waves.from_wave, waves.to_wave, second.value - first.value as change
    from valid as first
    inner join waves on first.wave = waves.from_wave
    inner join valid as second
        on first.unit_id = second.unit_id and first.survey = second.survey
        and first.survey_item_id = second.survey_item_id and second.wave = waves.to_wave
"""

FRAMES = """
    with frames as (
        select 'institution' as survey, institution_id as unit_id, kommunekode,
            policy_area_code as stratum, wave
        from staging.stg_institution_survey__frame
        union all
        select 'association', association_id, kommunekode, association_field_code, wave
        from staging.stg_association_survey__frame
    ),
    responses as (
        select distinct coalesce(institution_id, association_id) as unit_id, wave
        from intermediate.int_survey_responses_unioned
    )
    select frames.*, case when responses.unit_id is null then 0 else 1 end as responded
    from frames
    left join responses using (unit_id, wave)
"""

TIES = """
    with evidence as (
        select institution_id, association_id, wave,
            max(case when evidence_type = 'named_by_institution' then 1 else 0 end)
            * max(case when evidence_type = 'named_by_association' then 1 else 0 end)
                as reciprocated
        from intermediate.int_cooperation_evidence_unioned
        where evidence_type in ('named_by_institution', 'named_by_association')
        group by all
    ),
    institutions as (
        select institution_id, min(kommunekode) as kommunekode
        from staging.stg_institution_survey__frame group by all
    )
    select institutions.kommunekode, evidence.wave, evidence.reciprocated
    from evidence inner join institutions using (institution_id)
"""

SEGMENT_FRAMES = """
    with segments as (
        select distinct segment_id, kommunekode, document_type, publication_year
        from marts.fct_coded_segments
    ),
    frames as (select distinct frame_code from marts.dim_justification_codes),
    carried as (select distinct segment_id, frame_code from marts.fct_coded_segments)
    select segments.kommunekode, segments.document_type,
        cast(segments.publication_year as varchar) as publication_year, frames.frame_code,
        case when carried.segment_id is null then 0 else 1 end as carries
    from segments cross join frames
    left join carried
        on segments.segment_id = carried.segment_id and frames.frame_code = carried.frame_code
"""

CASES = """
    select cast(quarter_index as varchar) as quarter_index, episode_type, case_id,
        count(*) as episodes
    from marts.fct_cooperation_episodes
    group by all
"""

CODER_PAIRS = """
    with categories as (
        select segment_id, coder_id, string_agg(justification_code, '+' order by
            justification_code) as category
        from marts.fct_coded_segments group by all
    )
    select first.coder_id || '-' || second.coder_id as coder_pair_id, 'all' as every,
        case when first.category = second.category then 1 else 0 end as agrees
    from categories as first
    inner join categories as second
        on first.segment_id = second.segment_id and first.coder_id < second.coder_id
"""

CODED = """
    select distinct justification_code, segment_id, 'all' as every
    from marts.fct_coded_segments
"""


FIGURE_ANSWERS = """
    select survey, survey_item_id, kommunekode, wave,
        case when answer_value = 1 then 1 else 0 end as y
    from intermediate.int_survey_answers_weighted
"""


def _figure_entries() -> list[tuple[dict, str, Callable[[list[str]], str | None]]]:
    """One crosstab per published figure (seed published_figures), of the units behind
    it: the valid answers to its item (a share), the units invited, or the returned
    questionnaires; a response rate is the mean of responded over those invited."""
    with (PROJECT_DIR / "seeds" / "published_figures.csv").open(encoding="utf-8") as handle:
        figures = list(csv.DictReader(handle))
    entries = []
    for figure in figures:
        where = f"wave = {int(figure['wave'])}"
        if figure["domain_level"] == "municipality":
            where += f" and kommunekode = '{figure['domain_code']}'"
        if figure["statistic"] == "share_yes":
            crosstab = {"index": ["survey_item_id"], "columns": ["wave"], "values": "y"}
            where += f" and survey_item_id = '{figure['survey_item_id']}'"
            query = f"select * from ({FIGURE_ANSWERS}) where {where}"
        else:
            values = "responded" if figure["statistic"] == "response_rate" else None
            crosstab = {"index": ["survey"], "columns": ["wave"], "values": values}
            where += f" and survey = '{figure['survey']}'"
            if figure["statistic"] == "responded_count":
                where += " and responded = 1"
            query = f"select * from ({FRAMES}) where {where}"
        entries.append(
            (crosstab, query, lambda key, figure=figure: f"figure-{figure['figure_id']}")
        )
    return entries


def _entries() -> list[tuple[dict, str, Callable[[list[str]], str | None]]]:
    """(acro's crosstab, the query of its unit-level data, cell key → release cell)."""
    entries = []
    for item in ("institution__coop_associations", "institution__coop_volunteers"):
        where = f"select *, case when answer_value = 1 then 1 else 0 end as y from ({ANSWERS}) "
        where += f"where survey_item_id = '{item}'"
        entries += [
            (
                {"index": ["kommunekode", "policy_area_code"], "columns": ["wave"], "values": "y"},
                where,
                lambda key, item=item: (
                    f"estimate-{item}-share_yes-{key[2]}-municipality_area-{key[0]}-{key[1]}"
                ),
            ),
            (
                {"index": ["kommunekode"], "columns": ["wave"], "values": "y"},
                where,
                lambda key, item=item: f"estimate-{item}-share_yes-{key[1]}-municipality-{key[0]}",
            ),
        ]
    for statistic, value in (("mean", "answer_value"), ("share_agreeing", "answer_value >= 4")):
        entries.append(
            (
                {"index": ["survey_item_id"], "columns": ["wave"], "values": "y"},
                f"select *, cast({value} as double) as y from ({ANSWERS}) where topic = 'attitude'",
                lambda key, statistic=statistic: (
                    f"estimate-{key[0]}-{statistic}-{key[1]}-survey-all"
                ),
            )
        )
    for survey in ("institution", "association"):
        data = f"select * from ({FRAMES}) where survey = '{survey}'"
        entries += [
            (
                {"index": ["kommunekode", "stratum"], "columns": ["wave"], "values": "responded"},
                data,
                lambda key, survey=survey: f"response-{survey}-{key[2]}-{key[0]}-{key[1]}",
            ),
            (
                {"index": ["kommunekode"], "columns": ["wave"], "values": "responded"},
                data,
                lambda key, survey=survey: f"response-{survey}-{key[1]}-{key[0]}",
            ),
        ]
    for statistic in ("share_yes", "mean"):
        data = f"select *, cast(change as double) as y from ({PAIRS}) "
        data += f"where statistic = '{statistic}'"
        columns = ["survey_item_id", "from_wave", "to_wave"]
        entries += [
            (
                {"index": ["kommunekode"], "columns": columns, "values": "y"},
                data,
                lambda key, statistic=statistic: (
                    f"panel-{key[1]}-{statistic}-{key[2]}-{key[3]}-municipality-{key[0]}"
                ),
            ),
            (
                {"index": ["survey_item_id"], "columns": ["from_wave", "to_wave"], "values": "y"},
                data,
                lambda key, statistic=statistic: (
                    f"panel-{key[0]}-{statistic}-{key[1]}-{key[2]}-survey-all"
                ),
            ),
        ]
    entries += [
        (
            {"index": ["kommunekode"], "columns": ["wave"], "values": "reciprocated"},
            TIES,
            lambda key: f"tie-{key[0]}-{key[1]}",
        ),
        (
            {
                "index": ["kommunekode", "document_type", "publication_year"],
                "columns": ["frame_code"],
                "values": "carries",
            },
            SEGMENT_FRAMES,
            lambda key: "-".join(key),
        ),
        (
            {"index": ["quarter_index"], "columns": ["episode_type"], "values": "episodes"},
            CASES,
            lambda key: f"{key[0]}-{key[1]}",
        ),
        (
            {"index": ["coder_pair_id"], "columns": ["every"], "values": "agrees"},
            CODER_PAIRS,
            lambda key: key[0],
        ),
        (
            {"index": ["justification_code"], "columns": ["every"], "values": None},
            CODED,
            lambda key: key[0],
        ),
        (
            {"index": ["justification_code"], "columns": ["every"], "values": None},
            CODED,
            lambda key: f"code-{key[0]}",
        ),
    ]
    return entries + _figure_entries()


def _release_flags(build: Build) -> dict[str, tuple[str, bool, str | None]]:
    """Every release cell by its key, with its table, flag and the rule that withheld it
    (the release tier does not say: the working file's primary reason, else
    complementary)."""
    primary = dict(
        build.query_build(
            "select release_cell_id, primary_reason from intermediate.int_release_cells_unioned"
        )
    )
    keys = {
        "rpt_justification_frames": "frame_share_id",
        "rpt_case_timelines": "case_timeline_id",
        "rpt_coder_pair_kappa": "coder_pair_id",
        "rpt_intercoder_agreement": "agreement_id",
        "rpt_intercoder_reliability": "reliability_id",
    }
    flags = {}
    with duckdb.connect(str(release_file(build.warehouse)), read_only=True) as connection:
        for (table,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'release'"
        ).fetchall():
            columns = {
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() "
                    "where schema_name = 'release' and table_name = ?",
                    [table],
                ).fetchall()
            }
            key = keys.get(table, "release_cell_id")
            if key not in columns:
                continue  # provenance: no units to check
            for cell, suppressed in connection.execute(
                f"select {key}, is_suppressed from release.{table}"
            ).fetchall():
                reason = (primary.get(cell) or "complementary") if suppressed else None
                flags[cell] = (table, suppressed, reason)
    return flags


def _classify(outcome: str, flag: tuple[str, bool, str | None] | None) -> str:
    checks = {part.strip() for part in outcome.split(";") if part.strip() and part != "ok"}
    if flag is None:
        return "not published"  # a combination with no unit, or a code nobody used
    table, suppressed, reason = flag
    if bool(checks) == suppressed:
        return "agree"
    if table in (
        "rpt_justification_frames",
        "rpt_case_timelines",
        "rpt_coder_pair_kappa",
        "rpt_intercoder_agreement",
        "rpt_intercoder_reliability",
    ):
        return "not about persons"
    if suppressed and reason in ("complementary", "all_alike"):
        return reason
    if not suppressed and checks <= DOMINANCE:
        return "dominance"
    return f"unexplained: acro {sorted(checks)}, warehouse {reason}"


@pytest.fixture(scope="module")
def verdicts(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    if not ACRO_PYTHON.is_file():
        pytest.fail("no acro environment: `make acro-env` (make test does it)")
    folder = tmp_path_factory.mktemp("acro")
    entries = _entries()
    spec = {"threshold": MIN_CELL_SIZE, "tables": []}
    with duckdb.connect(str(demo_build.build_warehouse), read_only=True) as connection:
        for number, (crosstab, query, _) in enumerate(entries):
            path = folder / f"table_{number}.parquet"
            connection.execute(f"copy ({query}) to '{path}' (format parquet)")
            spec["tables"].append(
                {
                    "name": str(number),
                    "parquet": path.name,
                    "aggfunc": "mean" if crosstab["values"] else None,
                    **crosstab,
                }
            )
    (folder / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    result = subprocess.run(
        [str(ACRO_PYTHON), str(CHECKER), str(folder)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    flags = _release_flags(demo_build)
    found = []
    for (_, _, cell_of), table in zip(
        entries, json.loads((folder / "verdicts.json").read_text(encoding="utf-8")), strict=True
    ):
        for cell in table["cells"]:
            key = cell_of(cell["key"])
            found.append((key, cell["outcome"], _classify(cell["outcome"], flags.get(key))))
    return found


def test_acro_checks_every_release_table_about_units(demo_build: Build, verdicts: list) -> None:
    flags = _release_flags(demo_build)
    checked = {key for key, _, kind in verdicts if kind != "not published"}
    tables = Counter(flags[key][0] for key in checked)
    assert set(tables) == {table for table, _, _ in flags.values()}
    assert all(count > 0 for count in tables.values())


def test_acro_agrees_with_the_warehouse_or_the_docs_say_why(verdicts: list) -> None:
    kinds = Counter(kind for _, _, kind in verdicts)
    print(dict(kinds))
    assert [item for item in verdicts if item[2].startswith("unexplained")] == []
    assert kinds["agree"] > 100
    docs = (PROJECT_DIR / "models" / "release" / "_release__docs.md").read_text(encoding="utf-8")
    for kind in set(kinds) - {"agree", "not published"}:
        assert f"ACRO: {kind}" in docs, kind
