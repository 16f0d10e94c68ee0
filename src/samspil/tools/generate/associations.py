"""The association frame: voluntary associations by field, with their names, CVR
numbers and openness to cooperation.

Every wave's frame has as many associations; a few leave after the first wave and as many
join in the second. An association's openness (its field's, skewed) is how readily it
takes a tie (:mod:`samspil.tools.generate.ties`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from samspil.tools.generate.municipalities import Municipality, allocate, place_weights
from samspil.tools.generate.names import NameTarget, definite_form, name_key, words

FIELD_MIX: dict[str, float] = {
    "sport": 0.25,
    "culture": 0.13,
    "leisure": 0.12,
    "children_youth": 0.09,
    "elderly": 0.07,
    "social": 0.09,
    "health": 0.07,
    "local_community": 0.10,
    "education": 0.08,
}
FIELD_MIX_HOUSING_AREA: dict[str, float] = {
    "sport": 0.20,
    "culture": 0.12,
    "leisure": 0.06,
    "children_youth": 0.14,
    "elderly": 0.04,
    "social": 0.16,
    "health": 0.05,
    "local_community": 0.17,
    "education": 0.06,
}

_NICKS = words(
    "Frem Fremad Stjernen Vikingerne Hermes Olympia Viben Svanen Ørnen Falken Odin Thor "
    "Freja Trekanten Kløverbladet Lyngen"
)

# (template, weight, is a chapter of a national organisation)
ASSOCIATION_PATTERNS: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "sport": (
        ("{place} Idrætsforening", 3.0, False),
        ("{place} Boldklub", 2.0, False),
        ("Boldklubben {nick} {place}", 1.0, False),
        ("Idrætsforeningen {nick} {place}", 0.6, False),
        ("{place} Gymnastikforening", 2.0, False),
        ("{place} Tennisklub", 1.0, False),
        ("{place} Håndboldklub", 1.0, False),
        ("{place} Svømmeklub", 1.0, False),
        ("{place} Badmintonklub", 1.0, False),
        ("{place} Cykelklub", 0.6, False),
        ("{place} Skytteforening", 0.6, False),
        ("{place} Rideklub", 0.5, False),
        ("{place} Løbeklub", 0.6, False),
        ("{place} Petanqueklub", 0.4, False),
        ("{place} Judoklub", 0.4, False),
        ("DGI {place}", 0.3, True),
    ),
    "culture": (
        ("{place} Musikforening", 1.0, False),
        ("{place} Kammerkor", 1.0, False),
        ("{place} Amatørteater", 0.8, False),
        ("Teaterforeningen {place}", 0.8, False),
        ("{place} Kunstforening", 1.0, False),
        ("{place} Lokalhistoriske Forening", 1.0, False),
        ("{place} Brassband", 0.5, False),
        ("{place} Folkedanserforening", 0.7, False),
        ("{place} Jazzklub", 0.6, False),
        ("{place} Filmklub", 0.6, False),
        ("{place} Pigegarde", 0.4, False),
    ),
    "leisure": (
        ("{place} Skakklub", 1.0, False),
        ("{place} Bridgeklub", 1.0, False),
        ("{place} Lystfiskerforening", 1.0, False),
        ("{place} Fotoklub", 0.8, False),
        ("{place} Haveforening", 0.8, False),
        ("{place} Modeljernbaneklub", 0.5, False),
        ("{place} Strikkeklub", 0.6, False),
        ("{place} Billardklub", 0.6, False),
        ("{place} Hundeklub", 0.7, False),
        ("{place} Motorklub", 0.5, False),
    ),
    "children_youth": (
        ("Spejderne i {place} (KFUM)", 1.0, True),
        ("KFUM-spejderne {place}", 1.0, True),
        ("FDF {place}", 1.0, True),
        ("Det Danske Spejderkorps {place}", 0.8, True),
        ("{place} Ungdomsforening", 1.0, False),
        ("Lektiecafé {place}", 0.8, False),
        ("Red Barnet Ungdom {place}", 0.4, True),
        ("Børneklubben {nick}", 0.5, False),
    ),
    "elderly": (
        ("Ældre Sagen {place}", 1.5, True),
        ("{place} Pensionistforening", 1.0, False),
        ("{place} Seniorklub", 1.0, False),
        ("Ældreklubben {place}", 0.8, False),
        ("Ældremotion {place}", 0.5, False),
    ),
    "social": (
        ("Dansk Røde Kors {place}", 1.2, True),
        ("Dansk Folkehjælp {place}", 0.8, True),
        ("Red Barnet {place}", 0.8, True),
        ("Kirkens Korshær {place}", 0.6, True),
        ("Mødrehjælpen {place}", 0.5, True),
        ("Venligboerne {place}", 0.6, False),
        ("{place} Væresteds Venner", 0.5, False),
        ("Frivilligcenter {place}", 0.4, False),
        ("Besøgstjenesten {place}", 0.6, False),
    ),
    "health": (
        ("Kræftens Bekæmpelse {place}", 1.2, True),
        ("Hjerteforeningen {place}", 1.0, True),
        ("Diabetesforeningen {place}", 0.8, True),
        ("Scleroseforeningen {place}", 0.6, True),
        ("Alzheimerforeningen {place}", 0.6, True),
        ("Gigtforeningen {place}", 0.6, True),
        ("Parkinsonforeningen {place}", 0.5, True),
        ("LEV {place}", 0.5, True),
        ("{place} Patientforening", 0.4, False),
    ),
    "local_community": (
        ("Beboerforeningen {place}", 1.2, False),
        ("{place} Borgerforening", 1.0, False),
        ("{place} Lokalråd", 1.0, False),
        ("Grundejerforeningen {nick}", 0.6, False),
        ("Forsamlingshuset {place}", 0.8, False),
        ("Landsbyforeningen {place}", 0.6, False),
        ("Afdelingsbestyrelsen {place}", 0.5, False),
        ("{place} Beboerhus", 0.5, False),
    ),
    "education": (
        ("{place} Aftenskole", 1.0, False),
        ("FOF {place}", 0.8, True),
        ("AOF {place}", 0.8, True),
        ("LOF {place}", 0.6, True),
        ("Folkeuniversitetet {place}", 0.5, True),
        ("{place} Foredragsforening", 1.0, False),
        ("Daghøjskolen {place}", 0.6, False),
        ("{place} Højskoleforening", 0.5, False),
    ),
}

FIELD_OPENNESS: dict[str, float] = {
    "sport": 1.0,
    "children_youth": 1.0,
    "culture": 0.8,
    "elderly": 0.9,
    "social": 0.9,
    "health": 0.6,
    "local_community": 0.7,
    "education": 0.6,
    "leisure": 0.35,
}
"""How open associations of a field are to cooperation (scales tie and external rates)."""
ASSOCIATION_ONLY_ONE_WAVE = 0.03
OPENNESS_SKEW = 2.0
"""An association's openness is its field's times ``u ** OPENNESS_SKEW`` (u uniform)."""
ASSOCIATION_CVR_SHARE = 0.70


@dataclass
class Association:
    """A voluntary association and its true cooperation per wave."""

    code: str
    kommunekode: str
    name: str
    cvr: str
    field: str
    place: str
    municipality: str
    nickname: str
    national: bool
    waves: tuple[int, ...]
    openness: float
    truth: dict[int, dict[str, int]] = field(default_factory=dict)
    chair: dict[int, str] = field(default_factory=dict)
    chair_email: dict[int, str] = field(default_factory=dict)

    def target(self) -> NameTarget:
        """What a respondent knows when writing this association's name."""
        return NameTarget(
            entity_type="association",
            code=self.code,
            name=self.name,
            place=self.place,
            municipality=self.municipality,
            cvr=self.cvr,
            nickname=self.nickname,
        )


