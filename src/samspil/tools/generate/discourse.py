"""Discourse documents, coded segments and the coders' codings.

Each document is 4-12 Danish sentences. 2-5 of them, one or two sentences each,
are segments with a true justification code drawn from a frame mix that varies
by municipality and year (democracy rises over time, economy falls); their
sentences come from templates written for that code. Every segment is coded
by one primary coder, ~35 % by two and ~10 % by three; a coding is the true
code with the code's planted accuracy, else a uniformly drawn other code.

``truth/coder_agreement.csv`` attributes each pair of coders on a segment to the
segment's TRUE code: ``expected_pairwise_agreement`` is p² + (1 - p)² / (K - 1)
for the code's accuracy p and K codes; the ``overall`` row gives the accuracy
averaged over all codings and the expected agreement averaged over all pairs.
``truth/coder_reliability.csv`` holds Krippendorff's alpha per code, per frame
and overall and Cohen's kappa per coder pair, realised by the codings written
and expected under the planted accuracies (:mod:`samspil.tools.generate.reliability`).
Offsets are Python ``str`` indices (Unicode code points); about 3 % of the
texts, all news items, hold an emoji outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from samspil.tools.generate.municipalities import spread_counts
from samspil.tools.generate.names import words
from samspil.tools.generate.reference import JustificationCode, Reference
from samspil.tools.generate.reliability import reliability_truth
from samspil.tools.generate.world import World

BASE_DOCUMENTS: dict[str, int] = {"0461": 90, "0430": 60, "0320": 50, "0230": 60, "0751": 40}
"""Documents of each study municipality; a larger scale spreads S - 1 times as many more over
the other municipalities, as it does institutions."""
CODERS = ("coder_a", "coder_b", "coder_c", "coder_d")
CODER_COUNT_SHARES: dict[int, float] = {1: 0.55, 2: 0.35, 3: 0.10}
ACCURACY_RANGE = (0.75, 0.92)
DOCUMENT_TYPE_SHARES: dict[str, float] = {"policy": 0.20, "minutes": 0.45, "news": 0.35}
EMOJI_SHARE = 0.03
EMOJIS = ("🎉", "👍", "💪", "😊", "🙌", "🌳")
PERIOD = (dt.date(2015, 1, 1), dt.date(2018, 12, 31))
CODING_PERIOD = (dt.date(2016, 9, 1), dt.date(2019, 6, 30))

FRAME_WEIGHTS: dict[str, dict[str, float]] = {
    "0461": {"efficiency": 0.32, "democracy": 0.22, "community": 0.26, "economy": 0.20},
    "0430": {"efficiency": 0.28, "democracy": 0.22, "community": 0.30, "economy": 0.20},
    "0320": {"efficiency": 0.25, "democracy": 0.18, "community": 0.27, "economy": 0.30},
    "0230": {"efficiency": 0.30, "democracy": 0.28, "community": 0.24, "economy": 0.18},
    "0751": {"efficiency": 0.24, "democracy": 0.26, "community": 0.38, "economy": 0.12},
}
DEFAULT_FRAME_WEIGHTS: dict[str, float] = {
    "efficiency": 0.28,
    "democracy": 0.23,
    "community": 0.27,
    "economy": 0.22,
}
FRAME_TREND_PER_YEAR: dict[str, float] = {"democracy": 0.35, "economy": -0.08}
"""Relative change of a frame's weight per year after 2015."""

