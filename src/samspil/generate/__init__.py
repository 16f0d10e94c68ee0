"""Synthetic raw exports of the samspil study, with the planted truth beside them.

``generate(out_dir)`` writes the folder layout of ``docs/raw-exports.md`` (the
four strands and ``truth/``). The same seed and scale give byte-identical files.
Scale 1 is the five study municipalities; scale S multiplies the entity counts
by S and spreads them over min(98, 5 + 2(S - 1)) municipalities, the others
taken from ``seeds/municipalities.csv`` in kommunekode order.
"""

from __future__ import annotations

from pathlib import Path

from samspil.generate.cases import generate_cases
from samspil.generate.discourse import generate_discourse
from samspil.generate.entities import WAVES, World, build_world
from samspil.generate.names import ABBREVIATIONS, VARIANT_KIND_SHARES
from samspil.generate.reference import DEFAULT_SEEDS_DIR, load_reference
from samspil.generate.surveys import generate_surveys
from samspil.generate.writer import HEADERS, write_csv, write_json

__all__ = ["generate"]


def _flag(value: int | None) -> str:
    return "" if value is None else str(value)


def _truth_institutions(world: World) -> list[list[str]]:
    rows = []
    for inst in world.institutions:
        first, second = (inst.truth[wave] for wave in WAVES)
        rows.append(
            [
                inst.code,
                inst.kommunekode,
                inst.name,
                inst.institution_type,
                inst.policy_area,
                str(first["coop_associations"]),
                str(second["coop_associations"]),
                str(first["coop_volunteers"]),
                str(second["coop_volunteers"]),
                str(first["n_ties"]),
                str(second["n_ties"]),
            ]
        )
    return sorted(rows)


def _truth_associations(world: World) -> list[list[str]]:
    keys = (
        "coop_municipal",
        "coop_school",
        "coop_daycare_sfo_youth",
        "coop_other_institution",
        "coop_administration",
        "n_ties",
        "n_external",
    )
    rows = []
    for assoc in world.associations:
        row = [
            assoc.code,
            assoc.kommunekode,
            assoc.name,
            assoc.cvr,
            assoc.field,
            str(int(assoc.national)),
            *[str(int(wave in assoc.waves)) for wave in WAVES],
        ]
        for wave in WAVES:
            truth = assoc.truth.get(wave, {})
            row.extend(_flag(truth.get(key)) for key in keys)
        rows.append(row)
    return sorted(rows)


def _cooperation_rates(world: World) -> list[list[str]]:
    counts: dict[tuple[str, str], int] = {}
    for inst in world.institutions:
        key = (inst.kommunekode, inst.policy_area)
        counts[key] = counts.get(key, 0) + 1
    return sorted(
        [code, area, f"{p_assoc:.3f}", f"{p_vol:.3f}", str(counts.get((code, area), 0))]
        for (code, area), (p_assoc, p_vol) in world.rates.items()
    )


def generate(
    out_dir: Path, seed: int = 2016, scale: int = 1, seeds_dir: Path | None = None
) -> dict[str, int]:
    """Write a synthetic raw-export folder to ``out_dir``; returns rows written per file."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}")
    reference = load_reference(seeds_dir or DEFAULT_SEEDS_DIR)
    world = build_world(reference, seed, scale)
    institution, association, survey_parameters = generate_surveys(reference, world, seed, scale)
    discourse = generate_discourse(reference, world, seed, scale)
    cases = generate_cases(world, seed, scale)

    out_dir = Path(out_dir)
    written: dict[str, int] = {}

    def put(relative: str, rows: list[list[str]], header: list[str] | None = None) -> None:
        written[relative] = write_csv(out_dir, relative, header or HEADERS[relative], rows)

    put("institution_survey/frame.csv", institution.frame_rows)
    put("institution_survey/responses.csv", institution.response_rows, institution.response_header)
    put("association_survey/frame.csv", association.frame_rows)
    put("association_survey/responses.csv", association.response_rows, association.response_header)
    put("discourse/documents.csv", discourse.documents)
    put("discourse/segments.csv", discourse.segments)
    put("discourse/codings.csv", discourse.codings)
    put("cases/cases.csv", sorted(cases.cases))
    put("cases/actors.csv", sorted(cases.actors))
    put("cases/episodes.csv", sorted(cases.episodes))
    put("cases/episode_participants.csv", sorted(cases.participants))

    variants = institution.variants + association.variants + cases.variants
    variants.sort(key=lambda row: (row[0], row[1], int(row[2])))
    put("truth/name_variants.csv", variants)
    put(
        "truth/ties.csv",
        [
            [t.institution_code, t.association_code, str(t.first_wave), str(t.last_wave)]
            for t in world.ties
        ],
    )
    put("truth/cooperation_rates.csv", _cooperation_rates(world))
    put("truth/coder_agreement.csv", discourse.agreement)
    put("truth/segments.csv", discourse.segment_truth)
    put("truth/institutions.csv", _truth_institutions(world))
    put("truth/associations.csv", _truth_associations(world))

    parameters: dict[str, object] = {
        "seed": seed,
        "scale": scale,
        "world": world.parameters,
        "surveys": survey_parameters,
        "discourse": discourse.parameters,
        "cases": cases.parameters,
        "name_variants": {
            "kind_shares": VARIANT_KIND_SHARES,
            "abbreviations": [list(pair) for pair in ABBREVIATIONS],
        },
    }
    written["truth/parameters.json"] = write_json(out_dir, "truth/parameters.json", parameters)
    return dict(sorted(written.items()))
