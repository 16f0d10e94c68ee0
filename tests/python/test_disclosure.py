"""Disclosure control of the release tier, tried by an attacker.

The attacker here shares no code with samspil.disclosure: it reads the published release
file (every release table at once) and what the docs say it may know besides (the
design: each stratum's nonresponse weight and post-stratum, and its invited units, which
the public frame gives in every wave), writes its own linear program of everything
published (scipy's linprog, HiGHS), and for every suppressed cell finds the smallest and
largest value each of its counts can take, in real numbers as the solver audits them, or
in whole numbers (integer programs: stronger). The release tier rounds
its real-valued statistics (var release_decimals): a rounded share or mean stands for
every value within half a unit of its last decimal, and the attacker writes it as the two
inequalities that say so, not as an equation the true counts need not solve. The docs promise a
range at least min_cell_size wide, or as wide as the attacker's knowledge without the release
tier (the frame, the structural facts) allows: a stratum of three invited institutions has
at most three respondents whatever is published. The same attacker, run on the release
tier with only primary suppression (the solver's secondary step off), recovers cells
exactly, and in whole numbers it narrows cells of the release tier rounded to one decimal
more: the tests can fail.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from samspil.disclosure import suppress
from samspil.disclosure.solver import components, digest
from samspil.paths import PROJECT_DIR, release_file

from conftest import Build

VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
MIN_CELL_SIZE = VARS["min_cell_size"]
"""The promised width of every suppressed count's range."""
RELEASE_DECIMALS = VARS["release_decimals"]
"""The decimals the release tier's statistics are rounded to."""

DBT = Path(sys.executable).with_name("dbt")


@dataclass
class System:
    """The attacker's linear system: unknowns ≥ 0, equations, and the suppressed counts."""

    names: dict[str, int] = field(default_factory=dict)
    rows: list[dict[int, float]] = field(default_factory=list)
    right: list[float] = field(default_factory=list)
    public: list[bool] = field(default_factory=list)
    """Per equation: known without the release tier (the frame, a structural fact)."""
    targets: list[tuple[str, str, dict[int, float], float]] = field(default_factory=list)
    """(cell, count, linear form, true value where known to the test)."""
    decimals: int = RELEASE_DECIMALS
    """The decimals the release file's statistics are rounded to."""

    @property
    def half(self) -> float:
        """How far a published share or mean may lie from the value it rounds (a percent:
        100 times this), with a margin for the arithmetic of floating point numbers."""
        return 0.5 * 10.0**-self.decimals + 1e-9

    def unknown(self, name: str) -> int:
        return self.names.setdefault(name, len(self.names))

    def equation(self, terms: dict[str, float], value: float, public: bool = False) -> None:
        row: dict[int, float] = defaultdict(float)
        for name, coefficient in terms.items():
            row[self.unknown(name)] += coefficient
        self.rows.append(dict(row))
        self.right.append(value)
        self.public.append(public)

    def at_most(self, terms: dict[str, float], value: float) -> None:
        """terms ≤ value: an equation with a slack unknown ≥ 0 of its own."""
        self.equation({**terms, f"slack|{len(self.rows)}": 1.0}, value)

    def at_least(self, terms: dict[str, float], value: float) -> None:
        self.equation({**terms, f"slack|{len(self.rows)}": -1.0}, value)

    def between(self, terms: dict[str, float], low: float, high: float) -> None:
        """low ≤ terms ≤ high (one equation where they are equal)."""
        if low == high:
            self.equation(terms, low)
        else:
            self.at_least(terms, low)
            self.at_most(terms, high)

    def target(self, cell: str, count: str, terms: dict[str, float]) -> None:
        self.targets.append(
            (cell, count, {self.unknown(name): value for name, value in terms.items()}, np.nan)
        )

    def ranges(
        self, public_only: bool = False, whole: bool = False
    ) -> list[tuple[str, str, float, float]]:
        """(cell, count, least, greatest) of every target, given every equation or (with
        `public_only`) the public ones alone; with `whole`, of whole-number counts (the
        slacks of rounded statistics stay real). Each target's programs hold the
        equations of the unknowns it names and of every unknown linked to them through
        equations: the others neither constrain it nor are constrained by it (the system
        is feasible: the true counts solve it), so its range is the same, found in a
        program of its part of the system rather than of all of it."""
        size = len(self.names)
        chosen = [index for index in range(len(self.rows)) if self.public[index] or not public_only]
        matrix = sparse.lil_matrix((len(chosen), size))
        for position, index in enumerate(chosen):
            for column, value in self.rows[index].items():
                matrix[position, column] = value
        matrix = matrix.tocsr()
        # Equations and unknowns as one graph, an equation linked to each of its unknowns:
        # the part each belongs to.
        _, part = connected_components(sparse.bmat([[None, matrix], [matrix.T, None]]))
        equation_part, unknown_part = part[: len(chosen)], part[len(chosen) :]
        right = np.asarray(self.right)[chosen]
        names = sorted(self.names, key=self.names.get)
        counts = np.array([whole and not name.startswith("slack|") for name in names], dtype=int)
        found = []
        for cell, count, form, _ in self.targets:
            parts = list({unknown_part[column] for column in form})
            rows = np.flatnonzero(np.isin(equation_part, parts))
            columns = np.flatnonzero(np.isin(unknown_part, parts))
            objective = np.array([form.get(column, 0.0) for column in columns])
            bounds = []
            for sign in (1, -1):
                # Real counts first: where they are unbounded, so are whole ones (a
                # whole-number program says only "unbounded or infeasible").
                for integrality in (None, counts[columns]):
                    result = linprog(
                        sign * objective,
                        A_eq=matrix[rows][:, columns] if len(rows) else None,
                        b_eq=right[rows] if len(rows) else None,
                        bounds=(0, None),
                        integrality=integrality,
                        method="highs",
                    )
                    if result.status == 3 or not whole:  # unbounded, or real counts asked
                        break
                if result.status == 3:
                    bounds.append(sign * -np.inf)
                else:
                    assert result.status == 0, (cell, count, result.message)
                    bounds.append(sign * result.fun)
            found.append((cell, count, bounds[0], bounds[1]))
        return found


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _counts(share: float, base: int, half: float) -> tuple[int, int]:
    """The least and greatest whole number of `base` units whose share the published
    (rounded to within `half`) `share` can be."""
    return math.ceil((share - half) * base), math.floor((share + half) * base)