CODE_SENTENCES: dict[str, tuple[str, ...]] = {
    "EFF_BETTER_SOLUTIONS": (
        "Når kommunen og foreningerne arbejder sammen, finder vi bedre løsninger på "
        "velfærdsopgaverne i {sted}.",
        "Samarbejdet mellem {institution} og {forening} har vist, at opgaverne kan løses mere "
        "effektivt.",
        "Erfaringerne fra {sted} viser, at samarbejde med civilsamfundet giver en højere "
        "kvalitet i kerneopgaven.",
    ),
    "EFF_WICKED_PROBLEMS": (
        "Ensomhed og mistrivsel er komplekse problemer, som ingen sektor kan løse alene.",
        "De svære udfordringer i {sted} kræver, at kommune, foreninger og borgere løfter i flok.",
        "Hverken forvaltningen eller foreningerne kan alene løse de sammensatte problemer, vi "
        "står over for.",
    ),
    "EFF_INNOVATION": (
        "Samarbejdet med frivillige giver nye idéer og nye måder at arbejde på.",
        "{forening} har bidraget med en ny og anderledes tilgang til aktiviteterne på "
        "{institution}.",
        "Vi vil skabe rum for innovation, hvor foreninger og medarbejdere udvikler nye tilbud "
        "sammen.",
    ),
    "DEM_CITIZEN_PARTICIPATION": (
        "Borgerne skal inddrages aktivt, når vi udvikler velfærden i {kommune} Kommune.",
        "Gennem samarbejdet med foreningerne får flere borgere mulighed for at deltage i "
        "løsningen af fælles opgaver.",
        "Frivilligheden er en vigtig vej til at inddrage borgerne i lokalsamfundets udvikling.",
    ),
    "DEM_OWNERSHIP": (
        "Når frivillige er med fra starten, oplever borgerne et medejerskab for de lokale tilbud.",
        "Forældre og foreninger i {sted} føler et stærkt ejerskab til {institution}.",
        "Medejerskab skabes, når borgerne selv er med til at forme aktiviteterne.",
    ),
    "DEM_CO_DETERMINATION": (
        "Foreningerne skal have reel indflydelse på de beslutninger, der vedrører dem.",
        "{forening} har fået sæde i styregruppen og dermed medbestemmelse over projektets retning.",
        "Dialogmøderne giver foreningslivet en stemme i kommunens beslutninger.",
    ),
    "COM_SOCIAL_COHESION": (
        "Samarbejdet styrker sammenhængskraften og fællesskabet på tværs af generationer i {sted}.",
        "Foreningslivet er med til at bygge bro mellem borgere med forskellig baggrund.",
        "Stærke fællesskaber i {sted} betyder, at færre borgere står udenfor.",
    ),
    "COM_ACTIVE_CITIZENSHIP": (
        "Vi ønsker at fremme et aktivt medborgerskab, hvor flere tager ansvar for hinanden.",
        "De frivillige i {forening} er et godt eksempel på aktive medborgere, der gør en forskel.",
        "Kommunen vil understøtte, at flere borgere engagerer sig som frivillige.",
    ),
    "COM_LOCAL_IDENTITY": (
        "Samarbejdet mellem {institution} og {forening} er en vigtig del af identiteten i {sted}.",
        "Lokale traditioner og foreninger giver {sted} sit særpræg.",
        "Borgerne i {sted} er stolte af deres lokalsamfund, og foreningerne bærer det videre.",
    ),
    "ECO_COST_SAVING": (
        "Samarbejdet med frivillige kan bidrage til at realisere de nødvendige besparelser på "
        "budgettet.",
        "Ved at inddrage foreningerne kan kommunen spare udgifter til driften af {institution}.",
        "Frivillige kan overtage opgaver, så kommunen kan bruge færre penge på området.",
    ),
    "ECO_RESOURCES": (
        "Foreningerne bringer ekstra ressourcer ind i velfærden i form af tid, viden og "
        "engagement.",
        "{forening} har rejst fondsmidler, som kommer brugerne af {institution} til gode.",
        "De frivillige timer er et vigtigt supplement til de kommunale ressourcer.",
    ),
    "ECO_WELFARE_PRESSURE": (
        "Med flere ældre og færre hænder er der brug for nye måder at samarbejde på.",
        "Det økonomiske pres på velfærden betyder, at kommunen må tænke anderledes.",
        "Den demografiske udvikling i {kommune} Kommune lægger et stigende pres på budgetterne.",
    ),
}
"""Sentence templates per justification code; a code missing here gets a generic
sentence built from its Danish name in the seed."""

FILLER_SENTENCES: dict[str, tuple[str, ...]] = {
    "policy": (
        "Politikken gælder for hele {kommune} Kommune.",
        "Politikken er vedtaget af byrådet og revideres hvert fjerde år.",
        "Der er afsat {beloeb} kr. til initiativet i {aar}.",
        "Politikken bygger på en række dialogmøder med foreninger og borgere.",
        "Initiativet evalueres i løbet af {aar}.",
    ),
    "minutes": (
        "Sagen blev drøftet på mødet den {dato}.",
        "Udvalget tog orienteringen til efterretning.",
        "Forvaltningen indstiller, at sagen sendes videre til Økonomiudvalget.",
        "Der er afsat {beloeb} kr. til initiativet i {aar}.",
        "Et enigt udvalg godkendte indstillingen.",
        "Sagen genoptages på næste møde.",
    ),
    "news": (
        "Arrangementet foregår på {institution} på lørdag.",
        "Alle er velkomne, og der er gratis kaffe.",
        "Læs mere på kommunens hjemmeside.",
        "Der var fuldt hus, da {forening} holdt åbent hus i {sted}.",
        "Sæsonen starter efter sommerferien.",
    ),
}

