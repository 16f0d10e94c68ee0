"""The true world: municipalities, institutions, associations and their ties.

The frames have as many institutions and associations as the study published (818
institutions; 3,245 associations in the first wave, see :mod:`samspil.generate.published`),
times the scale. Who cooperates is planted by :mod:`samspil.generate.cooperation`. A
cooperating institution has 1-6 ties to associations of the same municipality,
preferring associations of a fitting field (:data:`FIELD_AFFINITY`); the ties say which
of the association survey's questions an association answers yes to, and outside
partners (free and private schools, regional institutions) add the rest.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from samspil.generate.cooperation import (
    EXTERNAL_RATES,
    WAVE_CHANGE_COOPERATION,
    WAVE_CHANGE_KIND,
    CooperationRates,
    plant_association_truth,
    plant_institution_states,
    planted_rates,
    propensities,
)
from samspil.generate.names import (
    EMAIL_DOMAINS,
    STUDY_MUNICIPALITIES,
    STUDY_PLACES,
    NameTarget,
    ascii_slug,
    definite_form,
    generic_places,
    name_key,
    person_name,
    private_email,
    words,
    work_email,
)
from samspil.generate.published import Targets
from samspil.generate.reference import Reference

BASE_INSTITUTIONS: dict[str, int] = {"0461": 300, "0430": 170, "0320": 110, "0230": 190, "0751": 48}
"""Relative size of the study municipalities: their institutions and associations are
the published counts split in these proportions (300 : 170 : 110 : 190 : 48)."""


# --------------------------------------------------------------------------- institutions

AREA_MIX: dict[str, float] = {
    "school": 0.16,
    "daycare": 0.30,
    "youth": 0.07,
    "elderly": 0.15,
    "social": 0.12,
    "health": 0.04,
    "culture": 0.08,
    "sport": 0.08,
}
AREA_MIX_HOUSING_AREA: dict[str, float] = {
    "school": 0.15,
    "daycare": 0.30,
    "youth": 0.12,
    "elderly": 0.08,
    "social": 0.18,
    "health": 0.05,
    "culture": 0.07,
    "sport": 0.05,
}
"""Area mix of the Gellerup/Hasle social-housing area (Aarhus, 0751)."""

INSTITUTION_TYPES: dict[str, tuple[tuple[str, float], ...]] = {
    "school": (("Folkeskole", 0.85), ("Specialskole", 0.15)),
    "daycare": (("Daginstitution", 0.6), ("Vuggestue", 0.15), ("Børnehave", 0.25)),
    "youth": (("Fritidsklub", 0.45), ("Ungdomsklub", 0.45), ("Ungdomsskole", 0.10)),
    "elderly": (("Plejecenter", 0.6), ("Aktivitetscenter", 0.4)),
    "social": (("Bosted", 0.45), ("Værested", 0.35), ("Familiecenter", 0.2)),
    "health": (("Sundhedscenter", 0.5), ("Genoptræningscenter", 0.3), ("Tandpleje", 0.2)),
    "culture": (("Bibliotek", 0.45), ("Kulturhus", 0.25), ("Musikskole", 0.15), ("Museum", 0.15)),
    "sport": (("Idrætshal", 0.5), ("Svømmehal", 0.2), ("Idrætsanlæg", 0.3)),
}

_DAYCARE_WORDS = words(
    "Solsikken Mælkebøtten Regnbuen Troldehøj Spiren Myretuen Kastanjen Bikuben "
    "Humlebien Skovtrolden Egernet Mariehønen Lærkereden Sommerfuglen Valmuen Æblehaven "
    "Søstjernen Ugleredet Krudtuglen Rødkælken Fyrtårnet Kløverengen Bøgely Tusindfryd "
    "Stjernen Globen Ellebo Birkely Hyldebo Pilehuset Nøddehuset Solstrålen Himmelblå "
    "Havtornen Skovbrynet Lindehuset Guldsmeden Hasselnødden Smørblomsten Kernehuset "
    "Bækkegården Åkanden Trædesten Rønnebærhuset Fuglereden Tumlingen Vildrosen "
    "Mosekonen Paraplyen Kometen"
)
_ELDERLY_WORDS = words(
    "Ærtebjerghave Egebo Lindegården Rosengården Solgården Ellehuset Kildegården Havebo "
    "Søndergården Skovvænget Fjordbakken Højvang Bøgehøj Lærkehaven Strandhaven "
    "Enggården Møllehuset Hybenhaven Kastaniegården Birkebo Tjørnehøj Vestergården "
    "Nørregården Åbo Grønnegården Magnoliehaven Egely Humlehuset Solvang Bakkehuset"
)
_SOCIAL_WORDS = words(
    "Fristedet Broen Trappen Ankeret Oasen Kompasset Bøgen Lyset Havnen Vejviseren "
    "Værkstedet Stien Springbrættet Nordlyset Perlen Fyrtøjet Hjørnet Tagtækket "
    "Bålpladsen Lygten"
)
_SCHOOL_WORDS = words(
    "Rosenlund Egelund Skovvang Engvang Højvang Bøgebjerg Kildevang Lindebjerg Sofiegård "
    "Marienlyst Toftevang Vestre Østre Nørre Søndre Abildgård Provstegård Spurvelund "
    "Tingløkke Søhus"
)

INSTITUTION_PATTERNS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Folkeskole": (("{place} Skole", ()), ("{word} Skole", _SCHOOL_WORDS), ("{place}skolen", ())),
    "Specialskole": (
        ("{place} Specialskole", ()),
        ("Specialskolen {word}", _SOCIAL_WORDS),
        ("Heldagsskolen {word}", _SOCIAL_WORDS),
    ),
    "Daginstitution": (
        ("Børnehuset {word}", _DAYCARE_WORDS),
        ("Daginstitutionen {word}", _DAYCARE_WORDS),
        ("{place} Børnehus", ()),
    ),
    "Vuggestue": (("Vuggestuen {word}", _DAYCARE_WORDS),),
    "Børnehave": (("Børnehaven {word}", _DAYCARE_WORDS),),
    "Fritidsklub": (("{place} Fritidsklub", ()), ("Fritidsklubben {word}", _SOCIAL_WORDS)),
    "Ungdomsklub": (("Ungdomsklubben {place}", ()), ("Klub {word}", _SOCIAL_WORDS)),
    "Ungdomsskole": (("Ungdomsskolen {place}", ()),),
    "Plejecenter": (
        ("Plejecentret {word}", _ELDERLY_WORDS),
        ("{word} Plejecenter", _ELDERLY_WORDS),
    ),
    "Aktivitetscenter": (
        ("Aktivitetscenter {place}", ()),
        ("Aktivitetshuset {word}", _ELDERLY_WORDS),
    ),
    "Bosted": (("Bostedet {word}", _SOCIAL_WORDS), ("Botilbuddet {word}", _SOCIAL_WORDS)),
    "Værested": (("Værestedet {word}", _SOCIAL_WORDS), ("{place} Værested", ())),
    "Familiecenter": (("Familiecenter {place}", ()),),
    "Sundhedscenter": (("Sundhedscenter {place}", ()), ("Sundhedshuset {place}", ())),
    "Genoptræningscenter": (("Genoptræningscenter {place}", ()),),
    "Tandpleje": (("Tandplejen {place}", ()),),
    "Bibliotek": (("{place} Bibliotek", ()),),
    "Kulturhus": (("Kulturhuset {word}", _SOCIAL_WORDS), ("{place} Kulturhus", ())),
    "Musikskole": (("{place} Musikskole", ()), ("Musikskolen {place}", ())),
    "Museum": (("{place} Museum", ()), ("{place} Lokalhistoriske Arkiv", ())),
    "Idrætshal": (("{place} Idrætshal", ()), ("{place}hallen", ())),
    "Svømmehal": (("{place} Svømmehal", ()),),
    "Idrætsanlæg": (("{place} Idrætsanlæg", ()), ("{place} Stadion", ())),
}

INSTITUTION_NICKNAMES: dict[str, str] = {
    "Folkeskole": "skolen",
    "Specialskole": "specialskolen",
    "Daginstitution": "børnehuset",
    "Vuggestue": "vuggestuen",
    "Børnehave": "børnehaven",
    "Fritidsklub": "fritidsklubben",
    "Ungdomsklub": "ungdomsklubben",
    "Ungdomsskole": "ungdomsskolen",
    "Plejecenter": "plejehjemmet",
    "Aktivitetscenter": "aktivitetscentret",
    "Bosted": "bostedet",
    "Værested": "værestedet",
    "Familiecenter": "familiecentret",
    "Sundhedscenter": "sundhedscentret",
    "Genoptræningscenter": "genoptræningen",
    "Tandpleje": "tandplejen",
    "Bibliotek": "biblioteket",
    "Kulturhus": "kulturhuset",
    "Musikskole": "musikskolen",
    "Museum": "museet",
    "Idrætshal": "hallen",
    "Svømmehal": "svømmehallen",
    "Idrætsanlæg": "stadion",
}

# --------------------------------------------------------------------------- associations

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
ASSOCIATION_ONLY_ONE_WAVE = 0.03
OPENNESS_SKEW = 2.0
"""An association's openness is its field's times ``u ** OPENNESS_SKEW`` (u uniform)."""
SPREAD_PENALTY = 0.5
"""A partner already tied to k institutions is accepted with openness / (1 + k x this)."""
ASSOCIATION_CVR_SHARE = 0.70


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


@dataclass
class Institution:
    """A municipal institution and its true cooperation per wave."""

    code: str
    kommunekode: str
    name: str
    institution_type: str
    policy_area: str
    place: str
    municipality: str
    truth: dict[int, dict[str, int]] = field(default_factory=dict)
    leader: dict[int, str] = field(default_factory=dict)
    leader_email: dict[int, str] = field(default_factory=dict)

    def target(self) -> NameTarget:
        """What a respondent knows when writing this institution's name."""
        return NameTarget(
            entity_type="institution",
            code=self.code,
            name=self.name,
            place=self.place,
            municipality=self.municipality,
            cvr="",
            nickname=INSTITUTION_NICKNAMES.get(self.institution_type, ""),
        )


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


