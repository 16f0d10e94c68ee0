"""Inter-coder reliability of the generated codings: realised, and expected under the
planted accuracy model, for ``truth/coder_reliability.csv``.

The definitions are those of the marts ``rpt_intercoder_reliability`` and
``rpt_coder_pair_kappa``, computed here in plain Python, exactly (``Fraction``),
from the codings the generator wrote, so that the warehouse's SQL can be checked
against something it did not compute:

* The units of Krippendorff's alpha (nominal) are the segments coded by two or
  more coders. Per code, each coder who coded the unit gives one binary value,
  "applied this code"; per frame, "applied a code of this frame"; overall, every
  coding (coder × code) is a value of the unit (the pairable-values coincidence
  matrix). With m_u values in unit u, n_uv of them equal to v, n_v the total of v
  and n the number of values: alpha = 1 - (n - 1)(n - A) / (n² - Σ_v n_v²) with
  A = Σ_u Σ_v n_uv (n_uv - 1) / (m_u - 1).
* Cohen's kappa of a coder pair is over the segments both coded; a coder's
  category on a segment is its code (its codes joined with ``+`` if several):
  kappa = (N a - S) / (N² - S) with N segments, a of them agreeing and
  S = Σ_c (first coder's count of c)(second coder's count of c).

Expected values. On a segment with true code t each coder independently gives t
with probability p_t (the code's planted accuracy), else one of the other K - 1
codes uniformly. For a binary value "gave a code in G" (G one code, or the codes
of a frame) P(1 | t) = r_t = p_t [t in G] + (1 - p_t) |G minus t| / (K - 1); two
coders disagree with probability 2 r_t (1 - r_t). Overall, two coders agree with
probability p_t² + (1 - p_t)² / (K - 1), and P(v | t) = p_t if v = t else
(1 - p_t) / (K - 1). Given the segments that were multi-coded, their true codes and
numbers of coders, the expected observed disagreement is the m_u-weighted mean
of the units' disagreement probabilities, the expected chance disagreement
1 - Σ_v q_v² with q_v the m_u-weighted mean of P(v | t_u), and the expected alpha
1 - D_o / D_e (a ratio of expectations: its bias is of order 1 / n). Kappa
likewise, with every shared segment weighted 1: P_o the mean agreement
probability, P_e = Σ_v q_v², kappa = (P_o - P_e) / (1 - P_e).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction

ALPHA = "krippendorff_alpha_nominal"
KAPPA = "cohen_kappa"


def nominal_alpha(units: Iterable[Counter[str]]) -> Fraction | None:
    """Krippendorff's alpha (nominal) from each unit's value counts; units with fewer
    than two values are not pairable and left out. None where there is no expected
    disagreement (a single value throughout)."""
    n = 0
    agreement = Fraction(0)
    totals: Counter[str] = Counter()
    for unit in units:
        m = sum(unit.values())
        if m < 2:
            continue
        n += m
        agreement += Fraction(sum(c * (c - 1) for c in unit.values()), m - 1)
        totals.update(unit)
    chance = n * n - sum(total * total for total in totals.values())
    if chance == 0:
        return None
    return 1 - (n - 1) * (n - agreement) / chance


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> Fraction | None:
    """Cohen's kappa of two coders' categories on the units both coded; None where the
    chance agreement is 1 (or there are no units)."""
    n = len(pairs)
    agreeing = sum(first == second for first, second in pairs)
    first_counts = Counter(first for first, _ in pairs)
    second_counts = Counter(second for _, second in pairs)
    chance = sum(count * second_counts[value] for value, count in first_counts.items())
    if n * n == chance:
        return None
    return Fraction(n * agreeing - chance, n * n - chance)


def _expected_alpha(
    units: Sequence[tuple[int, dict[str, Fraction]]], agree: Sequence[Fraction]
) -> Fraction | None:
    """Expected alpha from each unit's (number of values, P(value | true code)) and its
    probability that two of its values agree."""
    n = sum(m for m, _ in units)
    observed = sum(m * (1 - a) for (m, _), a in zip(units, agree, strict=True)) / n
    shares: defaultdict[str, Fraction] = defaultdict(Fraction)
    for m, probabilities in units:
        for value, probability in probabilities.items():
            shares[value] += m * probability / n
    chance = 1 - sum(share * share for share in shares.values())
    return None if chance == 0 else 1 - observed / chance


def reliability_truth(
    codings: Sequence[Sequence[str]],
    true_codes: dict[str, str],
    frame_of: dict[str, str],
    accuracy: dict[str, float],
    coders: Sequence[str],
) -> list[list[str]]:
    """Rows of ``truth/coder_reliability.csv`` from the written codings
    (segment_id, coder_id, justification_code, …), the segments' true codes, the
    codebook's frames and the planted accuracy per code."""
    codes = sorted(frame_of)
    frames = sorted(set(frame_of.values()))
    others = len(codes) - 1
    p = {code: Fraction(str(accuracy[code])) for code in codes}
    given: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for segment_id, coder_id, code, *_ in codings:
        given[segment_id][coder_id].add(code)
    pairable = {s: by_coder for s, by_coder in given.items() if len(by_coder) >= 2}

    def code_probabilities(true: str) -> dict[str, Fraction]:
        return {c: p[true] if c == true else (1 - p[true]) / others for c in codes}

    def binary(members: set[str]) -> tuple[Fraction | None, Fraction | None]:
        realised = nominal_alpha(
            Counter("1" if chosen & members else "0" for chosen in by_coder.values())
            for by_coder in pairable.values()
        )
        units, agree = [], []
        for segment_id, by_coder in pairable.items():
            r = sum(code_probabilities(true_codes[segment_id])[c] for c in members)
            units.append((len(by_coder), {"1": r, "0": 1 - r}))
            agree.append(1 - 2 * r * (1 - r))
        return _expected_alpha(units, agree), realised

    rows: list[tuple[str, str, str, int, Fraction | None, Fraction | None]] = []
    for code in codes:
        rows.append(("code", code, ALPHA, len(pairable), *binary({code})))
    for frame in frames:
        members = {code for code in codes if frame_of[code] == frame}
        rows.append(("frame", frame, ALPHA, len(pairable), *binary(members)))

    units, agree = [], []
    for segment_id, by_coder in pairable.items():
        true = true_codes[segment_id]
        units.append((len(by_coder), code_probabilities(true)))
        agree.append(p[true] ** 2 + (1 - p[true]) ** 2 / others)
    realised = nominal_alpha(
        Counter(code for chosen in by_coder.values() for code in chosen)
        for by_coder in pairable.values()
    )
    rows.append(
        ("overall", "overall", ALPHA, len(pairable), _expected_alpha(units, agree), realised)
    )

    for first, second in itertools.combinations(sorted(coders), 2):
        shared = sorted(s for s, by_coder in given.items() if {first, second} <= set(by_coder))
        categories = [
            ("+".join(sorted(given[s][first])), "+".join(sorted(given[s][second]))) for s in shared
        ]
        expected = None
        if shared:
            observed = sum(
                p[t] ** 2 + (1 - p[t]) ** 2 / others for t in map(true_codes.get, shared)
            )
            shares: defaultdict[str, Fraction] = defaultdict(Fraction)
            for segment_id in shared:
                for value, probability in code_probabilities(true_codes[segment_id]).items():
                    shares[value] += probability / len(shared)
            chance = sum(share * share for share in shares.values())
            expected = (observed / len(shared) - chance) / (1 - chance)
        rows.append(
            (
                "coder_pair",
                f"{first}-{second}",
                KAPPA,
                len(shared),
                expected,
                cohen_kappa(categories),
            )
        )

    return [
        [
            level,
            subject,
            statistic,
            str(unit_count),
            "" if expected is None else f"{float(expected):.6f}",
            "" if realised is None else f"{float(realised):.12f}",
        ]
        for level, subject, statistic, unit_count, expected, realised in rows
    ]