GENERAL_FILLERS = (
    "Initiativet er en del af kommunens samlede strategi for {aar}.",
    "Der er nedsat en arbejdsgruppe med repræsentanter fra forvaltningen og foreningslivet.",
    "Baggrunden er en henvendelse fra flere lokale foreninger.",
    "Der er stor interesse for området blandt borgerne i {sted}.",
    "Der følges op på initiativet i begyndelsen af næste år.",
    "Forvaltningen har udarbejdet et notat om sagen.",
    "Erfaringerne skal samles og deles med de øvrige institutioner.",
    "Det er endnu for tidligt at sige, hvad resultatet bliver.",
)
"""Sentences without a justification that any document type may use."""

TITLES: dict[str, tuple[str, ...]] = {
    "policy": (
        "Frivillighedspolitik for {kommune} Kommune {aar}",
        "Strategi for samskabelse og frivillighed {aar}",
        "Politik for aktivt medborgerskab i {kommune}",
        "Handleplan for samarbejdet med civilsamfundet {aar}",
        "Ældrepolitik {aar}: Sammen om et godt ældreliv",
    ),
    "minutes": ("Referat: {udvalg}, møde {dato}",),
    "news": (
        "Ny aftale mellem {institution} og {forening}",
        "Frivillige giver en hånd på {institution}",
        "{forening} fejrer jubilæum",
        "Foreninger skal løfte flere opgaver",
        "Debat: Frivillige må ikke erstatte ansatte",
        "Stor opbakning til fællesspisning i {sted}",
    ),
}
COMMITTEES = (
    "Børne- og Ungeudvalget",
    "Ældre- og Handicapudvalget",
    "Kultur- og Fritidsudvalget",
    "Socialudvalget",
    "Økonomiudvalget",
    "Byrådet",
    "Sundheds- og Forebyggelsesudvalget",
)
MONTHS = words(
    "januar februar marts april maj juni juli august september oktober november december"
)


@dataclass
class DiscourseOutput:
    """What the discourse strand writes."""

    documents: list[list[str]]
    segments: list[list[str]]
    codings: list[list[str]]
    segment_truth: list[list[str]]
    agreement: list[list[str]]
    reliability: list[list[str]]
    parameters: dict[str, object]


def danish_date(date: dt.date) -> str:
    """``12. april 2016``."""
    return f"{date.day}. {MONTHS[date.month - 1]} {date.year}"


def _frame_weights(rng: random.Random, kommunekode: str, frames: list[str]) -> dict[str, float]:
    base = FRAME_WEIGHTS.get(kommunekode)
    if base is None:
        base = {f: w * rng.uniform(0.8, 1.2) for f, w in DEFAULT_FRAME_WEIGHTS.items()}
    return {frame: round(base.get(frame, 0.25), 3) for frame in frames}


def _code_for(
    rng: random.Random,
    weights: dict[str, float],
    year: int,
    codes_by_frame: dict[str, list[JustificationCode]],
) -> JustificationCode:
    frames = list(weights)
    trended = [
        weights[f] * max(0.05, 1 + FRAME_TREND_PER_YEAR.get(f, 0.0) * (year - PERIOD[0].year))
        for f in frames
    ]
    frame = rng.choices(frames, weights=trended)[0]
    return rng.choice(codes_by_frame[frame])


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def _sentence_for(rng: random.Random, code: JustificationCode, values: dict[str, str]) -> str:
    templates = CODE_SENTENCES.get(
        code.code, (f"Samarbejdet handler i høj grad om {code.name_da.lower()}.",)
    )
    return _fill(rng.choice(templates), values)


