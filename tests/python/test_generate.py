"""The synthetic-data generator: deterministic, shaped as the contract says, and its
planted truth agrees with the data it wrote."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from fractions import Fraction
from itertools import combinations, pairwise
from pathlib import Path

import pytest

from samspil.paths import PROJECT_DIR
from samspil.tools.generate import generate
from samspil.tools.generate.associations import valid_cvr
from samspil.tools.generate.reliability import cohen_kappa, nominal_alpha

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
STUDY = {"0461", "0430", "0320", "0230", "0751"}

# The headers of docs/raw-exports.md; the responses' item columns come from the codebook.
CONTRACT_HEADERS: dict[str, list[str]] = {
    "institution_survey/frame.csv": [
        "institution_code",
        "wave",
        "kommunekode",
        "institution_name",
        "institution_type",
        "policy_area_code",
        "leader_email",
        "invited_date",
    ],
    "association_survey/frame.csv": [
        "association_code",
        "wave",
        "kommunekode",
        "association_name",
        "cvr",
        "association_field_code",
        "chair_email",
        "invited_date",
    ],
    "discourse/documents.csv": [
        "document_id",
        "kommunekode",
        "document_type",
        "published_date",
        "title",
        "text",
    ],
    "discourse/segments.csv": [
        "segment_id",
        "document_id",
        "start_offset",
        "end_offset",
        "segment_text",
    ],
    "discourse/codings.csv": ["segment_id", "coder_id", "justification_code", "coded_date"],
    "cases/cases.csv": [
        "case_id",
        "kommunekode",
        "policy_area_code",
        "case_title",
        "start_date",
        "end_date",
    ],
    "cases/actors.csv": [
        "actor_id",
        "case_id",
        "actor_type",
        "actor_name",
        "cvr",
        "contact_person",
        "contact_phone",
    ],
    "cases/episodes.csv": [
        "episode_id",
        "case_id",
        "episode_date",
        "episode_type",
        "outcome",
        "summary",
    ],
    "cases/episode_participants.csv": ["episode_id", "actor_id"],
    "truth/name_variants.csv": [
        "source",
        "record_id",
        "position",
        "variant",
        "variant_kind",
        "entity_type",
        "entity_code",
    ],
    "truth/cooperation_rates.csv": [
        "kommunekode",
        "policy_area_code",
        "planted_probability_associations",
        "planted_probability_volunteers",
        "planted_probability_cooperating",
        "n_institutions",
    ],
    "truth/published_figures.csv": ["figure_id", "planted_value", "numerator", "denominator"],
}
RESPONSE_HEAD = ["response_id", "{code}", "wave", "started_at", "submitted_date"]
RESPONSE_HEAD += ["completion_status"]
RESPONSE_TAIL = ["partner_1", "partner_2", "partner_3", "partner_4", "partner_5", "comment"]


def read(folder: Path, relative: str) -> list[dict[str, str]]:
    with (folder / relative).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(folder: Path, relative: str) -> list[str]:
    with (folder / relative).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def files(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.*"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The demo's data, seed 2016, scale 1, with every table as CSV (the other formats carry
    the same data: test_formats.py)."""
    out = tmp_path_factory.mktemp("generate") / "demo"
    return out, generate(out, seed=2016, scale=1, formats="csv")