def _area_weight(weights: dict, area: dict) -> float:
    """The nonresponse weight of an area's stratum (the design's: the attacker knows it)."""
    return weights[("institution", area["wave"], area["kommunekode"], area["policy_area_code"])][0]


def _weighted_share(system: System, share: float, members: list[tuple[str, float]]) -> None:
    """The published weighted `share` of `members` (name, weight: yes and other counts of
    a stratum), within half a unit h of the true one: Σ w (yes − s·units) = 0 for an s in
    [share − h, share + h], that is Σ w·yes ≤ (share + h) Σ w·units and
    Σ w·yes ≥ (share − h) Σ w·units."""
    half = system.half
    for bound, add in ((share + half, system.at_most), (share - half, system.at_least)):
        form = {}
        for name, weight in members:
            form[f"{name}|yes"] = weight * (1 - bound)
            form[f"{name}|other"] = -weight * bound
        add(form, 0.0)


def _cooperation(system: System, release: duckdb.DuckDBPyConnection, weights: dict) -> None:
    """Areas and their municipality: valid answers yes and other per area; the
    municipality's count, unweighted share and weighted share (weights known)."""
    areas = _rows(release, "select * from release.rpt_cooperation_by_municipality_area")
    totals = _rows(release, "select * from release.rpt_cooperation_by_municipality")
    by_municipality = defaultdict(list)
    for area in areas:
        key = (area["survey_item_id"], area["wave"], area["kommunekode"])
        name = f"coop|{area['survey_item_id']}|{area['wave']}|{area['kommunekode']}|"
        name += area["policy_area_code"]
        by_municipality[key].append((name, area))
        yes, other = name + "|yes", name + "|other"
        if area["is_suppressed"]:
            system.target(area["release_cell_id"], "units", {yes: 1, other: 1})
            system.target(area["release_cell_id"], "yes", {yes: 1})
            continue
        system.equation({yes: 1, other: 1}, area["unit_count"])
        system.between(
            {yes: 1}, *_counts(area["unweighted_estimate"], area["unit_count"], system.half)
        )
    for total in totals:
        members = by_municipality[(total["survey_item_id"], total["wave"], total["kommunekode"])]
        units = {f"{name}|{kind}": 1.0 for name, _ in members for kind in ("yes", "other")}
        yeses = {f"{name}|yes": 1.0 for name, _ in members}
        if total["is_suppressed"]:
            system.target(total["release_cell_id"], "units", units)
            system.target(total["release_cell_id"], "yes", yeses)
            continue
        system.equation(units, total["unit_count"])
        system.between(
            yeses, *_counts(total["unweighted_estimate"], total["unit_count"], system.half)
        )
        _weighted_share(
            system,
            total["estimate"],
            [(name, _area_weight(weights, area)) for name, area in members],
        )


