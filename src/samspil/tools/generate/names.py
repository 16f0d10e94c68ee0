"""Danish name pieces, fake personal data, and how respondents mis-write names.

Everything here is made up: the person names are common Danish (and, for the
Gellerup/Hasle area, common immigrant) first names and surnames combined at
random; e-mail addresses and phone numbers are random strings of the right
shape. Place names of the five study municipalities are real towns and
districts; other municipalities get their own name plus generic parts.

How a respondent writes a name (``variant_kind`` in ``truth/name_variants.csv``):

``exact``
    the registered name as it is.
``case_punctuation``
    lower or upper case, an extra comma before the last word, a trailing
    period, or a double space (``ældre sagen, odense``).
``missing_space``
    one space dropped (``ÆldreSagen Odense``, ``TarupSkole``).
``afd_suffix``
    a chapter suffix on ``<organisation> <town>`` names: ``, Odense afd.``,
    `` afd. Odense`` or `` (afdeling Odense)`` in place of the town.
``abbreviation``
    the first rule of :data:`ABBREVIATIONS` that matches, applied once.
``typo``
    one letter swapped with its neighbour, dropped or doubled (Danish letters
    are kept as they are).
``with_cvr``
    the name followed by the association's CVR number (``CVR 12345678``,
    ``(cvr: 12345678)``); only for associations that have one.
``cvr_only``
    only the CVR number (``CVR-nr. 12345678``); only for associations that have one.
``informal``
    the town dropped (``Ældre Sagen``), a nickname (``skolen i Tarup``,
    ``idrætsforeningen i Tarup``) or the type word dropped (``Solsikken``);
    also used for the few partner names written with a contact person.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass


def words(text: str) -> tuple[str, ...]:
    """A tuple of the whitespace-separated words of ``text``."""
    return tuple(text.split())


def places(text: str) -> tuple[str, ...]:
    """A tuple of the ``;``-separated place names of ``text``."""
    return tuple(part.strip() for part in text.split(";"))


# --------------------------------------------------------------------------- places

STUDY_MUNICIPALITIES: tuple[tuple[str, str], ...] = (
    ("0461", "Odense"),
    ("0430", "Faaborg-Midtfyn"),
    ("0320", "Faxe"),
    ("0230", "Rudersdal"),
    ("0751", "Aarhus"),
)
"""The five study municipalities, in the order they are generated."""

STUDY_PLACES: dict[str, tuple[str, ...]] = {
    "0461": places(
        "Odense; Tarup; Vollsmose; Bolbro; Hjallese; Dalum; Højby; Næsby; Korup; Bellinge; "
        "Holluf Pile; Fraugde; Dyrup; Sanderum; Hunderup; Bullerup; Agedrup; Seden; Paarup; "
        "Tornbjerg; Stige; Ejby; Rosengård; Lumby; Allesø; Ubberud; Holmstrup; "
        "Sankt Klemens"
    ),
    "0430": places(
        "Faaborg; Ringe; Årslev; Ryslinge; Broby; Nørre Lyndelse; Kværndrup; Gislev; "
        "Ferritslev; Korinth; Espe; Vester Hæsinge; Horne; Millinge; Svanninge; Sønder Nærå; "
        "Krarup; Brobyværk; Haastrup; Heden"
    ),
    "0320": places(
        "Faxe; Haslev; Karise; Rønnede; Dalby; Faxe Ladeplads; Terslev; Kongsted; Tureby; "
        "Spjellerup; Roholte; Bråby; Ulse; Jenstrup"
    ),
    "0230": places(
        "Holte; Birkerød; Nærum; Vedbæk; Skodsborg; Trørød; Bistrup; Øverød; Gammel Holte; "
        "Søllerød; Kajerød; Dronninggård; Høsterkøb; Ebberød"
    ),
    "0751": places(
        "Gellerup; Hasle; Toveshøj; Brabrand; Gellerupparken; Bispehaven; Herredsvang; "
        "Hasle Bakker; Skjoldhøj"
    ),
}
"""Real towns and districts of the study municipalities (Aarhus: Gellerup/Hasle only)."""

EMAIL_DOMAINS: dict[str, str] = {
    "0461": "odense.dk",
    "0430": "fmk.dk",
    "0320": "faxekommune.dk",
    "0230": "rudersdal.dk",
    "0751": "aarhus.dk",
}

_VILLAGE_PREFIXES = words(
    "Skov Eg Bøge Lind Ris Hol Vester Øster Nørre Sønder Ny Sol Kirke Mølle Strand Hjort "
    "Rav Tor Ul Ask Elle Hørs Sand Vad Klin Gud Lun Tå Ål Bro"
)
_VILLAGE_SUFFIXES = words(
    "by lev rup strup sted løse bjerg holm høj ager bæk mose lund toft bølle ved"
)
_DIRECTIONS = ("Nord", "Syd", "Øst", "Vest", "Midt")


def generic_places(rng: random.Random, municipality: str) -> tuple[str, ...]:
    """Places for a municipality outside the study: its name, quarters and made-up villages."""
    places = [municipality] + [f"{municipality} {direction}" for direction in _DIRECTIONS]
    villages: list[str] = []
    while len(villages) < 14:
        village = rng.choice(_VILLAGE_PREFIXES) + rng.choice(_VILLAGE_SUFFIXES)
        if village not in villages and village != municipality:
            villages.append(village)
    return tuple(places + villages)


# --------------------------------------------------------------------------- persons

FEMALE_FIRST = words(
    "Mette Hanne Anne Kirsten Susanne Lene Charlotte Marianne Pia Tina Camilla Louise "
    "Helle Inge Birgitte Karen Lone Maria Sofie Ida Jette Bente Dorte Rikke Trine Signe "
    "Maja Line Gitte Annette Søs Åse"
)
MALE_FIRST = words(
    "Jens Peter Lars Michael Henrik Søren Thomas Niels Anders Morten Jan Martin Rasmus "
    "Jesper Mads Christian Ole Bo Kim Poul Torben Jørgen Erik Klaus Frederik Mikkel "
    "Steen Bjørn"
)
SURNAMES = words(
    "Hansen Jensen Nielsen Pedersen Andersen Christensen Larsen Sørensen Rasmussen "
    "Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen "
    "Møller Mortensen Knudsen Jakobsen Mikkelsen Frederiksen Laursen Lund Holm Schmidt "
    "Eriksen Nygaard Bach Dahl Østergaard Skov Vestergaard Damgaard Bøgh"
)
IMMIGRANT_FIRST = words(
    "Ahmed Fatima Mohamed Aisha Hassan Leyla Ali Yasmin Omar Amina Ibrahim Zeynep "
    "Mustafa Hodan Khalid Nadia"
)
IMMIGRANT_SURNAMES = words(
    "Hussein Ali Yilmaz Abdi Mohamud Khalil Hassan Demir Farah Omar Rahimi Nasser"
)
PRIVATE_EMAIL_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "live.dk",
    "mail.dk",
    "outlook.dk",
    "yahoo.dk",
    "jubii.dk",
)

_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "ue", "ö": "oe"})


def person_name(rng: random.Random, kommunekode: str = "") -> str:
    """A fake person name; the Gellerup/Hasle area (0751) has more immigrant names."""
    if kommunekode == "0751" and rng.random() < 0.45:
        return f"{rng.choice(IMMIGRANT_FIRST)} {rng.choice(IMMIGRANT_SURNAMES)}"
    first = rng.choice(FEMALE_FIRST if rng.random() < 0.6 else MALE_FIRST)
    return f"{first} {rng.choice(SURNAMES)}"


def ascii_slug(text: str) -> str:
    """``Hanne Jørgensen`` → ``hanne.joergensen`` (for synthetic e-mail addresses)."""
    lowered = text.lower().translate(_ASCII)
    decomposed = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", decomposed).strip(".")


def work_email(name: str, domain: str) -> str:
    """A fake work address such as ``hanne.joergensen@odense.dk``."""
    return f"{ascii_slug(name)}@{domain}"


def private_email(rng: random.Random, name: str) -> str:
    """A fake private address such as ``mette.hansen@gmail.com``."""
    slug = ascii_slug(name)
    if rng.random() < 0.4:
        slug = slug.replace(".", "") + str(rng.randint(1, 99))
    return f"{slug}@{rng.choice(PRIVATE_EMAIL_DOMAINS)}"


def phone_number(rng: random.Random) -> str:
    """A fake Danish phone number in one of the ways people write them."""
    digits = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    pairs = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    style = rng.randrange(4)
    if style == 0:
        return f"+45 {pairs}"
    if style == 1:
        return digits
    if style == 2:
        return pairs
    return f"{digits[:4]} {digits[4:]}"


# --------------------------------------------------------------------------- keys


def name_key(name: str) -> str:
    """Lower-case, spaces and punctuation removed: names are unique on this key."""
    return "".join(char for char in name.lower() if char.isalnum())


def definite_form(word: str) -> str:
    """Danish definite form of the type word of a club name, or ``''``."""
    lowered = word.lower()
    for ending, suffix in (
        ("klub", "ben"),
        ("forening", "en"),
        ("kor", "et"),
        ("råd", "et"),
        ("hus", "et"),
        ("skole", "n"),
        ("garde", "n"),
        ("band", "et"),
    ):
        if lowered.endswith(ending):
            return lowered + suffix
    return ""


# --------------------------------------------------------------------------- variants

VARIANT_KIND_SHARES: dict[str, float] = {
    "exact": 0.35,
    "case_punctuation": 0.15,
    "missing_space": 0.10,
    "afd_suffix": 0.08,
    "abbreviation": 0.08,
    "typo": 0.10,
    "with_cvr": 0.06,
    "cvr_only": 0.02,
    "informal": 0.06,
}
"""Planted shares of the variant kinds. For a name some kinds cannot apply to (no CVR,
no abbreviation rule…), ``exact`` keeps its share and the others share the rest."""

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Idrætsforeningen", "IF"),
    ("Idrætsforening", "IF"),
    ("Boldklubben", "BK"),
    ("Boldklub", "BK"),
    ("Gymnastikforeningen", "GF"),
    ("Gymnastikforening", "GF"),
    ("Håndboldklub", "HK"),
    ("Tennisklub", "TK"),
    ("Badmintonklub", "BMK"),
    ("Dansk Røde Kors", "DRK"),
    ("Det Danske Spejderkorps", "DDS"),
    ("Kræftens Bekæmpelse", "KB"),
    ("Plejecentret ", ""),
    ("Plejecenter", "Plejectr."),
    ("Skole", "Sk."),
    ("Bibliotek", "Bibl."),
    ("Børnehuset", "Bh."),
    ("Daginstitutionen", "Dagi."),
    ("Fritidsklubben", "Fritidskl."),
    ("Fritidsklub", "Fritidskl."),
    ("Sundhedscenter", "Sundhedsctr."),
    ("Genoptræningscenter", "Genoptr.ctr."),
    ("Aktivitetscenter", "Akt.center"),
    ("Sankt", "Skt."),
    ("-forening", "-foren."),
    ("-skolen", "-sk."),
)
"""Fixed abbreviation table: (in the registered name, as written). A whole word is
replaced; an entry starting with ``-`` replaces a word ending (``Kunstforening`` →
``Kunstforen.``). The first rule that matches is applied once; ``Plejecentret`` is
dropped altogether."""


def _abbreviation_pattern(long: str) -> re.Pattern[str]:
    if long.startswith("-"):
        return re.compile(r"(?<=\w)" + re.escape(long[1:]) + r"(?!\w)")
    if long.endswith(" "):
        return re.compile(r"(?<!\w)" + re.escape(long))
    return re.compile(r"(?<!\w)" + re.escape(long) + r"(?!\w)")


_ABBREVIATION_PATTERNS = tuple(
    (_abbreviation_pattern(long), short.lstrip("-")) for long, short in ABBREVIATIONS
)

_TYPE_PREFIXES = (
    "Børnehuset",
    "Børnehaven",
    "Vuggestuen",
    "Daginstitutionen",
    "Plejecentret",
    "Bostedet",
    "Botilbuddet",
    "Værestedet",
    "Fritidsklubben",
    "Ungdomsklubben",
    "Kulturhuset",
    "Aktivitetshuset",
    "Specialskolen",
    "Heldagsskolen",
)


@dataclass(frozen=True)
class NameTarget:
    """What a respondent can know about an entity when writing its name."""

    entity_type: str
    code: str
    name: str
    place: str
    municipality: str
    cvr: str
    nickname: str


def abbreviate(name: str) -> str:
    """Apply the first matching rule of :data:`ABBREVIATIONS`, or return ``''``."""
    for pattern, short in _ABBREVIATION_PATTERNS:
        if pattern.search(name):
            written = pattern.sub(short, name, count=1)
            return re.sub(r"\s+", " ", written).strip()
    return ""


def _informal_options(target: NameTarget) -> list[str]:
    options: list[str] = []
    if target.nickname:
        options.append(f"{target.nickname} i {target.place or target.municipality}")
    for town in (target.place, target.municipality):
        if town and target.name.endswith(" " + town):
            rest = target.name[: -len(town) - 1].strip(" ,")
            if rest and name_key(rest) != name_key(target.name):
                options.append(rest)
    first, _, rest = target.name.partition(" ")
    if first in _TYPE_PREFIXES and rest:
        options.append(rest)
    return [option for option in dict.fromkeys(options) if option != target.name]


def _afd_town(target: NameTarget) -> str:
    for town in (target.place, target.municipality):
        if town and target.name.endswith(" " + town) and len(target.name) > len(town) + 1:
            return town
    return ""


def applicable_kinds(target: NameTarget) -> list[str]:
    """The variant kinds that can be applied to ``target``'s name."""
    kinds = ["exact", "case_punctuation", "typo"]
    if " " in target.name:
        kinds.append("missing_space")
    if target.entity_type == "association" and _afd_town(target):
        kinds.append("afd_suffix")
    if abbreviate(target.name):
        kinds.append("abbreviation")
    if target.cvr:
        kinds.extend(["with_cvr", "cvr_only"])
    if _informal_options(target):
        kinds.append("informal")
    return [kind for kind in VARIANT_KIND_SHARES if kind in kinds]


