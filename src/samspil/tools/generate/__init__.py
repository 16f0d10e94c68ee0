"""Synthetic raw exports of the samspil study, with the planted truth beside them.

``generate(out_dir)`` writes the folder layout of ``docs/raw-exports.md`` (the
four strands and ``truth/``). The same seed and scale give byte-identical files.

``formats`` chooses the export format of each table (``FORMATS``): ``mix`` (the
default, and the shipped demo) is what researchers have on their disks: the
institution survey's responses as SPSS ``.sav``, the association survey's
responses as Danish-Excel CSV (semicolon, Windows-1252), the frames as
``.xlsx``, the discourse strand and the cases strand as REFI-QDA projects
``discourse/discourse.qdpx`` and ``cases/cases.qdpx``. ``csv``, ``danish-csv``
and ``xlsx`` write every table in that format; ``sav`` writes the two responses
tables as ``.sav`` and ``qdpx`` the discourse and cases strands as ``.qdpx``
(the formats hold nothing else), the other tables as CSV. The data are the
same whatever the format; ``truth/`` is always CSV.
Scale 1 is the five study municipalities; scale S multiplies the entity counts
by S and spreads them over min(98, 5 + 2(S - 1)) municipalities, the others
taken from ``seeds/municipalities.csv`` in kommunekode order.
"""

from __future__ import annotations

from pathlib import Path

from samspil.tools.generate.cases import generate_cases
from samspil.tools.generate.discourse import generate_discourse
from samspil.tools.generate.names import ABBREVIATIONS, VARIANT_KIND_SHARES
from samspil.tools.generate.published import planted_figures, targets
from samspil.tools.generate.qdpx import read_justification_codes, write_cases_qdpx, write_qdpx
from samspil.tools.generate.reference import DEFAULT_SEEDS_DIR, load_reference
from samspil.tools.generate.sav import write_sav
from samspil.tools.generate.surveys import generate_surveys
from samspil.tools.generate.world import World, build_world
from samspil.tools.generate.writer import (
    HEADERS,
    TRUTH_ASSOCIATION_KEYS,
    TRUTH_INSTITUTION_KEYS,
    truth_headers,
    write_csv,
    write_danish_csv,
    write_json,
    write_xlsx,
)

__all__ = ["FORMATS", "generate"]

FORMATS = ("mix", "csv", "danish-csv", "xlsx", "sav", "qdpx")

# The realistic mix: the format of each table not written as CSV.
MIX: dict[str, str] = {
    "institution_survey/frame": "xlsx",
    "institution_survey/responses": "sav",
    "association_survey/frame": "xlsx",
    "association_survey/responses": "danish-csv",
    "discourse/documents": "qdpx",
    "discourse/segments": "qdpx",
    "discourse/codings": "qdpx",
    "cases/cases": "qdpx",
    "cases/actors": "qdpx",
    "cases/episodes": "qdpx",
    "cases/episode_participants": "qdpx",
}
SAV_TABLES = frozenset({"institution_survey/responses", "association_survey/responses"})
QDPX_PROJECTS: dict[str, tuple[str, ...]] = {
    "discourse/discourse.qdpx": ("discourse/documents", "discourse/segments", "discourse/codings"),
    "cases/cases.qdpx": (
        "cases/cases",
        "cases/actors",
        "cases/episodes",
        "cases/episode_participants",
    ),
}
"""Each REFI-QDA project and the tables it holds, in the writer's argument order."""
QDPX_TABLES = frozenset(table for tables in QDPX_PROJECTS.values() for table in tables)


def table_format(table: str, formats: str) -> str:
    """The format `table` (`<strand>/<stem>`) is written in under `formats`."""
    if formats == "mix":
        return MIX[table]
    if formats == "sav":
        return "sav" if table in SAV_TABLES else "csv"
    if formats == "qdpx":
        return "qdpx" if table in QDPX_TABLES else "csv"
    return formats


def _flag(value: int | None) -> str:
    return "" if value is None else str(value)


def _truth_institutions(world: World) -> list[list[str]]:
    rows = []
    for inst in world.institutions:
        rows.append(
            [
                inst.code,
                inst.kommunekode,
                inst.name,
                inst.institution_type,
                inst.policy_area,
                *[
                    str(inst.truth[wave][key])
                    for key in TRUTH_INSTITUTION_KEYS
                    for wave in world.waves
                ],
            ]
        )
    return sorted(rows)