def _response(
    system: System, release: duckdb.DuckDBPyConnection, weights: dict, frames: dict
) -> None:
    """Strata (complete, partial, not responded) and municipalities; every stratum's
    invited units (the frame, public); a shown stratum's weight ties its post-stratum's
    invited to its respondents; an area's valid answers are some of its stratum's
    respondents."""
    strata = _rows(release, "select * from release.rpt_response_rates_by_stratum")
    totals = _rows(release, "select * from release.rpt_response_rates")
    by_post_stratum = defaultdict(list)
    by_municipality = defaultdict(list)
    for stratum in strata:
        code = stratum["policy_area_code"] or stratum["association_field_code"]
        key = (stratum["survey"], stratum["wave"], stratum["kommunekode"], code)
        name = "response|" + "|".join(map(str, key))
        by_post_stratum[weights[key][1]].append(name)
        by_municipality[key[:3]].append(name)
        stratum["name"], stratum["key"] = name, key
    for stratum in strata:
        name = stratum["name"]
        invited = {f"{name}|{kind}": 1.0 for kind in ("complete", "partial", "not")}
        responded = {f"{name}|complete": 1.0, f"{name}|partial": 1.0}
        system.equation(invited, frames[stratum["key"]], public=True)
        system.equation(invited, stratum["unit_count"])  # shown in every row: public
        if stratum["is_suppressed"]:
            for count, form in (
                ("responded", responded),
                ("complete", {f"{name}|complete": 1.0}),
            ):
                system.target(stratum["release_cell_id"], count, form)
            continue
        system.equation(responded, stratum["responded_count"])
        system.equation({f"{name}|complete": 1.0}, stratum["complete_count"])
        if stratum["nonresponse_weight"] is not None:
            # The published weight is rounded: the equation takes the design's (known).
            weight, post_stratum = weights[stratum["key"]]
            form: dict[str, float] = defaultdict(float)
            for member in by_post_stratum[post_stratum]:
                form[f"{member}|not"] += 1
                for kind in ("complete", "partial"):
                    form[f"{member}|{kind}"] += 1 - weight
            system.equation(dict(form), 0.0)
    for total in totals:
        members = by_municipality[(total["survey"], total["wave"], total["kommunekode"])]
        invited = {f"{m}|{kind}": 1.0 for m in members for kind in ("complete", "partial", "not")}
        responded = {f"{m}|{kind}": 1.0 for m in members for kind in ("complete", "partial")}
        complete = {f"{m}|complete": 1.0 for m in members}
        system.equation(invited, total["unit_count"])
        if total["is_suppressed"]:
            for count, form in (
                ("responded", responded),
                ("complete", complete),
            ):
                system.target(total["release_cell_id"], count, form)
            continue
        system.equation(responded, total["responded_count"])
        system.equation(complete, total["complete_count"])
    # Valid answers of an item ≤ the stratum's respondents (a slack for the missing).
    areas = _rows(
        release,
        "select distinct survey_item_id, wave from release.rpt_cooperation_by_municipality_area",
    )
    area_names = {
        (row["survey_item_id"], row["wave"], row["kommunekode"], row["policy_area_code"])
        for row in _rows(release, "select * from release.rpt_cooperation_by_municipality_area")
    }
    for item in areas:
        for stratum in strata:
            survey, wave, kommunekode, code = stratum["key"]
            if survey != "institution" or wave != item["wave"]:
                continue
            form = {
                f"{stratum['name']}|complete": -1.0,
                f"{stratum['name']}|partial": -1.0,
                f"missing|{item['survey_item_id']}|{stratum['name']}": 1.0,
            }
            if (item["survey_item_id"], wave, kommunekode, code) in area_names:
                name = f"coop|{item['survey_item_id']}|{wave}|{kommunekode}|{code}"
                form[name + "|yes"] = 1.0
                form[name + "|other"] = 1.0
            system.equation(form, 0.0, public=True)


def _panel(system: System, release: duckdb.DuckDBPyConnection) -> None:
    """Municipalities' pairs (yes/no in each wave, or count and sums) and their total."""
    rows = _rows(release, "select * from release.rpt_panel_change")
    groups = defaultdict(list)
    for row in rows:
        groups[(row["survey_item_id"], row["from_wave"], row["to_wave"])].append(row)
    for (item, first, second), cells in groups.items():
        municipalities = [cell for cell in cells if cell["domain_level"] == "municipality"]
        kinds = (
            ("yes_from", "no_from", "yes_to", "no_to")
            if cells[0]["statistic"] == "share_yes"
            else ("count", "sum_from", "sum_to")
        )
        names = {
            cell["kommunekode"]: f"panel|{item}|{first}|{second}|{cell['kommunekode']}"
            for cell in municipalities
        }
        if cells[0]["statistic"] == "share_yes":
            for name in names.values():  # the pairs answer in both waves
                system.equation(
                    {
                        name + "|yes_to": 1,
                        name + "|no_to": 1,
                        name + "|yes_from": -1,
                        name + "|no_from": -1,
                    },
                    0.0,
                    public=True,
                )
        for cell in cells:
            members = (
                list(names.values())
                if cell["domain_level"] == "survey"
                else [names[cell["kommunekode"]]]
            )

            def form(*chosen: str, members: list[str] = members) -> dict[str, float]:
                return {f"{member}|{kind}": 1.0 for member in members for kind in chosen}

            if kinds[0] == "yes_from":
                units, measures = (
                    form("yes_from", "no_from"),
                    {
                        "from": form("yes_from"),
                        "to": form("yes_to"),
                    },
                )
            else:
                units, measures = form("count"), {}
            if cell["is_suppressed"]:
                system.target(cell["release_cell_id"], "pairs", units)
                for count, measure in measures.items():
                    system.target(cell["release_cell_id"], count, measure)
                continue
            system.equation(units, cell["unit_count"])
            for side in ("from", "to"):
                value, pairs = cell[f"value_{side}"], cell["unit_count"]
                if kinds[0] == "yes_from":
                    system.between(form(f"yes_{side}"), *_counts(value, pairs, system.half))
                else:
                    sums = (value - system.half) * pairs, (value + system.half) * pairs
                    system.between(form(f"sum_{side}"), *sums)


