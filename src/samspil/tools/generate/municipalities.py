"""The municipalities of the generated world, and how many institutions and
associations each has.

Scale 1 is the five study municipalities, with the published counts split in the
proportions of :data:`BASE_INSTITUTIONS`; scale S adds others of
``seeds/municipalities.csv`` in kommunekode order and spreads S - 1 times the counts over
them by urban/rural class (:func:`spread_counts`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from samspil.tools.generate.names import (
    EMAIL_DOMAINS,
    STUDY_MUNICIPALITIES,
    STUDY_PLACES,
    ascii_slug,
    generic_places,
)
from samspil.tools.generate.reference import Reference

BASE_INSTITUTIONS: dict[str, int] = {"0461": 300, "0430": 170, "0320": 110, "0230": 190, "0751": 48}
"""Relative size of the study municipalities: their institutions and associations are
the published counts split in these proportions (300 : 170 : 110 : 190 : 48)."""

URBAN_RURAL_WEIGHT: dict[str, float] = {"urban": 1.4, "intermediate": 1.0, "rural": 0.75}
"""Relative size of a municipality outside the study, by its urban/rural class."""


@dataclass
class Municipality:
    """A municipality of the generated world."""

    kommunekode: str
    name: str
    places: tuple[str, ...]
    email_domain: str
    is_study: bool
    urban_rural_class: str = ""


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` over the keys in proportion to ``weights`` (largest remainder)."""
    weight_sum = sum(weights.values())
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    left = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - counts[key]), key))
    for key in by_remainder[:left]:
        counts[key] += 1
    return counts


def place_weights(places: tuple[str, ...]) -> list[float]:
    """Weights of drawing each of ``places``: 4 for the first, 2 for the next four, 1 after."""
    return [4.0 if index == 0 else 2.0 if index < 5 else 1.0 for index in range(len(places))]


def select_municipalities(
    reference: Reference, scale: int, rng: random.Random
) -> list[Municipality]:
    """The five study municipalities, then others in kommunekode order for scale > 1."""
    chosen = [
        Municipality(code, name, STUDY_PLACES[code], EMAIL_DOMAINS[code], True)
        for code, name in STUDY_MUNICIPALITIES
    ]
    wanted = min(98, 5 + 2 * (scale - 1))
    if wanted == len(chosen):
        return chosen
    if reference.municipalities is None:
        raise FileNotFoundError(
            "seeds/municipalities.csv is missing: scale > 1 needs it to pick more municipalities"
        )
    study = {code for code, _ in STUDY_MUNICIPALITIES}
    for row in reference.municipalities:
        if len(chosen) >= wanted:
            break
        if row.kommunekode in study:
            continue
        domain = ascii_slug(row.name).replace(".", "") + ".dk"
        places = generic_places(rng, row.name)
        chosen.append(
            Municipality(row.kommunekode, row.name, places, domain, False, row.urban_rural_class)
        )
    return chosen


def spread_counts(
    municipalities: list[Municipality],
    base: dict[str, int],
    scale: int,
    rng: random.Random,
) -> dict[str, int]:
    """Study municipalities keep their base counts; the rest is spread over the others."""
    counts = {m.kommunekode: base[m.kommunekode] for m in municipalities if m.is_study}
    others = [m for m in municipalities if not m.is_study]
    if others:
        weights = {
            m.kommunekode: URBAN_RURAL_WEIGHT.get(m.urban_rural_class, 1.0) * rng.uniform(0.8, 1.25)
            for m in others
        }
        counts.update(allocate(sum(base.values()) * (scale - 1), weights))
    return counts
