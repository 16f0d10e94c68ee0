"""The institution frame: municipal institutions by policy area, with their names.

An institution's policy area follows the area mix of its municipality, its type the
area's types, and its name one of the type's patterns (unique in the municipality).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from samspil.tools.generate.municipalities import Municipality, allocate, place_weights
from samspil.tools.generate.names import NameTarget, name_key, words

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


_COMPOUND = re.compile(r"\{place\}[a-zæøå]")
"""A template that glues the place to a word (``{place}skolen``): single-word places only."""


def make_institutions(
    rng: random.Random, municipality: Municipality, count: int, areas: tuple[str, ...]
) -> list[Institution]:
    """The ``count`` institutions of ``municipality``."""
    mix_source = AREA_MIX_HOUSING_AREA if municipality.kommunekode == "0751" else AREA_MIX
    mix = {area: mix_source.get(area, 0.05) for area in areas}
    per_area = allocate(count, mix)
    plan = [area for area in areas for _ in range(per_area[area])]
    rng.shuffle(plan)
    taken: set[str] = set()
    weights = place_weights(municipality.places)
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
