"""The study's published figures, planted in the synthetic population.

The generator reads ``seeds/published_figures.csv`` and plants every figure whose
construct it models exactly in the finite population it draws, as the source defines
the figure (the shares are shares of every unit in the wave's frame; at scale S the
counts are S times the published ones, the shares the same):

- 818 institution leaders invited in 2016, 55 % of them answering;
- 1,525 associations answering in 2016, 47 % of those invited, so 3,245 invited
  (1,525 / 0.47, rounded);
- 67 % of the institutions cooperating with associations *or* volunteers (2016);
- 26 %, 16 % and 34 % of the associations cooperating with a school, with a day care,
  SFO or youth club, and with another municipal or regional institution (2016);
- 43 % of the associations cooperating with at least one municipal institution, and
  57 % counting the municipal administration (2018).

Where the sources disagree, one figure is planted and the other is not:

- the 2016 institution response rate is 55 % in the SDU project report and 68 % in the
  ISTR 2018 paper. The SDU page is the survey's own report and gives the 818 invited
  beside its rate; 55 % is planted, 68 % is not;
- the ISTR paper cites 2,510 associations invited, which the SDU news item's 1,525
  answering at 47 % contradict (1,525 / 0.47 is about 3,245; 1,525 of 2,510 would be
  61 %). The two SDU figures agree with each other and are planted; 2,510 is not.

``truth/published_figures.csv`` records, for every planted figure, the value the drawn
population has (in the seed's unit) with its numerator and denominator: what a build
of the data should reproduce. Figures that are not planted have no row there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from samspil.tools.generate.reference import Reference

if TYPE_CHECKING:
    from samspil.tools.generate.surveys import SurveyOutput
    from samspil.tools.generate.world import World

INSTITUTIONS_INVITED = "institution_leaders_invited_2016"
INSTITUTION_RESPONSE = "institution_response_rate_2016_sdu"
ASSOCIATIONS_ANSWERING = "associations_answering_2016"
ASSOCIATION_RESPONSE = "association_response_rate_2016"
INSTITUTIONS_COOPERATING = "institutions_cooperating_istr"
ASSOCIATION_CONSTRUCTS: dict[str, str] = {
    "coop_school": "associations_cooperating_school_2016",
    "coop_daycare_sfo_youth": "associations_cooperating_daycare_2016",
    "coop_other_institution": "associations_cooperating_other_2016",
}
"""The association-survey construct each 2016 share of the SDU news item plants."""
ASSOCIATIONS_COOPERATING = "associations_cooperating_2018"
ASSOCIATIONS_COOPERATING_OR_ADMINISTRATION = "associations_cooperating_incl_administration_2018"

PLANTED_WAVES: dict[str, int] = {
    INSTITUTIONS_INVITED: 0,
    INSTITUTION_RESPONSE: 0,
    ASSOCIATIONS_ANSWERING: 0,
    ASSOCIATION_RESPONSE: 0,
    INSTITUTIONS_COOPERATING: 0,
    **dict.fromkeys(ASSOCIATION_CONSTRUCTS.values(), 0),
    ASSOCIATIONS_COOPERATING: 1,
    ASSOCIATIONS_COOPERATING_OR_ADMINISTRATION: 1,
}
"""Every figure the generator plants, with the wave it plants it in: 0 the first wave of
``seeds/survey_waves.csv``, 1 the second (every later wave repeats the second's share)."""


@dataclass(frozen=True)
class Targets:
    """What the generator plants, from the published figures (shares as fractions)."""

    institutions_invited: int
    """Institutions in each wave's frame at scale 1."""
    institution_response: float
    """Share of the institutions answering in the first wave."""
    associations_invited: int
    """Associations in each wave's frame at scale 1."""
    association_response: float
    """Share of the associations answering in the first wave."""
    institutions_cooperating: float
    """Share of the institutions cooperating with associations or volunteers, first wave."""
    association_constructs: dict[str, float]
    """Share of the associations per cooperation construct, first wave."""
    associations_cooperating: float
    """Share of the associations cooperating with a municipal institution, second wave
    (and every later one)."""
    associations_cooperating_or_administration: float
    """The same, counting the municipal administration, second wave (and every later one)."""


def _value(reference: Reference, figure_id: str) -> float:
    figure = reference.published_figures.get(figure_id)
    if figure is None:
        raise ValueError(
            f"seeds/published_figures.csv has no figure {figure_id!r}: the generator plants it"
        )
    planted_wave = reference.waves[PLANTED_WAVES[figure_id]]
    if figure.wave != planted_wave:
        raise ValueError(
            f"seeds/published_figures.csv: figure {figure_id!r} is about wave {figure.wave}; "
            f"the generator plants it in wave {planted_wave}"
        )
    return figure.value / 100 if figure.unit == "percent" else figure.value


def targets(reference: Reference) -> Targets:
    """The planted values, read from the published figures of ``reference``."""
    answering = _value(reference, ASSOCIATIONS_ANSWERING)
    association_invited = round(answering / _value(reference, ASSOCIATION_RESPONSE))
    return Targets(
        institutions_invited=round(_value(reference, INSTITUTIONS_INVITED)),
        institution_response=_value(reference, INSTITUTION_RESPONSE),
        associations_invited=association_invited,
        association_response=answering / association_invited,
        institutions_cooperating=_value(reference, INSTITUTIONS_COOPERATING),
        association_constructs={
            construct: _value(reference, figure_id)
            for construct, figure_id in ASSOCIATION_CONSTRUCTS.items()
        },
        associations_cooperating=_value(reference, ASSOCIATIONS_COOPERATING),
        associations_cooperating_or_administration=_value(
            reference, ASSOCIATIONS_COOPERATING_OR_ADMINISTRATION
        ),
    )


def planted_count(share: float, units: int) -> int:
    """How many of ``units`` a planted ``share`` is: the nearest whole number."""
    return round(share * units)


def _in_wave(rows: list[list[str]], column: int, wave: int) -> int:
    return sum(row[column] == str(wave) for row in rows)


def planted_figures(
    reference: Reference, world: World, institution: SurveyOutput, association: SurveyOutput
) -> list[list[str]]:
    """One row per planted figure: figure_id, planted_value (in the seed's unit),
    numerator, denominator (empty for a count), as the drawn population has them."""
    first, second = world.waves[:2]
    invited = {
        "institution": _in_wave(institution.frame_rows, 1, first),
        "association": _in_wave(association.frame_rows, 1, first),
    }
    answered = {
        "institution": _in_wave(institution.response_rows, 2, first),
        "association": _in_wave(association.response_rows, 2, first),
    }
    institutions = world.institutions
    cooperating = sum(
        1
        for inst in institutions
        if inst.truth[first]["coop_associations"] or inst.truth[first]["coop_volunteers"]
    )
    members = {
        wave: [assoc.truth[wave] for assoc in world.associations if wave in assoc.waves]
        for wave in (first, second)
    }
    measures: dict[str, tuple[int, int | None]] = {
        INSTITUTIONS_INVITED: (invited["institution"], None),
        INSTITUTION_RESPONSE: (answered["institution"], invited["institution"]),
        ASSOCIATIONS_ANSWERING: (answered["association"], None),
        ASSOCIATION_RESPONSE: (answered["association"], invited["association"]),
        INSTITUTIONS_COOPERATING: (cooperating, len(institutions)),
        **{
            figure_id: (sum(truth[construct] for truth in members[first]), len(members[first]))
            for construct, figure_id in ASSOCIATION_CONSTRUCTS.items()
        },
        ASSOCIATIONS_COOPERATING: (
            sum(truth["coop_municipal"] for truth in members[second]),
            len(members[second]),
        ),
        ASSOCIATIONS_COOPERATING_OR_ADMINISTRATION: (
            sum(
                1
                for truth in members[second]
                if truth["coop_municipal"] or truth["coop_administration"]
            ),
            len(members[second]),
        ),
    }
    rows = []
    for figure_id, (numerator, denominator) in sorted(measures.items()):
        unit = reference.published_figures[figure_id].unit
        if denominator is None:
            rows.append([figure_id, str(numerator), str(numerator), ""])
        else:
            value = 100 * numerator / denominator if unit == "percent" else numerator / denominator
            rows.append([figure_id, repr(value), str(numerator), str(denominator)])
    return rows