def _truth_associations(world: World) -> list[list[str]]:
    rows = []
    for assoc in world.associations:
        row = [
            assoc.code,
            assoc.kommunekode,
            assoc.name,
            assoc.cvr,
            assoc.field,
            str(int(assoc.national)),
            *[str(int(wave in assoc.waves)) for wave in world.waves],
        ]
        for wave in world.waves:
            truth = assoc.truth.get(wave, {})
            row.extend(_flag(truth.get(key)) for key in TRUTH_ASSOCIATION_KEYS)
        rows.append(row)
    return sorted(rows)


def _cooperation_rates(world: World) -> list[list[str]]:
    counts: dict[tuple[str, str], int] = {}
    for inst in world.institutions:
        key = (inst.kommunekode, inst.policy_area)
        counts[key] = counts.get(key, 0) + 1
    return sorted(
        [
            code,
            area,
            f"{rates.share('associations'):.3f}",
            f"{rates.share('volunteers'):.3f}",
            f"{rates.cooperating:.3f}",
            str(counts.get((code, area), 0)),
        ]
        for (code, area), rates in world.rates.items()
    )


def generate(
    out_dir: Path,
    seed: int = 2016,
    scale: int = 1,
    seeds_dir: Path | None = None,
    formats: str = "mix",
) -> dict[str, int]:
    """Write a synthetic raw-export folder to ``out_dir``; returns rows written per file."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}")
    if formats not in FORMATS:
        raise ValueError(f"formats must be one of {', '.join(FORMATS)}, not {formats!r}")
    seeds_dir = seeds_dir or DEFAULT_SEEDS_DIR
    reference = load_reference(seeds_dir)
    planted = targets(reference)
    world = build_world(reference, seed, scale, planted)
    institution, association, survey_parameters = generate_surveys(
        reference, world, seed, scale, planted
    )
    discourse = generate_discourse(reference, world, seed, scale)
    cases = generate_cases(world, seed, scale)

    out_dir = Path(out_dir)
    written: dict[str, int] = {}

    headers = {**HEADERS, **truth_headers(world.waves)}

    def put(relative: str, rows: list[list[str]]) -> None:
        written[relative] = write_csv(out_dir, relative, headers[relative], rows)

    tables: dict[str, tuple[list[str], list[list[str]]]] = {
        "institution_survey/frame": ([], institution.frame_rows),
        "institution_survey/responses": (institution.response_header, institution.response_rows),
        "association_survey/frame": ([], association.frame_rows),
        "association_survey/responses": (association.response_header, association.response_rows),
        "discourse/documents": ([], discourse.documents),
        "discourse/segments": ([], discourse.segments),
        "discourse/codings": ([], discourse.codings),
        "cases/cases": ([], sorted(cases.cases)),
        "cases/actors": ([], sorted(cases.actors)),
        "cases/episodes": ([], sorted(cases.episodes)),
        "cases/episode_participants": ([], sorted(cases.participants)),
    }
    for table, (header, rows) in tables.items():
        header = list(header or HEADERS[f"{table}.csv"])
        written_as = table_format(table, formats)
        if written_as == "csv":
            written[f"{table}.csv"] = write_csv(out_dir, f"{table}.csv", header, rows)
        elif written_as == "danish-csv":
            written[f"{table}.csv"] = write_danish_csv(out_dir, f"{table}.csv", header, rows)
        elif written_as == "xlsx":
            written[f"{table}.xlsx"] = write_xlsx(out_dir, f"{table}.xlsx", header, rows)
        elif written_as == "sav":
            path = out_dir / f"{table}.sav"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_sav(path, header, rows, reference, seeds_dir=seeds_dir)
            written[f"{table}.sav"] = len(rows)
    for project, held in QDPX_PROJECTS.items():
        if not any(table_format(table, formats) == "qdpx" for table in held):
            continue
        rows_of = [tables[table][1] for table in held]
        if project == "discourse/discourse.qdpx":
            documents, segments, codings = rows_of
            codes = read_justification_codes(seeds_dir)
            write_qdpx(out_dir / project, documents, segments, codings, codes)
        else:
            cases_rows, actors, episodes, participants = rows_of
            write_cases_qdpx(out_dir / project, cases_rows, actors, episodes, participants)
        written[project] = sum(len(rows) for rows in rows_of)

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
    put("truth/coder_reliability.csv", discourse.reliability)
    put("truth/segments.csv", discourse.segment_truth)
    put("truth/institutions.csv", _truth_institutions(world))
    put("truth/associations.csv", _truth_associations(world))
    put("truth/published_figures.csv", planted_figures(reference, world, institution, association))

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
