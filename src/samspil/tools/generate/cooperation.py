"""Who cooperates: the true cooperation of institutions and associations per wave.

**Institutions.** Per municipality x policy area an institution cooperates with
associations with a propensity (0.55-0.80) and has volunteers with another; together
they say how likely an institution is to do either (1 - (1 - a)(1 - v)). Those
likelihoods are scaled so that their mean over the frame is the published share of
institutions cooperating with associations or volunteers, and exactly that many of the
first wave's institutions do (:func:`exact_draw`); a cooperating institution then works
with associations only, volunteers only or both, in the proportions the two
propensities give. The second wave follows a two-state chain whose stationary
distribution is the planted probability (about 15 % change state), keeping its kind of
cooperation or, now and then, drawing it again; so does every later wave from the one
before it.

**Associations.** A tie to a frame institution of a school, of a day care or youth
institution, or of another area answers the association survey's three questions.
Associations also cooperate with institutions outside the frame (free and private
schools, regional institutions): exactly as many more, chosen with their field's
propensities, as the published 2016 shares need; in 2018 most keep their outside
partners, and as many are added or dropped as make the published share cooperating
with at least one municipal institution. Of those that do not, exactly as many
cooperate with the municipal administration as the published share counting
administrations adds. Every later wave follows the one before it as 2018 follows 2016,
with 2018's shares.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from samspil.tools.generate.published import Targets, planted_count

if TYPE_CHECKING:
    from samspil.tools.generate.associations import Association
    from samspil.tools.generate.institutions import Institution
    from samspil.tools.generate.municipalities import Municipality
    from samspil.tools.generate.ties import Tie

Item = TypeVar("Item")

BASE_P_ASSOCIATIONS: dict[str, float] = {
    "school": 0.74,
    "daycare": 0.62,
    "youth": 0.70,
    "elderly": 0.66,
    "social": 0.62,
    "health": 0.56,
    "culture": 0.77,
    "sport": 0.79,
}
BASE_P_VOLUNTEERS: dict[str, float] = {
    "school": 0.40,
    "daycare": 0.28,
    "youth": 0.42,
    "elderly": 0.80,
    "social": 0.70,
    "health": 0.45,
    "culture": 0.55,
    "sport": 0.50,
}
MUNICIPALITY_EFFECT: dict[str, float] = {
    "0461": 0.02,
    "0430": 0.03,
    "0320": -0.03,
    "0230": 0.0,
    "0751": 0.01,
}
WAVE_CHANGE_COOPERATION = 0.15
"""Share of the institutions that start or stop cooperating between the waves."""
WAVE_CHANGE_KIND = 0.12
"""Probability that an institution cooperating in both waves draws its kind again."""
KINDS = ("associations", "volunteers", "both")

EXTERNAL_RATES: dict[str, tuple[float, float, float]] = {
    "sport": (0.25, 0.02, 0.08),
    "children_youth": (0.25, 0.04, 0.06),
    "culture": (0.15, 0.02, 0.10),
    "education": (0.12, 0.01, 0.08),
    "elderly": (0.01, 0.01, 0.14),
    "social": (0.05, 0.02, 0.16),
    "health": (0.03, 0.01, 0.18),
    "local_community": (0.06, 0.02, 0.07),
    "leisure": (0.04, 0.01, 0.03),
}
"""Per field: propensity (before the boost below) of cooperating with a school, a day care /
SFO / youth club, and another municipal or regional institution outside the frame."""

EXTERNAL_BOOST_TIED = 2.0
EXTERNAL_BOOST_UNTIED = 0.4
"""External cooperation is likelier for associations with ties in the frame (factor)."""
EXTERNAL_KEPT = 0.8
"""Probability that an association keeps its outside partners from one wave to the next."""
ADMINISTRATION_IF_COOPERATING = 0.5
ADMINISTRATION_OTHERWISE = 0.25
"""Probability of cooperating with the municipal administration (first wave)."""

CONSTRUCTS = ("coop_school", "coop_daycare_sfo_youth", "coop_other_institution")
AREA_TO_ASSOCIATION_CONSTRUCT: dict[str, str] = {
    "school": "coop_school",
    "daycare": "coop_daycare_sfo_youth",
    "youth": "coop_daycare_sfo_youth",
}
"""Which association-survey question a tie to an institution of an area answers;
every other area counts as ``coop_other_institution``."""


@dataclass(frozen=True)
class CooperationRates:
    """The planted probabilities of one municipality x policy area."""

    cooperating: float
    """That an institution cooperates with associations or volunteers."""
    associations: float
    """Propensity to cooperate with associations (before the scaling)."""
    volunteers: float
    """Propensity to have volunteers (before the scaling)."""

    def kind_weights(self) -> tuple[float, float, float]:
        """Weights of associations only, volunteers only, both, for a cooperating one."""
        a, v = self.associations, self.volunteers
        return a * (1 - v), (1 - a) * v, a * v

    def share(self, kind: str) -> float:
        """The planted probability of cooperating with associations (or volunteers)."""
        weights = self.kind_weights()
        either = weights[KINDS.index(kind)] + weights[2]
        return self.cooperating * either / sum(weights)


# --------------------------------------------------------------------------- drawing exactly


def choose_weighted(
    rng: random.Random, items: Sequence[Item], weights: Sequence[float], count: int
) -> list[Item]:
    """``count`` of ``items`` without replacement, each with probability growing with its
    weight (Efraimidis and Spirakis' keys u ** (1 / w)); in the items' order."""
    if count == 0:
        return []
    keyed = [
        (rng.random() ** (1 / weight) if weight > 0 else -1.0, index)
        for index, weight in enumerate(weights)
    ]
    chosen = sorted(keyed, key=lambda pair: (-pair[0], pair[1]))[:count]
    if len(chosen) < count or chosen[-1][0] < 0:
        raise ValueError(f"cannot choose {count} of {len(items)} with a positive weight")
    return [items[index] for index in sorted(index for _, index in chosen)]


def exact_draw(rng: random.Random, probabilities: Sequence[float], count: int) -> list[bool]:
    """One Bernoulli draw per probability, then as few as needed redrawn so that exactly
    ``count`` are true: the surplus is undone where it was least likely, the shortfall
    made up where it was most likely."""
    states = [rng.random() < p for p in probabilities]
    surplus = sum(states) - count
    if surplus > 0:
        ones = [index for index, state in enumerate(states) if state]
        undone = choose_weighted(rng, ones, [1 - probabilities[i] for i in ones], surplus)
        for index in undone:
            states[index] = False
    elif surplus < 0:
        zeros = [index for index, state in enumerate(states) if not state]
        added = choose_weighted(rng, zeros, [probabilities[i] for i in zeros], -surplus)
        for index in added:
            states[index] = True
    return states


# --------------------------------------------------------------------------- institutions


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def propensities(
    rng: random.Random, municipality: Municipality, areas: tuple[str, ...]
) -> dict[tuple[str, str], tuple[float, float]]:
    """Per municipality x area: the propensities to cooperate with associations and to have
    volunteers."""
    effect = MUNICIPALITY_EFFECT.get(municipality.kommunekode)
    if effect is None:
        effect = rng.uniform(-0.03, 0.03)
    drawn = {}
    for area in areas:
        p_assoc = BASE_P_ASSOCIATIONS.get(area, 0.65) + effect + rng.uniform(-0.03, 0.03)
        p_vol = BASE_P_VOLUNTEERS.get(area, 0.45) + effect + rng.uniform(-0.04, 0.04)
        drawn[(municipality.kommunekode, area)] = (
            round(_clip(p_assoc, 0.55, 0.80), 3),
            round(_clip(p_vol, 0.15, 0.90), 3),
        )
    return drawn


def planted_rates(
    drawn: dict[tuple[str, str], tuple[float, float]],
    institutions: list[Institution],
    share: float,
) -> dict[tuple[str, str], CooperationRates]:
    """Scale the propensities to do either so that their mean over ``institutions`` is
    ``share``."""

    def either(key: tuple[str, str]) -> float:
        a, v = drawn[key]
        return 1 - (1 - a) * (1 - v)

    mean = sum(either((i.kommunekode, i.policy_area)) for i in institutions) / len(institutions)
    return {
        key: CooperationRates(
            cooperating=round(_clip(either(key) * share / mean, 0.05, 0.90), 3),
            associations=a,
            volunteers=v,
        )
        for key, (a, v) in drawn.items()
    }


def plant_institution_states(
    rng: random.Random,
    institutions: list[Institution],
    rates: dict[tuple[str, str], CooperationRates],
    share: float,
    waves: tuple[int, ...],
) -> None:
    """Set ``truth[wave]`` of every wave of ``waves``, for every institution:
    coop_associations, coop_volunteers."""
    planted = [rates[(inst.kommunekode, inst.policy_area)] for inst in institutions]
    first = exact_draw(
        rng, [rate.cooperating for rate in planted], planted_count(share, len(institutions))
    )
    for inst, rate, cooperates_first in zip(institutions, planted, first, strict=True):
        p = rate.cooperating
        cooperates_by_wave = [cooperates_first]
        for _wave in waves[1:]:
            if cooperates_by_wave[-1]:
                cooperates_by_wave.append(rng.random() >= WAVE_CHANGE_COOPERATION / (2 * p))
            else:
                cooperates_by_wave.append(rng.random() < WAVE_CHANGE_COOPERATION / (2 * (1 - p)))
        kind = ""
        for wave, cooperates in zip(waves, cooperates_by_wave, strict=True):
            if not cooperates:
                kind = ""
            elif not kind or rng.random() < WAVE_CHANGE_KIND:
                kind = rng.choices(KINDS, weights=rate.kind_weights())[0]
            inst.truth[wave] = {
                "coop_associations": int(kind in ("associations", "both")),
                "coop_volunteers": int(kind in ("volunteers", "both")),
            }


# --------------------------------------------------------------------------- associations


def _external_rates(assoc: Association, tied: bool) -> list[float]:
    boost = EXTERNAL_BOOST_TIED if tied else EXTERNAL_BOOST_UNTIED
    return [min(1.0, rate * boost) for rate in EXTERNAL_RATES.get(assoc.field, (0.05, 0.02, 0.06))]


def _any(rates: list[float]) -> float:
    none = 1.0
    for rate in rates:
        none *= 1 - rate
    return 1 - none


def _first_wave_external(
    rng: random.Random,
    members: list[Association],
    tie_flags: dict[str, dict[str, int]],
    targets: Targets,
) -> dict[str, list[int]]:
    external = {assoc.code: [0, 0, 0] for assoc in members}
    for position, construct in enumerate(CONSTRUCTS):
        wanted = planted_count(targets.association_constructs[construct], len(members))
        candidates = [assoc for assoc in members if not tie_flags[assoc.code][construct]]
        missing = wanted - (len(members) - len(candidates))
        if missing < 0:
            raise ValueError(
                f"the frame's ties already give {construct} to {len(members) - len(candidates)} "
                f"associations, more than the published share of {len(members)} ({wanted})"
            )
        weights = [
            _external_rates(assoc, any(tie_flags[assoc.code].values()))[position]
            for assoc in candidates
        ]
        for assoc in choose_weighted(rng, candidates, weights, missing):
            external[assoc.code][position] = 1
    return external


def _second_wave_external(
    rng: random.Random,
    members: list[Association],
    tie_flags: dict[str, dict[str, int]],
    previous: dict[str, list[int]],
    targets: Targets,
) -> dict[str, list[int]]:
    external: dict[str, list[int]] = {}
    for assoc in members:
        rates = _external_rates(assoc, any(tie_flags[assoc.code].values()))
        if assoc.code in previous and rng.random() < EXTERNAL_KEPT:
            external[assoc.code] = list(previous[assoc.code])
        else:
            external[assoc.code] = [int(rng.random() < rate) for rate in rates]
    wanted = planted_count(targets.associations_cooperating, len(members))
    untied = [assoc for assoc in members if not any(tie_flags[assoc.code].values())]
    tied_count = len(members) - len(untied)
    if tied_count > wanted:
        raise ValueError(
            f"the frame's ties already make {tied_count} of {len(members)} associations "
            f"cooperate, more than the published share ({wanted})"
        )
    only_outside = [assoc for assoc in untied if any(external[assoc.code])]
    surplus = tied_count + len(only_outside) - wanted
    if surplus > 0:
        weights = [1 - _any(_external_rates(assoc, False)) for assoc in only_outside]
        for assoc in choose_weighted(rng, only_outside, weights, surplus):
            external[assoc.code] = [0, 0, 0]
    elif surplus < 0:
        alone = [assoc for assoc in untied if not any(external[assoc.code])]
        weights = [_any(_external_rates(assoc, False)) for assoc in alone]
        for assoc in choose_weighted(rng, alone, weights, -surplus):
            rates = _external_rates(assoc, False)
            position = rng.choices(range(len(CONSTRUCTS)), weights=rates)[0]
            external[assoc.code][position] = 1
    return external


def plant_association_truth(
    rng: random.Random,
    associations: list[Association],
    ties: list[Tie],
    institutions: dict[str, Institution],
    targets: Targets,
    waves: tuple[int, ...],
) -> None:
    """Set ``truth[wave]`` of every association, for every wave of ``waves``, from its
    ties and outside partners."""
    ties_of: dict[str, list[Tie]] = {}
    for tie in ties:
        ties_of.setdefault(tie.association_code, []).append(tie)
    external: dict[str, list[int]] = {}
    for wave in waves:
        members = [assoc for assoc in associations if wave in assoc.waves]
        active = {
            assoc.code: [tie for tie in ties_of.get(assoc.code, []) if tie.active(wave)]
            for assoc in members
        }
        tie_flags = {}
        for assoc in members:
            flags = dict.fromkeys(CONSTRUCTS, 0)
            for tie in active[assoc.code]:
                area = institutions[tie.institution_code].policy_area
                flags[AREA_TO_ASSOCIATION_CONSTRUCT.get(area, "coop_other_institution")] = 1
            tie_flags[assoc.code] = flags
        first = wave == waves[0]
        if first:
            external = _first_wave_external(rng, members, tie_flags, targets)
        else:
            external = _second_wave_external(rng, members, tie_flags, external, targets)
        for assoc in members:
            flags = tie_flags[assoc.code]
            n_external = 0
            for construct, flag in zip(CONSTRUCTS, external[assoc.code], strict=True):
                if flag:
                    flags[construct] = 1
                    n_external += rng.randint(1, 2)
            assoc.truth[wave] = {
                "coop_municipal": int(any(flags.values())),
                **flags,
                "coop_administration": 0,
                "n_partners": len(active[assoc.code]) + n_external,
                "n_ties": len(active[assoc.code]),
                "n_external": n_external,
            }
        _plant_administration(rng, [assoc.truth[wave] for assoc in members], first, targets)


def _plant_administration(
    rng: random.Random, truths: list[dict[str, int]], first: bool, targets: Targets
) -> None:
    for truth in truths:
        if truth["coop_municipal"]:
            truth["coop_administration"] = int(rng.random() < ADMINISTRATION_IF_COOPERATING)
        elif first:
            truth["coop_administration"] = int(rng.random() < ADMINISTRATION_OTHERWISE)
    if first:
        return
    wanted = planted_count(targets.associations_cooperating_or_administration, len(truths))
    alone = [truth for truth in truths if not truth["coop_municipal"]]
    chosen = choose_weighted(rng, alone, [1.0] * len(alone), wanted - (len(truths) - len(alone)))
    for truth in chosen:
        truth["coop_administration"] = 1