def _ties(system: System, release: duckdb.DuckDBPyConnection) -> None:
    for row in _rows(release, "select * from release.rpt_tie_reciprocity"):
        name = f"tie|{row['kommunekode']}|{row['wave']}"
        ties = {name + "|both": 1.0, name + "|one": 1.0, name + "|other": 1.0}
        both = {name + "|both": 1.0, name + "|one": 1.0}
        if row["is_suppressed"]:
            system.target(row["release_cell_id"], "ties", ties)
            system.target(row["release_cell_id"], "reciprocated", {name + "|both": 1.0})
            system.target(row["release_cell_id"], "both_responded", both)
            continue
        system.equation(ties, row["unit_count"])
        system.equation({name + "|both": 1.0}, row["reciprocated_tie_count"])
        system.equation(both, row["both_responded_tie_count"])


def _attitudes(system: System, release: duckdb.DuckDBPyConnection) -> None:
    """Over all municipalities only: a suppressed cell has nothing to be worked out from."""
    for row in _rows(release, "select * from release.rpt_attitudes_by_sector"):
        if row["is_suppressed"]:
            system.target(row["release_cell_id"], "units", {row["release_cell_id"]: 1.0})


def _in_domain(figure: dict, kommunekode: str) -> bool:
    return figure["domain_level"] == "survey" or figure["domain_code"] == kommunekode


def _figures(system: System, release: duckdb.DuckDBPyConnection, weights: dict) -> None:
    """The study's published figures: a survey's (or municipality's) invited units and
    returned questionnaires are the sums of its strata; a share of an item published by
    municipality and area is the sum of those cells (its weighted share an equation with
    the weights known), of any other item a pair of unknowns of its own."""
    strata = _rows(release, "select * from release.rpt_response_rates_by_stratum")
    areas = _rows(release, "select * from release.rpt_cooperation_by_municipality_area")
    for figure in _rows(release, "select * from release.rpt_published_figures"):
        cell, statistic = figure["release_cell_id"], figure["statistic"]
        if statistic == "share_yes":
            cells = [
                area
                for area in areas
                if (area["survey_item_id"], area["wave"])
                == (figure["survey_item_id"], figure["wave"])
                and _in_domain(figure, area["kommunekode"])
            ]
            names = [
                f"coop|{area['survey_item_id']}|{area['wave']}|{area['kommunekode']}|"
                + area["policy_area_code"]
                for area in cells
            ] or [f"figure|{figure['figure_id']}"]
            units = {f"{name}|{kind}": 1.0 for name in names for kind in ("yes", "other")}
            counts = {"units": units, "yes": {f"{name}|yes": 1.0 for name in names}}
        else:
            members = [
                "response|"
                + "|".join(
                    map(
                        str,
                        (
                            stratum["survey"],
                            stratum["wave"],
                            stratum["kommunekode"],
                            stratum["policy_area_code"] or stratum["association_field_code"],
                        ),
                    )
                )
                for stratum in strata
                if (stratum["survey"], stratum["wave"]) == (figure["survey"], figure["wave"])
                and _in_domain(figure, stratum["kommunekode"])
            ]
            kinds = ("complete", "partial", "not")
            invited = {f"{m}|{kind}": 1.0 for m in members for kind in kinds}
            responded = {f"{m}|{kind}": 1.0 for m in members for kind in kinds[:2]}
            counts = {"units": responded if statistic == "responded_count" else invited}
            if statistic == "response_rate":
                counts["responded"] = responded
        if figure["is_suppressed"]:
            for count, form in counts.items():
                if form is not invited:  # public: the frame
                    system.target(cell, count, form)
            continue
        system.equation(counts["units"], figure["unit_count"])
        # A percent is rounded to two decimals fewer than a share: the same precision.
        if statistic == "response_rate":
            system.between(
                counts["responded"],
                *_counts(figure["estimate"] / 100, figure["unit_count"], system.half),
            )
        if statistic == "share_yes" and cells:
            _weighted_share(
                system,
                figure["estimate"] / 100,
                [
                    (name, _area_weight(weights, area))
                    for name, area in zip(names, cells, strict=True)
                ],
            )


