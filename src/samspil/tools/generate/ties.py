"""Who cooperates with whom: the true ties of institutions and associations.

A cooperating institution has 1-6 ties to associations of the same municipality,
preferring associations of a fitting field (:data:`FIELD_AFFINITY`), open ones and ones
tied to few institutions yet; in each later wave most ties continue and new ones are added.
The ties say which of the association survey's questions an association answers yes to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from samspil.tools.generate.associations import Association
from samspil.tools.generate.institutions import Institution

FIELD_AFFINITY: dict[str, dict[str, float]] = {
    "school": {"sport": 5, "children_youth": 4, "culture": 2, "education": 2, "leisure": 1},
    "daycare": {
        "children_youth": 4,
        "sport": 2,
        "culture": 1.5,
        "local_community": 1.5,
        "elderly": 1,
        "leisure": 1,
    },
    "youth": {"sport": 4, "children_youth": 4, "culture": 2, "leisure": 2, "social": 1},
    "elderly": {
        "elderly": 6,
        "social": 3,
        "culture": 1.5,
        "health": 1.5,
        "leisure": 1,
        "local_community": 1,
    },
    "social": {"social": 5, "local_community": 2, "health": 1.5, "sport": 1, "culture": 1},
    "health": {"health": 5, "elderly": 2, "sport": 2, "social": 1.5},
    "culture": {
        "culture": 5,
        "education": 3,
        "leisure": 2,
        "local_community": 2,
        "children_youth": 1,
    },
    "sport": {"sport": 7, "children_youth": 2, "leisure": 1, "health": 1},
}
"""Weight of an association field as partner of an institution of a policy area
(every other field weighs 0.2)."""

TIE_CONTINUES = 0.85
TIE_COUNT_WEIGHTS: dict[str, tuple[int, ...]] = {
    "school": (8, 14, 20, 22, 18, 18),
    "sport": (8, 14, 20, 22, 18, 18),
    "culture": (10, 16, 22, 20, 16, 16),
    "health": (25, 25, 20, 15, 9, 6),
    "social": (20, 24, 22, 16, 10, 8),
    "daycare": (25, 25, 20, 14, 9, 7),
}
DEFAULT_TIE_COUNT_WEIGHTS = (15, 20, 22, 18, 13, 12)
SPREAD_PENALTY = 0.5
"""A partner already tied to k institutions is accepted with openness / (1 + k x this)."""


@dataclass(frozen=True)
class Tie:
    """A true institution-association tie, existing from ``first_wave`` to ``last_wave``."""

    institution_code: str
    association_code: str
    first_wave: int
    last_wave: int

    def active(self, wave: int) -> bool:
        """Whether the tie exists in ``wave``."""
        return self.first_wave <= wave <= self.last_wave


def _pick_partner(
    rng: random.Random,
    area: str,
    by_field: dict[str, list[Association]],
    load: dict[str, int],
    exclude: set[str],
) -> Association | None:
    affinity = FIELD_AFFINITY.get(area, {})
    fields = [f for f in by_field if by_field[f]]
    for _ in range(20):
        chosen_field = rng.choices(fields, weights=[affinity.get(f, 0.2) for f in fields])[0]
        group = by_field[chosen_field]
        for _ in range(30):
            candidate = rng.choice(group)
            if candidate.code in exclude:
                continue
            if rng.random() < candidate.openness / (1 + SPREAD_PENALTY * load[candidate.code]):
                return candidate
    rest = [a for f in fields for a in by_field[f] if a.code not in exclude]
    return rng.choice(rest) if rest else None


def _draw_tie_count(rng: random.Random, area: str) -> int:
    weights = TIE_COUNT_WEIGHTS.get(area, DEFAULT_TIE_COUNT_WEIGHTS)
    return rng.choices(range(1, 7), weights=weights)[0]


def make_ties(
    rng: random.Random,
    institutions: list[Institution],
    associations: list[Association],
    waves: tuple[int, ...],
) -> list[Tie]:
    """The ties of the first wave, then of each later wave: most of the previous wave's
    ties continue (if the association is still in the frame), and new ones are added."""
    by_wave = {
        wave: {
            f: [a for a in associations if a.field == f and wave in a.waves]
            for f in sorted({a.field for a in associations})
        }
        for wave in waves
    }
    exists = {wave: {a.code for a in associations if wave in a.waves} for wave in waves}
    load = {a.code: 0 for a in associations}
    ties: list[Tie] = []
    for inst in institutions:
        first = inst.truth[waves[0]]["coop_associations"]
        chosen: list[str] = []
        if first:
            for _ in range(_draw_tie_count(rng, inst.policy_area)):
                partner = _pick_partner(rng, inst.policy_area, by_wave[waves[0]], load, set(chosen))
                if partner is not None:
                    chosen.append(partner.code)
                    load[partner.code] += 1
        started = dict.fromkeys(chosen, waves[0])
        last = dict.fromkeys(chosen, waves[0])
        current = chosen
        cooperated = first
        for wave in waves[1:]:
            continuing: list[str] = []
            new: list[str] = []
            if inst.truth[wave]["coop_associations"]:
                continuing = [
                    code
                    for code in current
                    if code in exists[wave] and rng.random() < TIE_CONTINUES
                ]
                candidates = [code for code in current if code in exists[wave]]
                if cooperated and not continuing and candidates:
                    continuing = [rng.choice(candidates)]
                if continuing:
                    wanted = len(continuing) + rng.choice((0, 0, 0, 1, 1, 2))
                else:
                    wanted = _draw_tie_count(rng, inst.policy_area)
                while len(continuing) + len(new) < min(6, wanted):
                    partner = _pick_partner(
                        rng, inst.policy_area, by_wave[wave], load, set(started) | set(new)
                    )
                    if partner is None:
                        break
                    new.append(partner.code)
                    load[partner.code] += 1
            for code in continuing:
                last[code] = wave
            for code in new:
                started[code] = wave
                last[code] = wave
            current = continuing + new
            cooperated = inst.truth[wave]["coop_associations"]
        for code, first_wave in started.items():
            ties.append(Tie(inst.code, code, first_wave, last[code]))
    return ties