def _segment(
    rng: random.Random,
    weights: dict[str, float],
    year: int,
    codes_by_frame: dict[str, list[JustificationCode]],
    values: dict[str, str],
    length: int,
    used: set[str],
) -> tuple[JustificationCode, list[str]]:
    """A segment of ``length`` sentences for a drawn code, avoiding sentences already used."""
    code = _code_for(rng, weights, year, codes_by_frame)
    for _ in range(20):
        templates = CODE_SENTENCES.get(
            code.code, (f"Samarbejdet handler i høj grad om {code.name_da.lower()}.",)
        )
        fresh = [t for t in dict.fromkeys(_fill(t, values) for t in templates) if t not in used]
        if len(fresh) >= length:
            sentences = rng.sample(fresh, length)
            used.update(sentences)
            return code, sentences
        code = _code_for(rng, weights, year, codes_by_frame)
    sentences = [_sentence_for(rng, code, values) for _ in range(length)]
    used.update(sentences)
    return code, sentences


def _with_emoji(rng: random.Random, sentence: str) -> str:
    return f"{sentence[:-1]} {rng.choice(EMOJIS)}{sentence[-1]}"


def generate_discourse(
    reference: Reference, world: World, seed: int, scale: int
) -> DiscourseOutput:
    """Documents, segments and codings, with the planted truth."""
    rng = random.Random(f"samspil:{seed}:discourse")
    codes = list(reference.justification_codes)
    frames = list(dict.fromkeys(code.frame for code in codes))
    codes_by_frame = {frame: [c for c in codes if c.frame == frame] for frame in frames}
    accuracy = {code.code: round(rng.uniform(*ACCURACY_RANGE), 3) for code in codes}
    counts = spread_counts(world.municipalities, BASE_DOCUMENTS, scale, rng)
    frame_weights = {
        m.kommunekode: _frame_weights(rng, m.kommunekode, frames) for m in world.municipalities
    }
    span = (PERIOD[1] - PERIOD[0]).days

    drafts: list[tuple[str, dt.date, str, list[tuple[str, JustificationCode | None]], str]] = []
    for municipality in world.municipalities:
        code_m = municipality.kommunekode
        local_institutions = world.institutions_of(code_m)
        local_associations = world.associations_of(code_m)
        types = list(DOCUMENT_TYPE_SHARES)
        documents = []
        for _ in range(counts[code_m]):
            document_type = rng.choices(types, weights=list(DOCUMENT_TYPE_SHARES.values()))[0]
            published = PERIOD[0] + dt.timedelta(days=rng.randint(0, span))
            meeting = published - dt.timedelta(days=rng.randint(0, 6))
            values = {
                "kommune": municipality.name,
                "sted": rng.choice(municipality.places),
                "forening": rng.choice(local_associations).name if local_associations else "",
                "institution": rng.choice(local_institutions).name if local_institutions else "",
                "aar": str(published.year),
                "dato": danish_date(meeting),
                "beloeb": f"{rng.randint(2, 60) * 25_000:,}".replace(",", "."),
                "udvalg": rng.choice(COMMITTEES),
            }
            title = _fill(rng.choice(TITLES[document_type]), values)
            n_sentences = rng.randint(4, 12)
            n_segments = rng.randint(2, min(5, n_sentences))
            lengths = [1] * n_segments
            for index in range(n_segments):
                if sum(lengths) < n_sentences and rng.random() < 0.3:
                    lengths[index] = 2
            units: list[tuple[str, JustificationCode | None]] = []
            used: set[str] = set()
            for length in lengths:
                code, sentences = _segment(
                    rng, frame_weights[code_m], published.year, codes_by_frame, values, length, used
                )
                units.append((" ".join(sentences), code))
            fillers = [
                sentence
                for sentence in dict.fromkeys(
                    _fill(template, values)
                    for template in FILLER_SENTENCES[document_type] + GENERAL_FILLERS
                )
                if sentence not in used
            ]
            rng.shuffle(fillers)
            for index in range(n_sentences - sum(lengths)):
                units.append((fillers[index % len(fillers)], None))
            rng.shuffle(units)
            documents.append((published, document_type, title, units))
        documents.sort(key=lambda d: (d[0], d[1], d[2]))
        for number, (published, document_type, title, units) in enumerate(documents, start=1):
            document_id = f"D{code_m}-{number:04d}"
            drafts.append((document_id, published, document_type, units, title))

    news = [index for index, draft in enumerate(drafts) if draft[2] == "news"]
    n_emoji = min(len(news), max(1, round(EMOJI_SHARE * len(drafts)))) if news else 0
    with_emoji = set(rng.sample(news, n_emoji))

    document_rows: list[list[str]] = []
    segment_spans: list[tuple[str, int, int, str, JustificationCode]] = []
    for index, (document_id, published, document_type, units, title) in enumerate(drafts):
        if index in with_emoji:
            first_text, first_code = units[0]
            units = [(_with_emoji(rng, first_text), first_code), *units[1:]]
        text = ""
        for position, (unit_text, code) in enumerate(units):
            if position:
                paragraph = document_type != "news" and rng.random() < 0.3
                text += "\n\n" if paragraph else " "
            start = len(text)
            text += unit_text
            if code is not None:
                segment_spans.append((document_id, start, len(text), unit_text, code))
        document_rows.append(
            [document_id, document_id[1:5], document_type, published.isoformat(), title, text]
        )

    segment_rows: list[list[str]] = []
    segment_truth: list[list[str]] = []
    coding_rows: list[list[str]] = []
    published_of = {row[0]: dt.date.fromisoformat(row[3]) for row in document_rows}
    pairs: dict[str, list[int]] = {code.code: [] for code in codes}
    coding_weights: dict[str, int] = {code.code: 0 for code in codes}
    width = max(6, len(str(len(segment_spans))))
    for number, (document_id, start, end, segment_text, code) in enumerate(
        sorted(segment_spans, key=lambda span_: (span_[0], span_[1])), start=1
    ):
        segment_id = f"S{number:0{width}d}"
        segment_rows.append([segment_id, document_id, str(start), str(end), segment_text])
        segment_truth.append([segment_id, document_id, code.frame, code.code])
        n_coders = rng.choices(list(CODER_COUNT_SHARES), weights=list(CODER_COUNT_SHARES.values()))[
            0
        ]
        coders = rng.sample(CODERS, n_coders)
        earliest = max(published_of[document_id] + dt.timedelta(days=14), CODING_PERIOD[0])
        given: list[str] = []
        for coder in coders:
            if rng.random() < accuracy[code.code]:
                coded = code.code
            else:
                coded = rng.choice([c.code for c in codes if c.code != code.code])
            given.append(coded)
            coded_date = min(earliest + dt.timedelta(days=rng.randint(0, 120)), CODING_PERIOD[1])
            coding_rows.append([segment_id, coder, coded, coded_date.isoformat()])
        coding_weights[code.code] += n_coders
        for first, second in itertools.combinations(given, 2):
            pairs[code.code].append(int(first == second))
    coding_rows.sort(key=lambda row: (row[0], row[1]))

    k = len(codes)
    agreement: list[list[str]] = []
    expected = {c: accuracy[c] ** 2 + (1 - accuracy[c]) ** 2 / (k - 1) for c in accuracy}
    for code in sorted(accuracy):
        agreed = pairs[code]
        realised = f"{sum(agreed) / len(agreed):.4f}" if agreed else ""
        agreement.append(
            [code, f"{accuracy[code]:.3f}", f"{expected[code]:.4f}", realised, str(len(agreed))]
        )
    total_pairs = sum(len(v) for v in pairs.values())
    total_codings = sum(coding_weights.values())
    overall_accuracy = sum(accuracy[c] * coding_weights[c] for c in accuracy) / max(
        1, total_codings
    )
    overall_expected = sum(expected[c] * len(pairs[c]) for c in accuracy) / max(1, total_pairs)
    overall_realised = sum(sum(v) for v in pairs.values()) / total_pairs if total_pairs else None
    agreement.append(
        [
            "overall",
            f"{overall_accuracy:.3f}",
            f"{overall_expected:.4f}",
            "" if overall_realised is None else f"{overall_realised:.4f}",
            str(total_pairs),
        ]
    )
    parameters: dict[str, object] = {
        "coders": list(CODERS),
        "coder_count_shares": {str(n): share for n, share in CODER_COUNT_SHARES.items()},
        "coder_accuracy": accuracy,
        "frame_weights": frame_weights,
        "frame_trend_per_year": FRAME_TREND_PER_YEAR,
        "document_type_shares": DOCUMENT_TYPE_SHARES,
        "documents_per_municipality": counts,
        "emoji_documents": n_emoji,
        "period": [PERIOD[0].isoformat(), PERIOD[1].isoformat()],
    }
    return DiscourseOutput(
        documents=sorted(document_rows),
        segments=segment_rows,
        codings=coding_rows,
        segment_truth=segment_truth,
        agreement=agreement,
        reliability=reliability_truth(
            coding_rows,
            true_codes={row[0]: row[3] for row in segment_truth},
            frame_of={code.code: code.frame for code in codes},
            accuracy=accuracy,
            coders=CODERS,
        ),
        parameters=parameters,
    )