def attack(
    release_path: Path,
    design_path: Path,
    whole: bool = False,
    decimals: int = RELEASE_DECIMALS,
    only: Collection[str] | None = None,
) -> list[tuple[str, str, float, float, float]]:
    """Every suppressed count of the release file (of the cells `only` names, if given)
    with the range the attacker finds (of whole-number counts with `whole`), and how wide
    that range is given the public equations alone (the protection promised is
    min_cell_size or that width, the narrower). The release file's statistics are
    rounded to `decimals`."""
    with duckdb.connect(str(design_path), read_only=True) as design:
        weights, frames = {}, {}
        for survey, wave, kommunekode, code, weight, post_stratum, invited in design.execute(
            "select survey, wave, kommunekode, stratum_code, nonresponse_weight, "
            "post_stratum_id, invited_count from intermediate.int_survey_strata_collapsed"
        ).fetchall():
            weights[(survey, wave, kommunekode, code)] = (weight, post_stratum)
            frames[(survey, wave, kommunekode, code)] = invited
    system = System(decimals=decimals)
    with duckdb.connect(str(release_path), read_only=True) as release:
        _cooperation(system, release, weights)
        _response(system, release, weights, frames)
        _panel(system, release)
        _ties(system, release)
        _attitudes(system, release)
        _figures(system, release, weights)
    if only is not None:
        system.targets = [target for target in system.targets if target[0] in only]
    return [
        (cell, count, low, high, public_high - public_low)
        for (cell, count, low, high), (_, _, public_low, public_high) in zip(
            system.ranges(whole=whole), system.ranges(public_only=True), strict=True
        )
    ]


def _narrow(ranges: list[tuple[str, str, float, float, float]]) -> list[tuple]:
    """The counts the attacker narrows below the protection promised."""
    return [row for row in ranges if row[3] - row[2] < min(MIN_CELL_SIZE, row[4]) - 1e-6]


def _protected_release(demo_build: Build) -> Path:
    return release_file(demo_build.warehouse)


def test_the_attacker_finds_every_suppressed_count_in_a_wide_range(demo_build: Build) -> None:
    """The promise, tried by the stronger attacker: counts are whole numbers. (The solver
    audits real-number ranges; whole numbers can narrow them further, as the rounding to
    one more decimal shows below.)"""
    ranges = attack(_protected_release(demo_build), demo_build.build_warehouse, whole=True)
    cells = {cell for cell, *_ in ranges}
    assert len(cells) >= 40  # the demo has primary and complementary suppressions
    assert _narrow(ranges) == []