def test_same_seed_and_scale_give_byte_identical_files(
    demo: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    first, written = demo
    second = tmp_path / "again"
    assert generate(second, seed=2016, scale=1, formats="csv") == written
    assert files(first) == files(second)
    for relative in files(first):
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_shipped_demo_is_what_the_generator_writes(tmp_path: Path) -> None:
    """raw/demo is `samspil generate --seed 2016 --scale 1` (the mix of formats): regenerate it
    after a change."""
    generated = tmp_path / "demo"
    generate(generated, seed=2016, scale=1)
    shipped = PROJECT_DIR / "raw" / "demo"
    assert files(shipped) == files(generated)
    for relative in files(generated):
        assert (shipped / relative).read_bytes() == (generated / relative).read_bytes(), relative


def test_another_seed_gives_other_data(demo: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    first, _ = demo
    other = tmp_path / "other"
    generate(other, seed=2017, scale=1, formats="csv")
    for relative in (
        "institution_survey/responses.csv",
        "association_survey/frame.csv",
        "discourse/documents.csv",
        "cases/actors.csv",
        "truth/ties.csv",
    ):
        assert (first / relative).read_bytes() != (other / relative).read_bytes(), relative


def test_files_are_utf8_with_unix_line_endings_and_the_returned_counts(
    demo: tuple[Path, dict[str, int]],
) -> None:
    folder, written = demo
    assert sorted(written) == files(folder)
    for relative, rows in written.items():
        data = (folder / relative).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), relative
        assert b"\r\n" not in data, relative
        if relative.endswith(".csv"):
            assert len(read(folder, relative)) == rows, relative


def test_every_file_has_the_contract_header(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    for relative, expected in CONTRACT_HEADERS.items():
        assert header(folder, relative) == expected, relative
    items = read(SEEDS, "survey_items.csv")
    for survey in ("institution", "association"):
        ordered = sorted(
            (row for row in items if row["survey"] == survey), key=lambda r: int(r["item_order"])
        )
        head = [column.format(code=f"{survey}_code") for column in RESPONSE_HEAD]
        expected = head + [row["variable"] for row in ordered] + RESPONSE_TAIL
        assert header(folder, f"{survey}_survey/responses.csv") == expected, survey
    assert header(folder, "truth/ties.csv")[:3] == [
        "institution_code",
        "association_code",
        "first_wave",
    ]


def test_default_scale_volumes(demo: tuple[Path, dict[str, int]]) -> None:
    folder, written = demo
    institution_frame = read(folder, "institution_survey/frame.csv")
    for wave in ("2016", "2018"):
        assert sum(row["wave"] == wave for row in institution_frame) == 818
    association_frame = read(folder, "association_survey/frame.csv")
    for wave in ("2016", "2018"):
        assert 3100 <= sum(row["wave"] == wave for row in association_frame) <= 3300
    assert {row["kommunekode"] for row in institution_frame} == STUDY
    institution_responses = read(folder, "institution_survey/responses.csv")
    rate_2016 = sum(row["wave"] == "2016" for row in institution_responses) / 818
    rate_2018 = sum(row["wave"] == "2018" for row in institution_responses) / 818
    assert 0.50 <= rate_2016 <= 0.60
    assert 0.55 <= rate_2018 <= 0.66
    assert 2800 <= written["association_survey/responses.csv"] <= 3200
    assert 280 <= written["discourse/documents.csv"] <= 320
    assert written["cases/cases.csv"] == 20
    episodes = written["cases/episodes.csv"]
    assert 20 * 12 <= episodes <= 20 * 30
    assert 1500 <= written["truth/ties.csv"] <= 3500


def test_published_figures_are_planted_as_published(demo: tuple[Path, dict[str, int]]) -> None:
    """Each figure the generator plants has, in the drawn population, the published value at
    its published rounding; of two sources that disagree only one is planted."""
    folder, _ = demo
    published = {row["figure_id"]: row for row in read(SEEDS, "published_figures.csv")}
    planted = {row["figure_id"]: row for row in read(folder, "truth/published_figures.csv")}
    assert set(published) - set(planted) == {
        "institution_response_rate_2016_istr",
        "associations_invited_istr",
    }
    for figure_id, row in planted.items():
        figure = published[figure_id]
        value = float(row["planted_value"])
        if row["denominator"]:
            share = int(row["numerator"]) / int(row["denominator"])
            assert value == pytest.approx(100 * share if figure["unit"] == "percent" else share)
        else:
            assert value == int(row["numerator"])
        rounding = float(figure["rounding_unit"])
        assert abs(value - float(figure["value"])) <= rounding / 2, figure_id

    institutions = read(folder, "institution_survey/frame.csv")
    responses = read(folder, "institution_survey/responses.csv")
    first = [row for row in institutions if row["wave"] == "2016"]
    assert planted["institution_leaders_invited_2016"]["numerator"] == str(len(first))
    answered = sum(row["wave"] == "2016" for row in responses)
    assert planted["institution_response_rate_2016_sdu"]["numerator"] == str(answered)
    associations = read(folder, "association_survey/responses.csv")
    answering = sum(row["wave"] == "2016" for row in associations)
    assert planted["associations_answering_2016"]["numerator"] == str(answering)
    truth = read(folder, "truth/institutions.csv")
    either = sum(
        row["coop_associations_2016"] == "1" or row["coop_volunteers_2016"] == "1" for row in truth
    )
    assert planted["institutions_cooperating_istr"]["numerator"] == str(either)
    member = [row for row in read(folder, "truth/associations.csv") if row["in_frame_2018"] == "1"]
    with_administration = sum(
        row["coop_municipal_2018"] == "1" or row["coop_administration_2018"] == "1"
        for row in member
    )
    planted_row = planted["associations_cooperating_incl_administration_2018"]
    assert planted_row["numerator"] == str(with_administration)
    assert planted_row["denominator"] == str(len(member))


def test_panel_and_partial_completes(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    for survey, prefix in (("institution", "IS"), ("association", "AS")):
        rows = read(folder, f"{survey}_survey/responses.csv")
        ids = [row["response_id"] for row in rows]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert all(i.startswith((f"{prefix}16-", f"{prefix}18-")) for i in ids)
        for row in rows:
            window = ("2016-03-01", "2016-05-31") if row["wave"] == "2016" else None
            window = window or ("2018-03-01", "2018-05-31")
            assert window[0] <= row["started_at"][:10] <= window[1]
            if row["completion_status"] == "partial":
                assert row["submitted_date"] == ""
        partial = sum(row["completion_status"] == "partial" for row in rows) / len(rows)
        assert 0.03 <= partial <= 0.09
        code = f"{survey}_code"
        first = {row[code] for row in rows if row["wave"] == "2016"}
        second = {row[code] for row in rows if row["wave"] == "2018"}
        assert len(first & second) / len(first) >= 0.6


def test_every_name_variant_is_in_the_data_where_the_truth_says(
    demo: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = demo
    written: dict[tuple[str, str, str], str] = {}
    for source in ("institution_survey", "association_survey"):
        for row in read(folder, f"{source}/responses.csv"):
            for position in range(1, 6):
                if row[f"partner_{position}"]:
                    key = (source, row["response_id"], str(position))
                    written[key] = row[f"partner_{position}"]
    for row in read(folder, "cases/actors.csv"):
        written[("cases", row["actor_id"], "0")] = row["actor_name"]
    truth = read(folder, "truth/name_variants.csv")
    by_key = {(row["source"], row["record_id"], row["position"]): row for row in truth}
    assert len(by_key) == len(truth)
    assert set(by_key) == set(written)
    for key, row in by_key.items():
        assert written[key] == row["variant"], key
    kinds = {row["variant_kind"] for row in truth}
    assert kinds == {
        "exact",
        "case_punctuation",
        "missing_space",
        "afd_suffix",
        "abbreviation",
        "typo",
        "with_cvr",
        "cvr_only",
        "informal",
    }
    institutions = {row["institution_code"] for row in read(folder, "truth/institutions.csv")}
    associations = {row["association_code"]: row for row in read(folder, "truth/associations.csv")}
    for row in truth:
        if row["entity_type"] == "institution":
            assert row["entity_code"] in institutions
        elif row["entity_type"] == "association":
            assert row["entity_code"] in associations
            if row["variant_kind"] in ("with_cvr", "cvr_only"):
                assert associations[row["entity_code"]]["cvr"] in row["variant"]
        else:
            assert (row["entity_type"], row["entity_code"]) == ("volunteer_group", "")


def test_segments_point_at_their_text_in_code_points(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    texts = {row["document_id"]: row["text"] for row in read(folder, "discourse/documents.csv")}
    segments = read(folder, "discourse/segments.csv")
    by_document: dict[str, list[tuple[int, int]]] = {}
    for row in segments:
        start, end = int(row["start_offset"]), int(row["end_offset"])
        assert texts[row["document_id"]][start:end] == row["segment_text"], row["segment_id"]
        by_document.setdefault(row["document_id"], []).append((start, end))
    for spans in by_document.values():
        assert 2 <= len(spans) <= 5
        ordered = sorted(spans)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(ordered))
    assert any(set("æøå") & set(row["segment_text"]) for row in segments)
    astral = [d for d, text in texts.items() if any(ord(char) > 0xFFFF for char in text)]
    assert astral, "no document with a character outside the Basic Multilingual Plane"
    assert any(
        start > min(i for i, char in enumerate(texts[d]) if ord(char) > 0xFFFF)
        for d in astral
        for start, _ in by_document[d]
    ), "no segment starts after an astral character"


def test_codings_and_agreement_truth(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    codes = {row["justification_code"] for row in read(SEEDS, "justification_codes.csv")}
    codings = read(folder, "discourse/codings.csv")
    assert {row["justification_code"] for row in codings} <= codes
    coders_per_segment: dict[str, int] = {}
    for row in codings:
        coders_per_segment[row["segment_id"]] = coders_per_segment.get(row["segment_id"], 0) + 1
    segments = {row["segment_id"] for row in read(folder, "discourse/segments.csv")}
    assert set(coders_per_segment) == segments
    multiple = sum(n >= 2 for n in coders_per_segment.values()) / len(segments)
    assert 0.35 <= multiple <= 0.55
    agreement = {
        row["justification_code"]: row for row in read(folder, "truth/coder_agreement.csv")
    }
    assert set(agreement) == codes | {"overall"}
    assert 0.6 <= float(agreement["overall"]["realised_pairwise_agreement"]) <= 0.85


def test_reliability_formulas_give_the_textbook_values() -> None:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability": binary, two
    coders, alpha 0.095; nominal, four coders with missing values, alpha 0.743. Cohen's
    kappa: 10 units, 4 yes-yes, 1 yes-no, 2 no-yes, 3 no-no, kappa 0.4."""
    binary = [("0", "1"), ("1", "1"), ("0", "1"), ("0", "0"), ("0", "0")]
    binary += [("0", "1"), ("0", "0"), ("0", "0"), ("1", "0"), ("0", "0")]
    assert nominal_alpha(Counter(unit) for unit in binary) == Fraction(16, 168)
    observers = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    units = [
        Counter(v for v in unit if v != ".")
        for unit in zip(*map(str.split, observers), strict=True)
    ]
    assert nominal_alpha(units) == 1 - Fraction(39 * 8, 1216)
    assert round(float(nominal_alpha(units)), 3) == 0.743
    assert nominal_alpha([Counter("aa"), Counter("aaa")]) is None  # no variation: undefined
    kappa = [("y", "y")] * 4 + [("y", "n")] + [("n", "y")] * 2 + [("n", "n")] * 3
    assert cohen_kappa(kappa) == Fraction(2, 5)
    assert cohen_kappa([("y", "y")] * 3) is None


def test_reliability_truth_covers_every_code_frame_and_coder_pair(
    demo: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = demo
    codebook = read(SEEDS, "justification_codes.csv")
    rows = read(folder, "truth/coder_reliability.csv")
    subjects = {(row["level"], row["subject"]) for row in rows}
    coders = sorted({row["coder_id"] for row in read(folder, "discourse/codings.csv")})
    assert len(coders) == 4
    assert subjects == (
        {("code", row["justification_code"]) for row in codebook}
        | {("frame", row["frame_code"]) for row in codebook}
        | {("overall", "overall")}
        | {("coder_pair", f"{a}-{b}") for a, b in combinations(coders, 2)}
    )
    for row in rows:
        realised, expected = float(row["realised_value"]), float(row["expected_value"])
        assert 0.3 <= realised <= 0.95, row
        assert 0.5 <= expected <= 0.85, row
        assert int(row["unit_count"]) >= 100, row


def test_ties_only_within_a_municipality(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    institutions = {
        row["institution_code"]: row["kommunekode"]
        for row in read(folder, "truth/institutions.csv")
    }
    associations = {
        row["association_code"]: row["kommunekode"]
        for row in read(folder, "truth/associations.csv")
    }
    ties = read(folder, "truth/ties.csv")
    assert ties
    for tie in ties:
        assert institutions[tie["institution_code"]] == associations[tie["association_code"]]
        assert tie["first_wave"] in ("2016", "2018")


def test_cvr_numbers_pass_modulus_11_and_are_unique(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    associations = read(folder, "truth/associations.csv")
    numbers = [row["cvr"] for row in associations if row["cvr"]]
    assert all(valid_cvr(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    assert 0.65 <= len(numbers) / len(associations) <= 0.75
    assert valid_cvr("12345674")
    assert not valid_cvr("12345678")


def test_episode_participants_include_an_institution_and_an_association(
    demo: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = demo
    actors = {row["actor_id"]: row for row in read(folder, "cases/actors.csv")}
    types: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for row in read(folder, "cases/episode_participants.csv"):
        actor = actors[row["actor_id"]]
        assert row["episode_id"].startswith(actor["case_id"] + "-")
        types.setdefault(row["episode_id"], set()).add(actor["actor_type"])
        counts[row["episode_id"]] = counts.get(row["episode_id"], 0) + 1
    assert all({"institution", "association"} <= found for found in types.values())
    assert all(2 <= n <= 4 for n in counts.values())
    episodes = {row["episode_id"] for row in read(folder, "cases/episodes.csv")}
    assert set(counts) == episodes


def test_scale_above_one_needs_the_municipality_seed(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "municipalities.csv").unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError, match=r"municipalities\.csv"):
        generate(tmp_path / "out", scale=2, seeds_dir=seeds)