def choose_kind(rng: random.Random, target: NameTarget) -> str:
    """Draw a variant kind: ``exact`` with its planted share, the rest of the probability
    spread over the other kinds that apply, in proportion to their planted shares."""
    kinds = applicable_kinds(target)
    others = [kind for kind in kinds if kind != "exact"]
    rest = 1 - VARIANT_KIND_SHARES["exact"]
    other_total = sum(VARIANT_KIND_SHARES[kind] for kind in others)
    weights = [
        VARIANT_KIND_SHARES[kind]
        if kind == "exact"
        else VARIANT_KIND_SHARES[kind] * rest / other_total
        for kind in kinds
    ]
    return rng.choices(kinds, weights=weights)[0]


def _case_punctuation(rng: random.Random, name: str) -> str:
    written = name
    for _ in range(rng.randint(1, 2)):
        move = rng.randrange(5)
        if move == 0:
            written = written.lower()
        elif move == 1:
            written = written.upper() if rng.random() < 0.3 else written.lower()
        elif move == 2 and " " in written:
            head, _, tail = written.rpartition(" ")
            written = f"{head}, {tail}"
        elif move == 3:
            written = written + "."
        elif " " in written:
            spaces = [i for i, char in enumerate(written) if char == " "]
            at = rng.choice(spaces)
            written = written[:at] + " " + written[at:]
    if written == name:
        written = name.lower() if name.lower() != name else name + "."
    return written


