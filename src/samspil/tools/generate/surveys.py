"""The institution and association surveys: invitation frames and returned questionnaires.

Response propensity varies by municipality and wave but never depends on
cooperation, so rates among respondents estimate the planted rates. In 2016
exactly as many answer as the published response rate says (the propensities
choose who, :func:`samspil.tools.generate.cooperation.exact_draw`). A 2016
respondent answers again in 2018 with the panel retention probability; the
others are drawn so that the 2018 rate comes out as planted; so does every later
wave of ``seeds/survey_waves.csv`` (its fieldwork window too) from the one before
it, with the rates of the latest wave planted here. Item answers are
derived from the true state of the respondent per wave, keyed by the item's
``construct`` in ``seeds/survey_items.csv``; the value sets say which codes
to write. Partner names are the true partners of the wave, written as
respondents write names (see :mod:`samspil.tools.generate.names`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from samspil.tools.generate.associations import Association
from samspil.tools.generate.cooperation import exact_draw
from samspil.tools.generate.institutions import Institution
from samspil.tools.generate.names import (
    NameTarget,
    choose_kind,
    cpr_number,
    person_name,
    phone_number,
    private_email,
    with_contact,
    write_variant,
)
from samspil.tools.generate.published import Targets, planted_count
from samspil.tools.generate.reference import Reference, SurveyItem, ValueSet
from samspil.tools.generate.world import World

RESPONSE_RATES: dict[str, dict[int, dict[str, float]]] = {
    "institution": {
        2016: {"0461": 0.53, "0430": 0.58, "0320": 0.57, "0230": 0.55, "0751": 0.50},
        2018: {"0461": 0.58, "0430": 0.63, "0320": 0.62, "0230": 0.60, "0751": 0.55},
    },
    "association": {
        2016: {"0461": 0.46, "0430": 0.49, "0320": 0.48, "0230": 0.48, "0751": 0.42},
        2018: {"0461": 0.46, "0430": 0.49, "0320": 0.48, "0230": 0.48, "0751": 0.42},
    },
}
"""Planted response propensity per survey, wave and study municipality; other
municipalities get the survey's mean plus a little noise. In the first wave they only
choose who answers: how many is the published response rate. A wave not planted here
has the rates of the latest wave before it that is."""

PANEL_RETENTION: dict[str, float] = {"institution": 0.75, "association": 0.70}
"""Probability that a respondent of one wave answers again in the next."""

COOPERATION_CONSTRUCT: dict[str, str] = {
    "institution": "coop_associations",
    "association": "coop_municipal",
}
"""The construct that says whether a respondent cooperates (shifts attitudes)."""

PARTIAL_SHARE = 0.06
PARTNERS_LEFT_BLANK = 0.07
CONTACT_IN_PARTNER_NAME = 0.006
PII_COMMENTS_PER_SCALE = 25
PLAIN_COMMENTS_PER_SCALE = 60

DONT_KNOW: dict[str, float] = {"binary": 0.015, "form": 0.03, "likert": 0.04, "count": 0.04}
NOT_ANSWERED: dict[str, float] = {"binary": 0.01, "form": 0.015, "likert": 0.02, "count": 0.02}

FORM_RATES: dict[str, float] = {
    "form_joint_activities": 0.78,
    "form_facilities": 0.48,
    "form_volunteers_daily_work": 0.30,
    "form_written_agreement": 0.22,
}
"""Probability of a 'yes' to a cooperation-form item among cooperating institutions."""

ATTITUDE_MEANS: dict[str, dict[str, float]] = {
    "institution": {
        "att_better_solutions": 4.0,
        "att_strengthens_democracy": 3.4,
        "att_more_cooperation_wanted": 3.8,
        "att_volunteers_replace_staff": 2.9,
        "att_resources_required": 2.6,
        "att_independence_threatened": 2.3,
    },
    "association": {
        "att_better_solutions": 3.5,
        "att_strengthens_democracy": 3.6,
        "att_more_cooperation_wanted": 3.6,
        "att_volunteers_replace_staff": 2.6,
        "att_resources_required": 2.9,
        "att_independence_threatened": 3.3,
    },
}
"""Mean of the latent attitude (1-5 scale) per survey and construct."""

COOPERATOR_SHIFT: dict[str, float] = {
    "att_better_solutions": 0.3,
    "att_strengthens_democracy": 0.2,
    "att_more_cooperation_wanted": 0.3,
    "att_resources_required": -0.2,
}
"""Added to the attitude mean of respondents who cooperate."""

_HOUR_WEIGHTS = [0.2] * 7 + [1.0] + [3.0] * 8 + [2.0] * 3 + [2.5] * 4 + [0.8]

PII_COMMENTS = (
    "Kontakt mig gerne på {email} eller {phone}. Mvh {person}",
    "Vores kontaktperson i foreningen er {person} ({phone}).",
    "Spørgsmål kan rettes til {person}, {email}",
    "Ring til mig på {phone}, hvis I vil høre mere om vores lektiecafé.",
    'Vi kalder det "Torsdagsklubben", og {person} står for den.\nTlf. {phone}',
    "Jeg er gået på pension - skriv til min afløser {person} på {email}.",
    "Undersøgelsen er besvaret af {person}, souschef. Tlf. {phone}, mail {email}",
    "Har I brug for flere oplysninger, så skriv til {email}.",
)
PLAIN_COMMENTS = (
    "Spørgeskemaet var lidt langt.",
    "Vi samarbejder mest om motionsdagen, men det er svært at finde frivillige.",
    "Samarbejdet fungerer godt, når der er en fast kontaktperson.",
    "Vi vil gerne samarbejde mere, men mangler tid og ressourcer.",
    "Mange af vores frivillige er selv pensionister, og de bliver ældre.",
    'Det er uklart, hvad der menes med "samarbejde" i spørgsmål 1.',
    "Kommunen kunne gøre mere for at hjælpe foreningerne med lokaler.",
    "Vi har et godt samarbejde med skolen, men ikke med SFO'en.",
    "Svært at svare på, da vi er to afdelinger med hver sin leder.\n"
    "Spørgsmålene passer bedst til den ene.",
    "Tak for en spændende undersøgelse!",
    "Foreningen er ved at blive nedlagt, så svarene gælder sidste år.",
    "Bureaukratiet gør det svært at lave aftaler, fx om børneattester, lån af nøgler osv.",
)


@dataclass
class SurveyOutput:
    """What one survey writes: frame rows, response rows and name-variant truth rows."""

    frame_rows: list[list[str]] = field(default_factory=list)
    response_header: list[str] = field(default_factory=list)
    response_rows: list[list[str]] = field(default_factory=list)
    variants: list[list[str]] = field(default_factory=list)


@dataclass
class _Respondent:
    code: str
    kommunekode: str
    wave: int
    started_at: dt.datetime
    partial: bool
    truth: dict[str, int]
    partners: list[NameTarget]
    response_id: str = ""


def _kind(value_set: ValueSet) -> str:
    if not value_set.substantive:
        return "count"
    if len(value_set.substantive) == 2:
        return "binary"
    return "likert"


def _missing(rng: random.Random, value_set: ValueSet, kind: str) -> str:
    draw = rng.random()
    if draw < DONT_KNOW[kind] and "dont_know" in value_set.missing:
        return value_set.missing_code("dont_know")
    if draw < DONT_KNOW[kind] + NOT_ANSWERED[kind] and "not_answered" in value_set.missing:
        return value_set.missing_code("not_answered")
    return ""


def _answer(
    rng: random.Random,
    survey: str,
    item: SurveyItem,
    value_set: ValueSet,
    truth: dict[str, int],
    cooperates: bool,
) -> str:
    kind = _kind(value_set)
    kind_for_missing = "form" if item.construct in FORM_RATES else kind
    missing = _missing(rng, value_set, kind_for_missing)
    if missing:
        return missing
    if kind == "binary":
        yes, no = value_set.substantive
        if item.construct in truth:
            return yes if truth[item.construct] else no
        p_yes = FORM_RATES.get(item.construct, 0.5)
        if item.construct == "form_volunteers_daily_work" and truth.get("coop_volunteers"):
            p_yes += 0.15
        return yes if rng.random() < p_yes else no
    if kind == "count":
        if item.construct in truth:
            reported = truth[item.construct] + rng.choice((-1, 0, 0, 0, 0, 0, 1, 1, 2))
            low = 1 if truth[item.construct] > 0 else 0
            return str(max(low, min(40, reported)))
        return str(rng.randint(0, 10))
    mean = ATTITUDE_MEANS.get(survey, {}).get(item.construct, 3.2)
    if cooperates:
        mean += COOPERATOR_SHIFT.get(item.construct, 0.0)
    position = max(1, min(len(value_set.substantive), round(rng.gauss(mean, 0.95))))
    return value_set.substantive[position - 1]


def _answers(
    rng: random.Random,
    survey: str,
    items: tuple[SurveyItem, ...],
    value_sets: dict[str, ValueSet],
    respondent: _Respondent,
    cooperates: bool,
) -> list[str]:
    dropout = rng.randint(1, len(items)) if respondent.partial else len(items) + 1
    given: dict[str, str] = {}
    values = []
    for position, item in enumerate(items, start=1):
        value_set = value_sets[item.value_set]
        if position >= dropout:
            value = ""
        elif item.filter_variable and given.get(item.filter_variable) != item.filter_value:
            value = value_set.missing.get("not_applicable", "")
        else:
            value = _answer(rng, survey, item, value_set, respondent.truth, cooperates)
        given[item.variable] = value
        values.append(value)
    return values


def _started_at(rng: random.Random, invited: dt.date, window_end: dt.date) -> dt.datetime:
    span = (window_end - invited).days
    draw = rng.random()
    if draw < 0.55:
        day = int(rng.expovariate(1 / 4))
    elif draw < 0.80:
        day = 14 + int(rng.expovariate(1 / 3))
    elif draw < 0.95:
        day = 35 + int(rng.expovariate(1 / 3))
    else:
        day = rng.randint(0, span)
    date = invited + dt.timedelta(days=min(day, span))
    hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
    return dt.datetime(date.year, date.month, date.day, hour, rng.randrange(60), rng.randrange(60))


def _planted_rates(survey: str, wave: int) -> dict[str, float]:
    planted = RESPONSE_RATES[survey]
    return planted[max((w for w in planted if w <= wave), default=min(planted))]


def _rates(survey: str, world: World, rng: random.Random) -> dict[int, dict[str, float]]:
    rates: dict[int, dict[str, float]] = {wave: {} for wave in world.waves}
    for municipality in world.municipalities:
        code = municipality.kommunekode
        noise = rng.uniform(-0.04, 0.04)
        for wave in world.waves:
            planted = _planted_rates(survey, wave)
            if code in planted:
                rates[wave][code] = planted[code]
            else:
                mean = sum(planted.values()) / len(planted)
                rates[wave][code] = round(mean + noise, 3)
    return rates


def _respond(
    rng: random.Random,
    rates: dict[int, dict[str, float]],
    retention: float,
    code: str,
    first_wave: bool | None,
    waves: tuple[int, ...],
) -> dict[int, bool]:
    """Who answers in each wave of ``waves`` (those the unit was invited to), given
    whether the unit answered the first wave of ``rates`` (None when it was not invited
    then): a respondent of the wave before answers again with ``retention``."""
    every_wave = tuple(rates)
    answered: dict[int, bool] = {}
    if first_wave is not None:
        answered[every_wave[0]] = first_wave
    for earlier, wave in itertools.pairwise(every_wave):
        if wave not in waves:
            continue
        before = answered.get(earlier)
        if before is None:
            p = rates[wave][code]
        elif before:
            p = retention
        else:
            earlier_rate = rates[earlier][code]
            p = (rates[wave][code] - earlier_rate * retention) / (1 - earlier_rate)
            p = max(0.05, min(0.95, p))
        answered[wave] = rng.random() < p
    return answered


def _invited(
    rng: random.Random, world: World, fieldwork: dict[int, tuple[dt.date, dt.date]]
) -> dict[tuple[str, int], dt.date]:
    return {
        (m.kommunekode, wave): fieldwork[wave][0] + dt.timedelta(days=rng.randint(0, 2))
        for m in world.municipalities
        for wave in world.waves
    }


def _partner_cells(
    rng: random.Random,
    source: str,
    respondent: _Respondent,
) -> tuple[list[str], list[list[str]]]:
    cells = [""] * 5
    variants: list[list[str]] = []
    partners = list(respondent.partners)
    if respondent.partial or not partners or rng.random() < PARTNERS_LEFT_BLANK:
        return cells, variants
    rng.shuffle(partners)
    for position, target in enumerate(partners[:5], start=1):
        if rng.random() < CONTACT_IN_PARTNER_NAME:
            kind = "informal"
            written = with_contact(rng, target, respondent.kommunekode)
        else:
            kind = choose_kind(rng, target)
            written = write_variant(rng, target, kind)
        cells[position - 1] = written
        variants.append(
            [
                source,
                respondent.response_id,
                str(position),
                written,
                kind,
                target.entity_type,
                target.code,
            ]
        )
    return cells, variants


def _survey(
    rng: random.Random,
    reference: Reference,
    world: World,
    survey: str,
    invited: dict[tuple[str, int], dt.date],
    rates: dict[int, dict[str, float]],
    first_wave_response: float,
) -> SurveyOutput:
    output = SurveyOutput()
    items = reference.items[survey]
    code_column = f"{survey}_code"
    prefix = "IS" if survey == "institution" else "AS"
    source = f"{survey}_survey"
    institutions = {inst.code: inst for inst in world.institutions}
    associations = {assoc.code: assoc for assoc in world.associations}
    partners_of: dict[tuple[str, int], list[str]] = {}
    for tie in world.ties:
        for wave in world.waves:
            if tie.active(wave):
                if survey == "institution":
                    partners_of.setdefault((tie.institution_code, wave), []).append(
                        tie.association_code
                    )
                else:
                    partners_of.setdefault((tie.association_code, wave), []).append(
                        tie.institution_code
                    )

    entities: list[Institution | Association]
    entities = list(world.institutions) if survey == "institution" else list(world.associations)
    first_wave = world.waves[0]
    first_invited = [
        entity
        for entity in entities
        if isinstance(entity, Institution) or first_wave in entity.waves
    ]
    first_answered = dict(
        zip(
            (entity.code for entity in first_invited),
            exact_draw(
                rng,
                [rates[first_wave][entity.kommunekode] for entity in first_invited],
                planted_count(first_wave_response, len(first_invited)),
            ),
            strict=True,
        )
    )
    respondents: dict[int, list[_Respondent]] = {wave: [] for wave in world.waves}
    for entity in entities:
        if isinstance(entity, Institution):
            waves: tuple[int, ...] = world.waves
            contact = entity.leader_email
            frame_tail = [entity.name, entity.institution_type, entity.policy_area]
        else:
            waves = entity.waves
            contact = entity.chair_email
            frame_tail = [entity.name, entity.cvr, entity.field]
        for wave in waves:
            date = invited[(entity.kommunekode, wave)]
            output.frame_rows.append(
                [
                    entity.code,
                    str(wave),
                    entity.kommunekode,
                    *frame_tail,
                    contact[wave],
                    date.isoformat(),
                ]
            )
        answered = _respond(
            rng,
            rates,
            PANEL_RETENTION[survey],
            entity.kommunekode,
            first_answered.get(entity.code),
            waves,
        )
        for wave in waves:
            if not answered[wave]:
                continue
            partner_codes = partners_of.get((entity.code, wave), [])
            targets = [
                institutions[code].target()
                if survey == "association"
                else associations[code].target()
                for code in partner_codes
            ]
            respondents[wave].append(
                _Respondent(
                    code=entity.code,
                    kommunekode=entity.kommunekode,
                    wave=wave,
                    started_at=_started_at(
                        rng, invited[(entity.kommunekode, wave)], reference.fieldwork[wave][1]
                    ),
                    partial=rng.random() < PARTIAL_SHARE,
                    truth=entity.truth[wave],
                    partners=targets,
                )
            )

    output.response_header = [
        "response_id",
        code_column,
        "wave",
        "started_at",
        "submitted_date",
        "completion_status",
        *[item.variable for item in items],
        *[f"partner_{n}" for n in range(1, 6)],
        "comment",
    ]
    cooperation_construct = COOPERATION_CONSTRUCT.get(survey, items[0].construct)
    for wave in world.waves:
        ordered = sorted(respondents[wave], key=lambda r: (r.started_at, r.code))
        width = max(5, len(str(len(ordered))))
        for number, respondent in enumerate(ordered, start=1):
            respondent.response_id = f"{prefix}{wave % 100:02d}-{number:0{width}d}"
            cooperates = bool(respondent.truth.get(cooperation_construct, 0))
            values = _answers(rng, survey, items, reference.value_sets, respondent, cooperates)
            cells, variants = _partner_cells(rng, source, respondent)
            output.variants.extend(variants)
            if respondent.partial:
                submitted = ""
            else:
                delay = 0 if rng.random() < 0.85 else rng.randint(1, 5)
                submitted_day = min(
                    respondent.started_at.date() + dt.timedelta(days=delay),
                    reference.fieldwork[wave][1],
                )
                submitted = submitted_day.isoformat()
            output.response_rows.append(
                [
                    respondent.response_id,
                    respondent.code,
                    str(wave),
                    respondent.started_at.isoformat(),
                    submitted,
                    "partial" if respondent.partial else "complete",
                    *values,
                    *cells,
                    "",
                ]
            )
    output.frame_rows.sort(key=lambda row: (row[1], row[0]))
    output.response_rows.sort(key=lambda row: row[0])
    return output


def _plant_comments(
    rng: random.Random, outputs: list[SurveyOutput], kommunekoder: dict[str, str], scale: int
) -> None:
    candidates = [
        (index, row_number)
        for index, output in enumerate(outputs)
        for row_number, row in enumerate(output.response_rows)
        if row[5] == "complete"
    ]
    n_pii = PII_COMMENTS_PER_SCALE * scale
    n_plain = PLAIN_COMMENTS_PER_SCALE * scale
    chosen = rng.sample(candidates, min(len(candidates), n_pii + n_plain))
    for position, (index, row_number) in enumerate(chosen):
        row = outputs[index].response_rows[row_number]
        if position < n_pii:
            person = person_name(rng, kommunekoder.get(row[1], ""))
            text = rng.choice(PII_COMMENTS).format(
                person=person, email=private_email(rng, person), phone=phone_number(rng)
            )
            if text.endswith(("0", "1", "2")):  # some respondents add their CPR number
                text += f" (cpr.nr. {cpr_number(text)})"
        else:
            text = rng.choice(PLAIN_COMMENTS)
        row[-1] = text


def generate_surveys(
    reference: Reference, world: World, seed: int, scale: int, targets: Targets
) -> tuple[SurveyOutput, SurveyOutput, dict[str, object]]:
    """Both surveys: (institution output, association output, planted parameters)."""
    rng = random.Random(f"samspil:{seed}:surveys")
    invited = _invited(rng, world, reference.fieldwork)
    rates = {survey: _rates(survey, world, rng) for survey in ("institution", "association")}
    institution = _survey(
        rng,
        reference,
        world,
        "institution",
        invited,
        rates["institution"],
        targets.institution_response,
    )
    association = _survey(
        rng,
        reference,
        world,
        "association",
        invited,
        rates["association"],
        targets.association_response,
    )
    kommunekoder = {inst.code: inst.kommunekode for inst in world.institutions}
    kommunekoder.update({assoc.code: assoc.kommunekode for assoc in world.associations})
    _plant_comments(rng, [institution, association], kommunekoder, scale)
    parameters: dict[str, object] = {
        "fieldwork": {
            str(wave): [day.isoformat() for day in days]
            for wave, days in reference.fieldwork.items()
        },
        "response_rates": {
            survey: {str(wave): by_code for wave, by_code in by_wave.items()}
            for survey, by_wave in rates.items()
        },
        "panel_retention": PANEL_RETENTION,
        "partial_share": PARTIAL_SHARE,
        "partners_left_blank_share": PARTNERS_LEFT_BLANK,
        "contact_in_partner_name_share": CONTACT_IN_PARTNER_NAME,
        "comments_with_personal_data": PII_COMMENTS_PER_SCALE * scale,
        "comments_without_personal_data": PLAIN_COMMENTS_PER_SCALE * scale,
        "dont_know_share": DONT_KNOW,
        "not_answered_share": NOT_ANSWERED,
        "form_rates": FORM_RATES,
        "attitude_means": ATTITUDE_MEANS,
        "attitude_sd": 0.95,
        "cooperator_attitude_shift": COOPERATOR_SHIFT,
    }
    return institution, association, parameters