def _build_release(working: Path, target: Path, variables: str = "{}") -> None:
    """dbt's run of the release models on `working`, with the pattern written there (their
    data tests ran in the demo build), and dbt's `variables`. Run in the working file's
    folder and named relative to it, as every such run here is: the profile is the same
    for each, and with one dbt target folder (`target`) dbt parses the project once for
    those with the same variables."""
    result = subprocess.run(
        [
            str(DBT),
            "run",
            "--select",
            "staging.disclosure",
            "staging.validation",
            "release",
            "--vars",
            variables,
            "--target-path",
            str(target),
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "-q",
        ],
        cwd=working.parent,
        env={**os.environ, "SAMSPIL_BUILD_WAREHOUSE": working.name, "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def release_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dbt target folder of the module's release runs (`_build_release`)."""
    return tmp_path_factory.mktemp("release_target")


@pytest.fixture(scope="module")
def primary_only(
    demo_build: Build, release_target: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo's release tier as it was before complementary suppression: a copy of the
    working file, the pattern written with the solver's secondary step off, and dbt's
    run of the release models on it."""
    folder = tmp_path_factory.mktemp("primary_only")
    working = folder / "samspil.duckdb"
    shutil.copy(demo_build.build_warehouse, working)
    outcome = suppress(working, demo_build.target / "manifest.json", secondary=False)
    assert outcome.complementary == 0 and outcome.narrow
    _build_release(working, release_target)
    return working


def test_the_attacker_recovers_cells_of_primary_suppression(
    demo_build: Build, primary_only: Path
) -> None:
    ranges = attack(primary_only, demo_build.build_warehouse)
    exact = {(cell, count): low for cell, count, low, high, _ in ranges if high - low < 0.5}
    cells = {cell for cell, _ in exact}
    assert len(cells) >= 10, exact
    # Faaborg-Midtfyn, health, 2018: 62 of 105 minus 59 of 101 in the shown cells = 3 of 4.
    cell = "estimate-institution__coop_associations-share_yes-2018-municipality_area-0430-health"
    assert round(exact[(cell, "units")]) == 4
    assert round(exact[(cell, "yes")]) == 3


SMALL_MUNICIPALITY = "response-institution-2016-0751"
"""A municipality's row of rpt_response_rates (Aarhus, one housing area: the fewest
institutions invited) that the next tests treat as a small cell."""


def _release_with_a_small_municipality(
    demo_build: Build, folder: Path, release_target: Path, figures_in_system: bool
) -> Path:
    """The demo's release tier as if SMALL_MUNICIPALITY had fewer than min_cell_size units
    invited: a copy of the working file with the cell marked small, the pattern solved
    again and dbt's build of the release models. With `figures_in_system` false the
    solver does not see the published figures' equations (their cells are shown, as the
    figures' own rule of min_cell_size units did)."""
    working = folder / "samspil.duckdb"
    shutil.copy(demo_build.build_warehouse, working)
    with duckdb.connect(str(working)) as connection:
        connection.execute(
            "update intermediate.int_release_cells_unioned set primary_reason = 'small_cell' "
            "where release_cell_id = ?",
            [SMALL_MUNICIPALITY],
        )
        if not figures_in_system:
            connection.execute(
                "delete from intermediate.int_release_terms_unioned "
                "where release_cell_id like 'figure-%'"
            )
    suppress(working, demo_build.target / "manifest.json")
    _build_release(working, release_target)
    return working


def _municipality_ranges(
    ranges: list[tuple[str, str, float, float, float]],
) -> dict[str, tuple[float, float]]:
    """The attacker's `ranges` of SMALL_MUNICIPALITY's counts (its invited units are
    public: not among them)."""
    found = {
        count: (low, high) for cell, count, low, high, _ in ranges if cell == SMALL_MUNICIPALITY
    }
    assert set(found) == {"responded", "complete"}
    return found


def test_a_published_figure_cannot_undo_a_suppressed_response_row(
    demo_build: Build, release_target: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The survey's published invited count and response rate are the sums of its
    municipalities' rows: with them in the system, the solver withholds enough that the
    attacker, reading rpt_published_figures too, still finds every count of the small
    municipality (and every other suppressed count) in a wide range."""
    folder = tmp_path_factory.mktemp("small_municipality")
    release = _release_with_a_small_municipality(
        demo_build, folder, release_target, figures_in_system=True
    )
    with duckdb.connect(str(release), read_only=True) as connection:
        shown_figures = connection.execute(
            "select count(*) from release.rpt_published_figures "
            "where not is_suppressed and survey = 'institution' and wave = 2016 "
            "and statistic in ('invited_count', 'response_rate')"
        ).fetchone()[0]
    ranges = attack(release, demo_build.build_warehouse)
    assert _narrow(ranges) == []
    assert shown_figures == 3  # the figures are shown: other cells are withheld instead
    assert all(
        high - low >= MIN_CELL_SIZE - 1e-6 for low, high in _municipality_ranges(ranges).values()
    )


def test_a_figure_the_solver_does_not_see_undoes_a_suppressed_response_row(
    demo_build: Build, release_target: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same attacker on a pattern solved without the figures' equations: the survey's
    response rate gives the small municipality's responded count back exactly (the test
    above can fail)."""
    folder = tmp_path_factory.mktemp("figures_unseen")
    release = _release_with_a_small_municipality(
        demo_build, folder, release_target, figures_in_system=False
    )
    ranges = _municipality_ranges(attack(release, demo_build.build_warehouse))
    (responded,) = demo_build.query_build(
        "select responded_count from intermediate.int_response_rates_computed "
        "where 'response-' || response_rate_id = ?",
        SMALL_MUNICIPALITY,
    )[0]
    assert ranges["responded"] == pytest.approx((responded, responded), abs=1e-6)


# ---------------------------------------------------------------------------- the rules


KEY_COLUMNS = {"wave", "from_wave", "to_wave", "is_suppressed"}


def suppression_violations(
    connection: duckdb.DuckDBPyConnection, table: str, public: Collection[str] = ()
) -> list[str]:
    """What breaks the one suppression path in one release table: a suppressed row that
    shows a number, a flag, or its post-stratum (but the columns its model declares
    `public`, known without the release tier); a shown row without a flag."""
    columns = connection.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = 'release' and table_name = ? and database_name = current_database()",
        [table],
    ).fetchall()
    withheld = [
        name
        for name, kind in columns
        if name not in KEY_COLUMNS | set(public)
        and (
            kind in ("INTEGER", "BIGINT", "DOUBLE", "BOOLEAN")
            or kind.startswith("DECIMAL")
            or name == "post_stratum_id"
        )
    ]
    problems = []
    for name in withheld:
        (shown,) = connection.execute(
            f'select count(*) from release.{table} where is_suppressed and "{name}" is not null'
        ).fetchone()
        if shown:
            problems.append(f"{table}: {shown} suppressed rows show {name}")
    (unexplained,) = connection.execute(
        f"select count(*) from release.{table} "
        "where is_suppressed is null or is_suppressed != (suppression_reason is not null)"
    ).fetchone()
    if unexplained:
        problems.append(f"{table}: {unexplained} rows whose flag and reason disagree")
    return problems


def _disclosure_meta(build: Build) -> dict[str, dict]:
    manifest = json.loads((build.target / "manifest.json").read_text())
    return {
        node["name"]: node["config"].get("meta", {}).get("disclosure") or {}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "release"
    }


def test_every_release_table_follows_its_declared_rule(demo_build: Build) -> None:
    meta = _disclosure_meta(demo_build)
    release = release_file(demo_build.warehouse)
    with duckdb.connect(str(release), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'release'"
            ).fetchall()
        }
        assert tables == set(meta)
        problems = []
        for table in sorted(tables):
            declared = meta[table]
            if declared.get("applies") is False:
                assert declared.get("reason"), table
                (suppressed,) = connection.execute(
                    f"select count(*) from release.{table} where is_suppressed"
                ).fetchone()
                assert suppressed == 0, table
            else:
                assert declared.get("applies") is True and declared.get("unit"), table
                problems += suppression_violations(connection, table, declared.get("public", ()))
    assert problems == []


def test_primary_cells_are_suppressed_and_nobody_answered_alike_in_a_shown_cell(
    demo_build: Build,
) -> None:
    primary = dict(
        demo_build.query_build(
            "select release_cell_id, primary_reason from intermediate.int_release_cells_unioned "
            "where primary_reason is not null"
        )
    )
    assert {"small_cell", "all_alike"} <= set(primary.values())
    with duckdb.connect(str(release_file(demo_build.warehouse)), read_only=True) as connection:
        reasons = dict(
            connection.execute(
                " union all ".join(
                    f"select release_cell_id, suppression_reason from release.{table}"
                    for table, declared in _disclosure_meta(demo_build).items()
                    if declared.get("applies")
                )
            ).fetchall()
        )
        alike = connection.execute(
            """
            select release_cell_id from release.rpt_cooperation_by_municipality_area
            where unweighted_estimate in (0, 1)
            union all
            select release_cell_id from release.rpt_cooperation_by_municipality
            where unweighted_estimate in (0, 1)
            union all
            select release_cell_id from release.rpt_attitudes_by_sector
            where statistic = 'share_agreeing' and unweighted_estimate in (0, 1)
            union all
            select release_cell_id from release.rpt_panel_change
            where statistic = 'share_yes' and (value_from in (0, 1) or value_to in (0, 1))
            union all
            select release_cell_id from release.rpt_tie_reciprocity
            where share_reciprocated_when_both_responded in (0, 1)
            """
        ).fetchall()
        strata = connection.execute(
            "select count(*), count(unit_count), count(responded_count) "
            "from release.rpt_response_rates_by_stratum where is_suppressed"
        ).fetchone()
    # Every primary cell is withheld, and no release row says by which rule: each rule
    # bounds the counts it protects (a small cell has 1 to 4 units).
    assert {reasons[cell] for cell in primary} == {"disclosure_control"}
    assert set(reasons.values()) == {None, "disclosure_control"}
    assert alike == []
    # A withheld stratum shows its invited units (the public frame), not its responses.
    assert strata[0] > 0 and strata[1:] == (strata[0], 0)


def test_the_suppression_check_can_fail() -> None:
    with duckdb.connect() as connection:
        connection.execute("create schema release")
        connection.execute(
            "create table release.rpt_good as select * from (values"
            " ('a', 10, 0.5, null, false), ('b', null, null, 'small_cell', true))"
            " as cells(release_cell_id, unit_count, estimate, suppression_reason, is_suppressed)"
        )
        connection.execute(
            "create table release.rpt_leaky as select * from (values"
            " ('a', 3, null, 'small_cell', true), ('b', 4, 0.25, null, true))"
            " as cells(release_cell_id, unit_count, estimate, suppression_reason, is_suppressed)"
        )
        assert suppression_violations(connection, "rpt_good") == []
        leaky = suppression_violations(connection, "rpt_leaky")
        assert len(leaky) == 3, leaky  # units shown, an estimate shown, a flag unexplained


PATTERN = "select * from disclosure.suppression_pattern order by release_cell_id"


def test_same_inputs_same_pattern(demo_build: Build, tmp_path: Path) -> None:
    """The solver run again on the build's working file, without the patterns the build
    kept, solves every component again and writes the pattern the build wrote."""
    working = tmp_path / "samspil.duckdb"
    shutil.copy(demo_build.build_warehouse, working)
    with duckdb.connect(str(working)) as connection:
        connection.execute("drop table disclosure.solved_components")
    outcome = suppress(working, demo_build.target / "manifest.json")
    with duckdb.connect(str(working), read_only=True) as connection:
        after = connection.execute(PATTERN).fetchall()
    assert outcome.complementary > 0 and outcome.reused == 0
    assert after == demo_build.query_build(PATTERN)


def test_a_component_solved_as_it_is_keeps_its_pattern(demo_build: Build, tmp_path: Path) -> None:
    """Run again on the build's working file, the solver takes every component's pattern
    from the build's; a component with a cell newly small is solved again, alone."""
    working = tmp_path / "samspil.duckdb"
    shutil.copy(demo_build.build_warehouse, working)
    manifest = demo_build.target / "manifest.json"
    again = suppress(working, manifest)
    with duckdb.connect(str(working)) as connection:
        assert connection.execute(PATTERN).fetchall() == demo_build.query_build(PATTERN)
        connection.execute(
            "update intermediate.int_release_cells_unioned set primary_reason = 'small_cell' "
            "where release_cell_id = ?",
            [SMALL_MUNICIPALITY],
        )
    assert again.components > 1 and again.reused == again.components and again.rounds == 0
    changed = suppress(working, manifest)
    assert changed.reused == changed.components - 1 and changed.rounds > 0
    with duckdb.connect(str(working), read_only=True) as connection:
        assert connection.execute(
            "select suppression_reason from disclosure.suppression_pattern "
            "where release_cell_id = ?",
            [SMALL_MUNICIPALITY],
        ).fetchall() == [("small_cell",)]


def test_a_new_wave_leaves_the_components_of_the_waves_before_it(demo_build: Build) -> None:
    """A component's costs, and so its pattern, depend on its own cells alone: without the
    2018 wave's cells (and the panel's), every other component is the same, digest and all."""
    cells = demo_build.query_build(
        "select release_cell_id, primary_reason, unit_count, is_structural "
        "from intermediate.int_release_cells_unioned"
    )
    terms = demo_build.query_build(
        "select release_cell_id, measure, atom_id, coefficient, atom_value, is_protected "
        "from intermediate.int_release_terms_unioned"
    )
    (protection,) = demo_build.query_build(
        "select max(protection_width) from intermediate.int_release_cells_unioned"
    )[0]

    def digests(keep) -> set[str]:
        return {
            digest(component, float(protection))
            for component in components(
                [(cell, reason, int(units), bool(structural))
                 for cell, reason, units, structural in cells if keep(cell)],
                [(cell, measure, atom, float(coefficient), float(value), bool(is_protected))
                 for cell, measure, atom, coefficient, value, is_protected in terms
                 if keep(cell)],
            )
        }  # fmt: skip

    every_wave = digests(lambda cell: True)
    before_2018 = digests(lambda cell: "2018" not in cell)
    assert before_2018 and before_2018 < every_wave


# A withheld area of the demo whose whole-number counts the weighted share of its
# municipality pins when that share has one decimal more: Faaborg-Midtfyn, health, 2016.
PINNED_BY_WHOLE_NUMBERS = (
    "estimate-institution__coop_associations-share_yes-2016-municipality_area-0430-health"
)


def test_whole_numbers_narrow_what_real_numbers_leave_wide(
    demo_build: Build, release_target: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The demo's release tier, the same pattern, its statistics rounded to one decimal more
    than the var's: the real-number attacker finds PINNED_BY_WHOLE_NUMBERS's counts wide,
    the whole-number one narrower than promised (its weighted share, with the weights
    known, is an equation that few whole-number fillings of its municipality's withheld
    areas meet). The promise test above can fail on whole numbers; at the var's decimals
    it does not."""
    working = tmp_path_factory.mktemp("one_decimal_more") / "samspil.duckdb"
    shutil.copy(demo_build.build_warehouse, working)
    decimals = RELEASE_DECIMALS + 1
    _build_release(working, release_target, f"{{release_decimals: {decimals}}}")

    def ranges(whole: bool) -> dict[str, tuple[float, float]]:
        found = attack(
            working, working, whole=whole, decimals=decimals, only={PINNED_BY_WHOLE_NUMBERS}
        )
        assert len(found) == 2
        return {count: (low, high) for _, count, low, high, _ in found}

    real, whole = ranges(whole=False), ranges(whole=True)
    (units, share), *_ = demo_build.query_build(
        "select answer_base, unweighted_estimate from intermediate.int_survey_estimates_computed "
        "where 'estimate-' || survey_estimate_id = ?",
        PINNED_BY_WHOLE_NUMBERS,
    )
    for count, true in (("units", units), ("yes", round(share * units))):
        low, high = whole[count]
        assert low - 1e-6 <= true <= high + 1e-6  # sound: the truth is a filling
        assert high - low < MIN_CELL_SIZE <= real[count][1] - real[count][0], (real, whole)