def _missing_space(rng: random.Random, name: str) -> str:
    spaces = [i for i, char in enumerate(name) if char == " "]
    at = rng.choice(spaces)
    return name[:at] + name[at + 1 :]


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    for _ in range(50):
        move = rng.randrange(3)
        at = rng.choice(letters)
        if move == 0:
            if at + 1 < len(name) and name[at + 1].isalpha() and name[at] != name[at + 1]:
                return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
        elif move == 1:
            if at > 0 and len(letters) > 3:
                return name[:at] + name[at + 1 :]
        else:
            return name[: at + 1] + name[at] + name[at + 1 :]
    return name + name[-1]


def _afd_suffix(rng: random.Random, target: NameTarget) -> str:
    town = _afd_town(target)
    base = target.name[: -len(town) - 1].rstrip(" ,")
    style = rng.randrange(3)
    if style == 0:
        return f"{base}, {town} afd."
    if style == 1:
        return f"{base} afd. {town}"
    return f"{base} (afdeling {town})"


def write_variant(rng: random.Random, target: NameTarget, kind: str) -> str:
    """Write ``target``'s name the way ``kind`` says (the kind must apply)."""
    if kind == "exact":
        return target.name
    if kind == "case_punctuation":
        return _case_punctuation(rng, target.name)
    if kind == "missing_space":
        return _missing_space(rng, target.name)
    if kind == "afd_suffix":
        return _afd_suffix(rng, target)
    if kind == "abbreviation":
        return abbreviate(target.name)
    if kind == "typo":
        return _typo(rng, target.name)
    if kind == "with_cvr":
        style = rng.randrange(3)
        if style == 0:
            return f"{target.name} CVR {target.cvr}"
        if style == 1:
            return f"{target.name} (cvr: {target.cvr})"
        return f"{target.name}, CVR-nr. {target.cvr}"
    if kind == "cvr_only":
        return rng.choice(("CVR-nr. {}", "CVR {}", "cvr: {}")).format(target.cvr)
    if kind == "informal":
        return rng.choice(_informal_options(target))
    raise ValueError(f"unknown variant kind {kind!r}")


def cpr_number(seed: str) -> str:
    """A fake CPR number (``ddmmyy-xxxx``, a real date, no check digit), drawn from its own
    generator seeded by ``seed`` so that planting one leaves the main stream of draws as it
    was."""
    rng = random.Random(seed)
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))
    return f"{born:%d%m%y}-{rng.randrange(10_000):04d}"


def with_contact(rng: random.Random, target: NameTarget, kommunekode: str) -> str:
    """A partner name written with a contact person (fake personal data), kind ``informal``:
    a phone number, an e-mail address, or now and then the person's CPR number."""
    person = person_name(rng, kommunekode)
    base = rng.choice(_informal_options(target) or [target.name])
    if rng.random() < 0.5:
        phone = phone_number(rng)
        if phone.endswith(("0", "1", "2")):
            return f"{base} (kontakt: {person}, cpr {cpr_number(person + phone)})"
        return f"{base} (kontakt: {person}, {phone})"
    return f"{base} v/ {person}, {private_email(rng, person)}"