def valid_cvr(number: str) -> bool:
    """Whether ``number`` is eight digits that pass the CVR modulus-11 check."""
    if len(number) != 8 or not number.isdigit():
        return False
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(digit) * weight for digit, weight in zip(number, weights, strict=True)) % 11 == 0


def _new_cvr(rng: random.Random, taken: set[str]) -> str:
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = (11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11) % 11
        if check == 10:
            continue
        number = "".join(str(digit) for digit in digits) + str(check)
        if number not in taken:
            taken.add(number)
            return number


def _association_nickname(template: str, place: str) -> str:
    if template.startswith("{place} "):
        rest = template[len("{place} ") :]
        if " " not in rest:
            return definite_form(rest)
    return ""


def make_associations(
    rng: random.Random,
    municipality: Municipality,
    per_wave: int,
    fields: tuple[str, ...],
    cvr_taken: set[str],
    waves: tuple[int, ...],
) -> list[Association]:
    """The associations of ``municipality``: ``per_wave`` in each wave's frame."""
    only_one_wave = round(per_wave * ASSOCIATION_ONLY_ONE_WAVE)
    total = per_wave + only_one_wave
    mix_source = FIELD_MIX_HOUSING_AREA if municipality.kommunekode == "0751" else FIELD_MIX
    per_field = allocate(total, {f: mix_source.get(f, 0.05) for f in fields})
    plan = [f for f in fields for _ in range(per_field[f])]
    rng.shuffle(plan)
    taken: set[str] = set()
    weights = place_weights(municipality.places)
    made = []
    for number, field_code in enumerate(plan, start=1):
        patterns = ASSOCIATION_PATTERNS.get(
            field_code, (("Foreningen " + field_code + " {place}", 1.0, False),)
        )
        name = ""
        template = ""
        national = False
        place = ""
        for _attempt in range(30):
            template, _, national = rng.choices(patterns, weights=[p[1] for p in patterns])[0]
            if national and rng.random() < 0.5:
                place = municipality.name
            else:
                place = rng.choices(municipality.places, weights=weights)[0]
            candidate = template.format(place=place, nick=rng.choice(_NICKS))
            if name_key(candidate) not in taken:
                name = candidate
                break
        while not name:
            founded = rng.randint(1870, 1995)
            candidate = f"{template.format(place=place, nick=rng.choice(_NICKS))} af {founded}"
            if name_key(candidate) not in taken:
                name = candidate
        taken.add(name_key(name))
        openness = FIELD_OPENNESS.get(field_code, 0.6) * rng.random() ** OPENNESS_SKEW
        if national:
            openness = min(1.0, openness * 1.2)
        cvr = _new_cvr(rng, cvr_taken) if rng.random() < ASSOCIATION_CVR_SHARE else ""
        made.append(
            Association(
                code=f"A{municipality.kommunekode}-{number:04d}",
                kommunekode=municipality.kommunekode,
                name=name,
                cvr=cvr,
                field=field_code,
                place=place,
                municipality=municipality.name,
                nickname=_association_nickname(template, place) if "{place}" in template else "",
                national=national,
                waves=waves,
                openness=openness,
            )
        )
    # Exactly per_wave in each wave's frame: as many leave after the first as join in the
    # second (and stay).
    leaving = rng.sample(range(total), 2 * only_one_wave)
    for position, index in enumerate(leaving):
        made[index].waves = waves[:1] if position < only_one_wave else waves[1:]
    return made
