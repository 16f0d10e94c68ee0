"""Case studies: 20 cooperation cases per unit of scale, followed for two years.

Each case follows one true tie of 2016 (an institution and an association of the
case's municipality) plus 1-3 more actors: another association, a volunteer
group, sometimes another institution. Actor names are written like the survey
partner names, with a truth row each (``source = cases``, ``position = 0``).
Episodes follow a plausible course: a first meeting, agreements early,
conflicts in the middle, evaluations late and a final evaluation.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from samspil.tools.generate.associations import Association
from samspil.tools.generate.institutions import Institution
from samspil.tools.generate.municipalities import Municipality
from samspil.tools.generate.names import choose_kind, person_name, phone_number, write_variant
from samspil.tools.generate.ties import FIELD_AFFINITY, Tie
from samspil.tools.generate.world import World

CASES_PER_SCALE = 20
CASE_START_WINDOW = (dt.date(2016, 1, 1), dt.date(2016, 6, 30))
EPISODES_PER_CASE = (12, 30)
CVR_GIVEN_IF_ANY = 0.57
"""Share of association actors with a CVR whose CVR the case notes give (≈ 40 % of all)."""
SUMMARY_WITH_CONTACT = 0.04

OUTCOMES: dict[str, tuple[float, float, float]] = {
    "meeting": (0.40, 0.50, 0.10),
    "joint_activity": (0.65, 0.30, 0.05),
    "agreement": (0.75, 0.20, 0.05),
    "conflict": (0.05, 0.35, 0.60),
    "evaluation": (0.55, 0.35, 0.10),
}
"""Probabilities of a positive, neutral and negative outcome per episode type."""

THEMES: dict[str, tuple[str, ...]] = {
    "school": ("bevægelse i skoledagen", "den årlige motionsdag", "lektiecafé", "åben skole"),
    "daycare": ("naturdage i skoven", "bedsteforældredag", "idrætsleg for de mindste"),
    "youth": ("fritidsjob-netværk", "e-sport om aftenen", "sommerferieaktiviteter"),
    "elderly": ("besøgsvenner", "fællesspisning", "gåture i nærområdet", "sang og musik"),
    "social": ("madklub", "værestedsaktiviteter", "lektiehjælp for udsatte unge"),
    "health": ("motionshold for kronikere", "rygestopforløb", "genoptræning i foreningsregi"),
    "culture": ("læseklub", "koncerter på biblioteket", "sprogcafé"),
    "sport": ("åben hal om fredagen", "foreningsdag", "svømmeundervisning"),
}

VOLUNTEER_GROUPS: dict[str, tuple[str, ...]] = {
    "elderly": (
        "Besøgsvennerne i {place}",
        "Motionsvennerne {place}",
        "Frivilliggruppen i {place}",
    ),
    "school": ("Læsevennerne i {place}", "Lektiecaféens frivillige i {place}"),
    "daycare": ("Forældregruppen i {place}", "Bedstevennerne i {place}"),
    "youth": ("Natteravnene i {place}", "Frivilliggruppen i {place}"),
}
DEFAULT_VOLUNTEER_GROUPS = ("Frivilliggruppen i {place}", "Netværket af frivillige i {place}")

SUMMARIES: dict[str, tuple[str, ...]] = {
    "meeting": (
        "Møde mellem {inst} og {assoc} om {theme}.",
        "Planlægningsmøde om {theme} med deltagelse af de frivillige.",
        "Statusmøde, hvor parterne gennemgik planerne for det kommende halvår.",
    ),
    "joint_activity": (
        "Fælles arrangement med {theme} og {n} deltagere.",
        "{Assoc} stod for {theme} sammen med personalet fra {inst}.",
        "Frivillige fra {assoc} hjalp til ved {theme}.",
    ),
    "agreement": (
        "Der blev indgået en skriftlig aftale om {theme}.",
        "Parterne aftalte faste mødetider og en kontaktperson hos {inst}.",
        "Aftale om lån af lokaler hos {inst} til {theme}.",
    ),
    "conflict": (
        "Uenighed om brugen af lokalerne.",
        "{Assoc} oplevede, at aftalerne ikke blev overholdt.",
        "Diskussion om børneattester og ansvar ved aktiviteterne.",
        "Personalet var bekymret for, at de frivillige overtager faste opgaver.",
    ),
    "evaluation": (
        "Evaluering af samarbejdet om {theme}.",
        "Midtvejsevaluering med {inst} og {assoc}.",
        "Evalueringen viste stor tilfredshed blandt deltagerne.",
    ),
}
OUTCOME_TAILS: dict[str, tuple[str, ...]] = {
    "positive": ("", " Stemningen var god.", " Begge parter vil fortsætte."),
    "neutral": ("", " Sagen følges op på næste møde."),
    "negative": ("", " Mødet endte uden enighed.", " Flere frivillige er faldet fra."),
}


@dataclass
class CasesOutput:
    """What the case strand writes."""

    cases: list[list[str]]
    actors: list[list[str]]
    episodes: list[list[str]]
    participants: list[list[str]]
    variants: list[list[str]]
    parameters: dict[str, object]


@dataclass
class _Actor:
    actor_id: str
    actor_type: str
    entity: Institution | Association | None


def _choose_ties(
    rng: random.Random,
    ties: list[Tie],
    institutions: dict[str, Institution],
    wanted: int,
    first_wave: int,
) -> list[Tie]:
    """``wanted`` ties of ``first_wave``, each of another institution, preferring ties
    that last into the next wave and policy areas not chosen yet."""
    chosen: list[Tie] = []
    used_institutions: set[str] = set()
    used_areas: dict[str, int] = {}
    candidates = [t for t in ties if t.first_wave == first_wave]
    while len(chosen) < wanted:
        pool = [t for t in candidates if t.institution_code not in used_institutions]
        if not pool:
            break
        weights = [
            (3.0 if t.last_wave > first_wave else 1.0)
            * 0.2 ** used_areas.get(institutions[t.institution_code].policy_area, 0)
            for t in pool
        ]
        tie = rng.choices(pool, weights=weights)[0]
        chosen.append(tie)
        used_institutions.add(tie.institution_code)
        area = institutions[tie.institution_code].policy_area
        used_areas[area] = used_areas.get(area, 0) + 1
    return chosen


def _episode_type(rng: random.Random, t: float, conflict_rate: float) -> str:
    weights = {
        "meeting": 3.0,
        "joint_activity": 0.5 if t < 0.1 else 3.0,
        "agreement": 3.0 if t < 0.3 else 0.25,
        "conflict": conflict_rate if 0.15 < t < 0.85 else 0.2 * conflict_rate,
        "evaluation": 2.5 if t > 0.75 else 1.0 if 0.45 < t < 0.55 else 0.1,
    }
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _role(entity: Institution | Association) -> str:
    if isinstance(entity, Institution):
        nickname = entity.target().nickname
        return nickname or "institutionen"
    return entity.nickname or "foreningen"


@dataclass
class _Local:
    institutions: list[Institution]
    associations: list[Association]
    ties_of: dict[str, list[Tie]]
    first_wave: int


def _extra_association(
    rng: random.Random,
    institution: Institution,
    associations: dict[str, Association],
    local: _Local,
    taken: set[str],
) -> Association | None:
    partners = [
        associations[t.association_code]
        for t in local.ties_of.get(institution.code, [])
        if t.active(local.first_wave) and t.association_code not in taken
    ]
    if partners:
        return rng.choice(partners)
    affinity = FIELD_AFFINITY.get(institution.policy_area, {})
    pool = [a for a in local.associations if a.code not in taken and local.first_wave in a.waves]
    if not pool:
        return None
    return rng.choices(pool, weights=[affinity.get(a.field, 0.2) for a in pool])[0]


def _case(
    rng: random.Random,
    case_id: str,
    municipality: Municipality,
    tie: Tie,
    local: _Local,
    institutions: dict[str, Institution],
    associations: dict[str, Association],
    output: CasesOutput,
) -> None:
    institution = institutions[tie.institution_code]
    association = associations[tie.association_code]
    start = CASE_START_WINDOW[0] + dt.timedelta(
        days=rng.randint(0, (CASE_START_WINDOW[1] - CASE_START_WINDOW[0]).days)
    )
    try:
        end = start.replace(year=start.year + 2)
    except ValueError:
        end = start.replace(year=start.year + 2, day=28)
    theme = rng.choice(THEMES.get(institution.policy_area, ("fælles aktiviteter",)))
    output.cases.append(
        [
            case_id,
            municipality.kommunekode,
            institution.policy_area,
            f"{theme[0].upper()}{theme[1:]} i {institution.place}",
            start.isoformat(),
            end.isoformat(),
        ]
    )

    members: list[Institution | Association | str] = [institution, association]
    taken = {institution.code, association.code}
    extra_types = rng.choices(
        ("association", "volunteer_group", "institution"),
        weights=(0.4, 0.4, 0.2),
        k=rng.randint(1, 3),
    )
    has_group = False
    has_extra_institution = False
    for actor_type in extra_types:
        if actor_type == "volunteer_group" and not has_group:
            templates = VOLUNTEER_GROUPS.get(institution.policy_area, DEFAULT_VOLUNTEER_GROUPS)
            members.append(rng.choice(templates).format(place=institution.place))
            has_group = True
        elif actor_type == "institution" and not has_extra_institution:
            pool = [i for i in local.institutions if i.code not in taken]
            if pool:
                other = rng.choice(pool)
                members.append(other)
                taken.add(other.code)
                has_extra_institution = True
        else:
            extra = _extra_association(rng, institution, associations, local, taken)
            if extra is not None:
                members.append(extra)
                taken.add(extra.code)

    actors: list[_Actor] = []
    for number, member in enumerate(members, start=1):
        actor_id = f"{case_id}-A{number:02d}"
        contact = person_name(rng, municipality.kommunekode)
        phone = phone_number(rng) if rng.random() < 0.9 else ""
        if isinstance(member, str):
            actors.append(_Actor(actor_id, "volunteer_group", None))
            output.actors.append([actor_id, case_id, "volunteer_group", member, "", contact, phone])
            output.variants.append(
                ["cases", actor_id, "0", member, "informal", "volunteer_group", ""]
            )
            continue
        target = member.target()
        kind = choose_kind(rng, target)
        written = write_variant(rng, target, kind)
        cvr = ""
        if isinstance(member, Association) and member.cvr and rng.random() < CVR_GIVEN_IF_ANY:
            cvr = member.cvr
        actors.append(_Actor(actor_id, target.entity_type, member))
        output.actors.append([actor_id, case_id, target.entity_type, written, cvr, contact, phone])
        output.variants.append(
            ["cases", actor_id, "0", written, kind, target.entity_type, target.code]
        )

    n_episodes = rng.randint(*EPISODES_PER_CASE)
    span = (end - start).days
    days = sorted(rng.sample(range(span + 1), n_episodes))
    conflict_rate = rng.uniform(0.3, 1.2)
    institution_actors = [a for a in actors if a.actor_type == "institution"]
    association_actors = [a for a in actors if a.actor_type == "association"]
    values = {
        "inst": _role(institution),
        "assoc": _role(association),
        "Assoc": _role(association)[0].upper() + _role(association)[1:],
        "theme": theme,
    }
    for number, day in enumerate(days, start=1):
        episode_id = f"{case_id}-E{number:03d}"
        if number == 1:
            episode_type = "meeting"
        elif number == n_episodes:
            episode_type = "evaluation"
        else:
            episode_type = _episode_type(rng, day / span, conflict_rate)
        outcome = rng.choices(("positive", "neutral", "negative"), weights=OUTCOMES[episode_type])[
            0
        ]
        summary = rng.choice(SUMMARIES[episode_type]).format(
            n=rng.randint(8, 120), **values
        ) + rng.choice(OUTCOME_TAILS[outcome])
        if rng.random() < SUMMARY_WITH_CONTACT:
            summary += (
                f" Kontakt: {person_name(rng, municipality.kommunekode)}, tlf. {phone_number(rng)}."
            )
        date = start + dt.timedelta(days=day)
        output.episodes.append(
            [episode_id, case_id, date.isoformat(), episode_type, outcome, summary]
        )
        present = [rng.choice(institution_actors), rng.choice(association_actors)]
        others = [a for a in actors if a not in present]
        present += rng.sample(others, min(len(others), rng.randint(0, 2)))
        for actor in sorted(present, key=lambda a: a.actor_id):
            output.participants.append([episode_id, actor.actor_id])


def generate_cases(world: World, seed: int, scale: int) -> CasesOutput:
    """Cases, actors, episodes and participants, with the name-variant truth."""
    rng = random.Random(f"samspil:{seed}:cases")
    output = CasesOutput([], [], [], [], [], {})
    institutions = {inst.code: inst for inst in world.institutions}
    associations = {assoc.code: assoc for assoc in world.associations}
    total = CASES_PER_SCALE * scale
    n_municipalities = len(world.municipalities)
    per_municipality = {
        m.kommunekode: total // n_municipalities + int(index < total % n_municipalities)
        for index, m in enumerate(world.municipalities)
    }
    width = max(2, len(str(total)))
    ties_by_municipality: dict[str, list[Tie]] = {}
    ties_of: dict[str, list[Tie]] = {}
    for tie in world.ties:
        kommunekode = institutions[tie.institution_code].kommunekode
        ties_by_municipality.setdefault(kommunekode, []).append(tie)
        ties_of.setdefault(tie.institution_code, []).append(tie)
    number = 0
    for municipality in world.municipalities:
        code = municipality.kommunekode
        local = _Local(
            world.institutions_of(code), world.associations_of(code), ties_of, world.waves[0]
        )
        chosen = _choose_ties(
            rng,
            ties_by_municipality.get(code, []),
            institutions,
            per_municipality[code],
            world.waves[0],
        )
        for tie in chosen:
            number += 1
            _case(
                rng,
                f"K{number:0{width}d}",
                municipality,
                tie,
                local,
                institutions,
                associations,
                output,
            )
    output.parameters = {
        "cases_per_municipality": per_municipality,
        "case_start_window": [d.isoformat() for d in CASE_START_WINDOW],
        "episodes_per_case": list(EPISODES_PER_CASE),
        "episode_outcome_probabilities": {k: list(v) for k, v in OUTCOMES.items()},
        "cvr_given_if_any": CVR_GIVEN_IF_ANY,
        "summary_with_contact_share": SUMMARY_WITH_CONTACT,
    }
    return output