# --------------------------------------------------------------------------- helpers


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


def _place_weights(places: tuple[str, ...]) -> list[float]:
    return [4.0 if index == 0 else 2.0 if index < 5 else 1.0 for index in range(len(places))]


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


# --------------------------------------------------------------------------- municipalities


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


# --------------------------------------------------------------------------- building

_COMPOUND = re.compile(r"\{place\}[a-zæøå]")
"""A template that glues the place to a word (``{place}skolen``): single-word places only."""


def _make_institutions(
    rng: random.Random, municipality: Municipality, count: int, areas: tuple[str, ...]
) -> list[Institution]:
    mix_source = AREA_MIX_HOUSING_AREA if municipality.kommunekode == "0751" else AREA_MIX
    mix = {area: mix_source.get(area, 0.05) for area in areas}
    per_area = allocate(count, mix)
    plan = [area for area in areas for _ in range(per_area[area])]
    rng.shuffle(plan)
    taken: set[str] = set()
    weights = _place_weights(municipality.places)
    made = []
    for number, area in enumerate(plan, start=1):
        types = INSTITUTION_TYPES.get(area, (("Kommunal institution", 1.0),))
        institution_type = rng.choices([t for t, _ in types], weights=[w for _, w in types])[0]
        patterns = INSTITUTION_PATTERNS.get(institution_type, (("{place} " + area.title(), ()),))
        name = ""
        place = ""
        for attempt in range(40):
            place = rng.choices(municipality.places, weights=weights)[0]
            template, word_list = rng.choice(patterns)
            if " " in place and _COMPOUND.search(template):
                continue
            word = rng.choice(word_list) if word_list else ""
            candidate = template.format(place=place, word=word)
            if attempt >= 30:
                candidate = f"{candidate} {rng.choice(municipality.places)}"
            if name_key(candidate) not in taken:
                name = candidate
                break
        if not name:
            name = f"{institution_type} {place} {number}"
        taken.add(name_key(name))
        made.append(
            Institution(
                code=f"I{municipality.kommunekode}-{number:04d}",
                kommunekode=municipality.kommunekode,
                name=name,
                institution_type=institution_type,
                policy_area=area,
                place=place,
                municipality=municipality.name,
            )
        )
    return made


def _association_nickname(template: str, place: str) -> str:
    if template.startswith("{place} "):
        rest = template[len("{place} ") :]
        if " " not in rest:
            return definite_form(rest)
    return ""


def _make_associations(
    rng: random.Random,
    municipality: Municipality,
    per_wave: int,
    fields: tuple[str, ...],
    cvr_taken: set[str],
    waves: tuple[int, ...],
) -> list[Association]:
    only_one_wave = round(per_wave * ASSOCIATION_ONLY_ONE_WAVE)
    total = per_wave + only_one_wave
    mix_source = FIELD_MIX_HOUSING_AREA if municipality.kommunekode == "0751" else FIELD_MIX
    per_field = allocate(total, {f: mix_source.get(f, 0.05) for f in fields})
    plan = [f for f in fields for _ in range(per_field[f])]
    rng.shuffle(plan)
    taken: set[str] = set()
    weights = _place_weights(municipality.places)
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


def _make_ties(
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
        institutions[code] = _make_institutions(
            rng, municipality, n_institutions[code], reference.policy_areas
        )
        associations[code] = _make_associations(
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
        local_ties = _make_ties(
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
