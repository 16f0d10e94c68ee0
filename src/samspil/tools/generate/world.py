"""The true world: municipalities, institutions, associations, their ties and their leaders.

The frames have as many institutions and associations as the study published (818
institutions; 3,245 associations in the first wave, see
:mod:`samspil.tools.generate.published`), times the scale
(:mod:`samspil.tools.generate.municipalities`, :mod:`samspil.tools.generate.institutions`,
:mod:`samspil.tools.generate.associations`). Who cooperates is planted by
:mod:`samspil.tools.generate.cooperation`, with whom by :mod:`samspil.tools.generate.ties`;
outside partners (free and private schools, regional institutions) add the rest of the
association survey's answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from samspil.tools.generate.associations import (
    ASSOCIATION_CVR_SHARE,
    ASSOCIATION_ONLY_ONE_WAVE,
    Association,
    make_associations,
)
from samspil.tools.generate.cooperation import (
    EXTERNAL_RATES,
    WAVE_CHANGE_COOPERATION,
    WAVE_CHANGE_KIND,
    CooperationRates,
    plant_association_truth,
    plant_institution_states,
    planted_rates,
    propensities,
)
from samspil.tools.generate.institutions import Institution, make_institutions
from samspil.tools.generate.municipalities import (
    BASE_INSTITUTIONS,
    Municipality,
    allocate,
    select_municipalities,
    spread_counts,
)
from samspil.tools.generate.names import person_name, private_email, work_email
from samspil.tools.generate.published import Targets
from samspil.tools.generate.reference import Reference
from samspil.tools.generate.ties import (
    DEFAULT_TIE_COUNT_WEIGHTS,
    FIELD_AFFINITY,
    TIE_CONTINUES,
    TIE_COUNT_WEIGHTS,
    Tie,
    make_ties,
)


@dataclass
class World:
    """Everything true about the generated world."""

    waves: tuple[int, ...]
    """The survey waves of ``seeds/survey_waves.csv``, earliest first."""
    municipalities: list[Municipality]
    institutions: list[Institution]
    associations: list[Association]
    ties: list[Tie]
    rates: dict[tuple[str, str], CooperationRates]
    parameters: dict[str, object]

    def institutions_of(self, kommunekode: str) -> list[Institution]:
        """The institutions of one municipality, in code order."""
        return [inst for inst in self.institutions if inst.kommunekode == kommunekode]

    def associations_of(self, kommunekode: str) -> list[Association]:
        """The associations of one municipality, in code order."""
        return [assoc for assoc in self.associations if assoc.kommunekode == kommunekode]


def _contacts(rng: random.Random, world: World) -> None:
    domains = {m.kommunekode: m.email_domain for m in world.municipalities}
    used: set[str] = set()
    for position, wave in enumerate(world.waves):
        earlier = world.waves[position - 1] if position else None
        for inst in world.institutions:
            previous = inst.leader.get(earlier) if earlier is not None else None
            if previous is not None and rng.random() < 0.9:
                inst.leader[wave] = previous
                inst.leader_email[wave] = inst.leader_email[earlier]
                continue
            leader = person_name(rng, inst.kommunekode)
            email = work_email(leader, domains[inst.kommunekode])
            number = 2
            while email in used:
                email = work_email(f"{leader} {number}", domains[inst.kommunekode])
                number += 1
            used.add(email)
            inst.leader[wave] = leader
            inst.leader_email[wave] = email
        for assoc in world.associations:
            previous = assoc.chair.get(earlier) if earlier is not None else None
            if previous is not None and rng.random() < 0.75:
                assoc.chair[wave] = previous
                assoc.chair_email[wave] = assoc.chair_email[earlier]
            else:
                chair = person_name(rng, assoc.kommunekode)
                assoc.chair[wave] = chair
                assoc.chair_email[wave] = private_email(rng, chair)


def build_world(reference: Reference, seed: int, scale: int, targets: Targets) -> World:
    """Draw the true world for ``seed`` and ``scale`` with the ``targets`` planted."""
    rng = random.Random(f"samspil:{seed}:world")
    municipalities = select_municipalities(reference, scale, rng)
    base_institutions = allocate(targets.institutions_invited, dict(BASE_INSTITUTIONS))
    n_institutions = spread_counts(municipalities, base_institutions, scale, rng)
    base_associations = allocate(targets.associations_invited, dict(BASE_INSTITUTIONS))
    n_associations = spread_counts(municipalities, base_associations, scale, rng)

    institutions: dict[str, list[Institution]] = {}
    associations: dict[str, list[Association]] = {}
    drawn: dict[tuple[str, str], tuple[float, float]] = {}
    cvr_taken: set[str] = set()
    for municipality in municipalities:
        code = municipality.kommunekode
        institutions[code] = make_institutions(
            rng, municipality, n_institutions[code], reference.policy_areas
        )
        associations[code] = make_associations(
            rng,
            municipality,
            n_associations[code],
            reference.association_fields,
            cvr_taken,
            reference.waves,
        )
        drawn.update(propensities(rng, municipality, reference.policy_areas))
    every_institution = [inst for local in institutions.values() for inst in local]
    rates = planted_rates(drawn, every_institution, targets.institutions_cooperating)
    plant_institution_states(
        rng, every_institution, rates, targets.institutions_cooperating, reference.waves
    )

    ties: list[Tie] = []
    for municipality in municipalities:
        local_ties = make_ties(
            rng,
            institutions[municipality.kommunekode],
            associations[municipality.kommunekode],
            reference.waves,
        )
        ties_of: dict[str, list[Tie]] = {}
        for tie in local_ties:
            ties_of.setdefault(tie.institution_code, []).append(tie)
        for inst in institutions[municipality.kommunekode]:
            for wave in reference.waves:
                n_ties = sum(1 for t in ties_of.get(inst.code, []) if t.active(wave))
                inst.truth[wave]["n_partners"] = n_ties
                inst.truth[wave]["n_ties"] = n_ties
                if n_ties == 0:
                    inst.truth[wave]["coop_associations"] = 0
        ties.extend(local_ties)
    every_association = [assoc for local in associations.values() for assoc in local]
    by_code = {inst.code: inst for inst in every_institution}
    plant_association_truth(rng, every_association, ties, by_code, targets, reference.waves)

    ties.sort(key=lambda t: (t.institution_code, t.association_code))
    world = World(
        waves=reference.waves,
        municipalities=municipalities,
        institutions=every_institution,
        associations=every_association,
        ties=ties,
        rates=rates,
        parameters={
            "n_municipalities": len(municipalities),
            "municipalities": [m.kommunekode for m in municipalities],
            "institutions_per_municipality": n_institutions,
            "associations_per_wave_per_municipality": n_associations,
            "wave_change_share_cooperating": WAVE_CHANGE_COOPERATION,
            "wave_change_share_kind": WAVE_CHANGE_KIND,
            "tie_continues_probability": TIE_CONTINUES,
            "tie_count_weights": {
                **{area: list(w) for area, w in TIE_COUNT_WEIGHTS.items()},
                "default": list(DEFAULT_TIE_COUNT_WEIGHTS),
            },
            "field_affinity": FIELD_AFFINITY,
            "external_cooperation_rates": {f: list(r) for f, r in EXTERNAL_RATES.items()},
            "association_cvr_share": ASSOCIATION_CVR_SHARE,
            "association_only_one_wave_share": ASSOCIATION_ONLY_ONE_WAVE,
        },
    )
    _contacts(rng, world)
    return world
