"""The report's figures: one function per figure, each drawn from the release tier only.

Every function takes a read-only connection to the published release file (schemas
`release` and `reference`) and returns a `Finding`: the matplotlib figure, a one-line
reading computed from the data, the release tables it comes from, and `data`, the values
it plotted, one row per mark. The release tables are long (one row per cell and
statistic); a suppressed cell is a row with `is_suppressed` true and its values null, and
the figure draws it as a grey hatched mark labelled `SUPPRESSED`, never as a number.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas
from matplotlib.lines import Line2D

from samspil.report.figures.attitudes import attitudes
from samspil.report.figures.case_timelines import case_timelines
from samspil.report.figures.common import (
    FRAME_COLOURS,
    MUNICIPALITY_COLOURS,
    SUPPRESSED,
    SUPPRESSED_STYLE,
    SURVEY_NAMES,
    Finding,
    check_suppression,
    municipality_names,
    new_figure,
    query,
    suppressed_bar,
)
from samspil.report.figures.cooperation import cooperation
from samspil.report.figures.justification_frames import justification_frames
from samspil.report.figures.tie_reciprocity import tie_reciprocity

ALPHA_TENTATIVE = 0.667
ALPHA_CONCLUSIVE = 0.800


def intercoder_reliability(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Krippendorff's alpha per code, per frame and overall."""
    data = query(
        connection,
        """
        select
            reliability.reliability_id, reliability.reliability_level,
            reliability.justification_code, reliability.frame_code,
            codes.code_name_en, reliability.coded_segment_count,
            reliability.krippendorff_alpha, reliability.is_suppressed
        from release.rpt_intercoder_reliability as reliability
        left join reference.justification_codes as codes
            on reliability.justification_code = codes.justification_code
        order by
            case reliability.reliability_level when 'code' then 0 when 'frame' then 1 else 2 end,
            reliability.frame_code, reliability.justification_code
        """,
    )
    keys = [
        "reliability_id",
        "reliability_level",
        "justification_code",
        "frame_code",
        "code_name_en",
        "coded_segment_count",
    ]
    check_suppression(data, keys)
    labels = []
    for row in data.itertuples():
        if row.reliability_level == "code":
            labels.append(f"{row.code_name_en or row.justification_code} ({row.frame_code})")
        elif row.reliability_level == "frame":
            labels.append(f"{row.frame_code} frame")
        else:
            labels.append("overall (all codes)")
    figure = new_figure(9, 1.2 + 0.3 * len(data))
    axes = figure.subplots()
    for y, row in enumerate(data.itertuples()):
        if row.is_suppressed:
            suppressed_bar(axes, y, 0.7, 0.0, 1.0)
            continue
        if pandas.isna(row.krippendorff_alpha):
            axes.text(0.01, y, "undefined (no variation)", va="center", fontsize=7)
            continue
        colour = FRAME_COLOURS.get(row.frame_code, "#555555")
        strong = row.reliability_level != "code"
        axes.barh(y, row.krippendorff_alpha, height=0.7, color=colour, alpha=1.0 if strong else 0.7)
        axes.text(
            max(row.krippendorff_alpha, 0) + 0.01,
            y,
            f"{row.krippendorff_alpha:.2f}",
            va="center",
            fontsize=7,
        )
    for limit, text in ((ALPHA_TENTATIVE, "0.667 tentative"), (ALPHA_CONCLUSIVE, "0.800")):
        axes.axvline(limit, color="#555555", linestyle="--", linewidth=0.8)
        axes.text(limit, -0.9, text, ha="center", fontsize=7, color="#555555")
    axes.set_yticks(range(len(data)), labels, fontsize=8)
    axes.set_ylim(len(data) - 0.5, -1.2)
    lowest = min(0.0, float(data["krippendorff_alpha"].min(skipna=True) or 0.0))
    axes.set_xlim(lowest, 1.0)
    axes.set_xlabel("Krippendorff's alpha (nominal)", fontsize=9)
    codes = data[(data["reliability_level"] == "code") & data["krippendorff_alpha"].notna()]
    overall = data.loc[data["reliability_level"] == "overall", "krippendorff_alpha"]
    overall_suppressed = data.loc[data["reliability_level"] == "overall", "is_suppressed"]
    if len(overall) and pandas.notna(overall.iloc[0]):
        overall_text = f"{overall.iloc[0]:.2f}"
    elif len(overall_suppressed) and overall_suppressed.iloc[0]:
        overall_text = SUPPRESSED
    else:
        overall_text = "undefined"
    if codes.empty:
        reading = f"No code's alpha to show; overall {overall_text}."
    else:
        worst = codes.sort_values(["krippendorff_alpha", "justification_code"]).iloc[0]
        reading = (
            f"Lowest alpha: {worst.code_name_en or worst.justification_code} "
            f"({worst.frame_code}) {worst.krippendorff_alpha:.2f}; "
            f"{int((codes['krippendorff_alpha'] < ALPHA_TENTATIVE).sum())} of {len(codes)} "
            f"codes below 0.667, "
            f"{int((codes['krippendorff_alpha'] >= ALPHA_CONCLUSIVE).sum())} at 0.800 or "
            f"above; overall {overall_text}."
        )
    return Finding(
        name="intercoder_reliability",
        title="Inter-coder reliability per code",
        reading=reading,
        sources=("release.rpt_intercoder_reliability", "reference.justification_codes"),
        figure=figure,
        data=data,
        note="Krippendorff advises α ≥ 0.800 for conclusions and α ≥ 0.667 for tentative ones.",
    )


COOPERATION_ITEMS = {
    "coop_associations": "cooperate with associations",
    "coop_volunteers": "have volunteers",
    "coop_municipal": "cooperate with a municipal institution",
    "coop_administration": "cooperate with a municipal administration",
}


def _item_label(survey: str, construct: str) -> str:
    words = COOPERATION_ITEMS.get(construct) or construct.removeprefix("att_").replace("_", " ")
    return f"{SURVEY_NAMES.get(survey, survey)}: {words}"


def panel_change(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Within-panel change between consecutive waves per item and municipality, 95 % CIs."""
    data = query(
        connection,
        """
        select
            statistic, survey, construct, survey_item_id, kommunekode, from_wave, to_wave,
            unit_count as pair_count, value_from, value_to, estimate as change,
            ci_lower as change_ci_lower, ci_upper as change_ci_upper, is_suppressed
        from release.rpt_panel_change
        where domain_level = 'municipality'
        order by statistic desc, survey desc, construct, kommunekode, from_wave
        """,
    )
    keys = [
        "statistic",
        "survey",
        "construct",
        "survey_item_id",
        "kommunekode",
        "from_wave",
        "to_wave",
    ]
    check_suppression(data, keys)
    # One row of panels per pair of consecutive waves (the demo has one).
    pairs = sorted({(int(pair.from_wave), int(pair.to_wave)) for pair in data.itertuples()}) or [
        (0, 0)
    ]
    municipalities = municipality_names(connection)
    codes = sorted(data["kommunekode"].unique())
    colours = dict(zip(codes, MUNICIPALITY_COLOURS * 20, strict=False))
    step = 0.8 / max(len(codes), 1)
    statistics = [
        ("share_yes", "Cooperation (share answering yes)", "change in proportion points"),
        ("mean", "Attitudes (mean agreement 1–5)", "change in scale points"),
    ]
    present = [entry for entry in statistics if entry[0] in set(data["statistic"])]
    items_per_panel = [
        list(dict.fromkeys(data.loc[data["statistic"] == statistic, "survey_item_id"]))
        for statistic, _, _ in present
    ]
    rows_high = 1.5 + 0.42 * max((len(items) for items in items_per_panel), default=1)
    figure = new_figure(13, rows_high + (len(pairs) - 1) * (rows_high - 0.5))
    grid = figure.subplots(len(pairs), max(len(present), 1), squeeze=False)
    panels = [
        (axes, pair, entry, items)
        for row, pair in zip(grid, pairs, strict=True)
        for axes, entry, items in zip(row, present, items_per_panel, strict=False)
    ]
    for axes, (from_wave, to_wave), (statistic, title, label), items in panels:
        cells = data[(data["statistic"] == statistic) & (data["from_wave"] == from_wave)]
        reach = 0.0
        for cell in cells.itertuples():
            y = (
                items.index(cell.survey_item_id)
                - 0.4
                + step * (codes.index(cell.kommunekode) + 0.5)
            )
            if cell.is_suppressed:
                axes.text(
                    0,
                    y,
                    SUPPRESSED,
                    ha="center",
                    va="center",
                    fontsize=5.5,
                    color="#555555",
                    bbox={"boxstyle": "square,pad=0.1", **SUPPRESSED_STYLE},
                )
                continue
            axes.errorbar(
                [cell.change],
                [y],
                xerr=[[cell.change - cell.change_ci_lower], [cell.change_ci_upper - cell.change]],
                fmt="o",
                markersize=3.5,
                color=colours[cell.kommunekode],
                capsize=1.5,
                linewidth=0.9,
            )
            reach = max(reach, abs(cell.change_ci_lower), abs(cell.change_ci_upper))
        surveys = dict(
            zip(
                cells["survey_item_id"],
                zip(cells["survey"], cells["construct"], strict=True),
                strict=True,
            )
        )
        axes.set_yticks(
            range(len(items)), [_item_label(*surveys[item]) for item in items], fontsize=8
        )
        axes.set_ylim(len(items) - 0.5, -0.5)
        for boundary in range(1, len(items)):
            axes.axhline(boundary - 0.5, color="#e5e5e5", linewidth=0.6)
        axes.axvline(0, color="#333333", linewidth=0.8)
        reach = reach * 1.1 or 0.1
        axes.set_xlim(-reach, reach)
        axes.set_title(title, fontsize=10)
        axes.set_xlabel(f"{to_wave} − {from_wave}, {label} (95 % CI)", fontsize=8)
        axes.tick_params(axis="x", labelsize=7)
    figure.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=colours[code],
                label=municipalities.get(code, code),
            )
            for code in codes
        ],
        loc="outside lower center",
        ncols=len(codes) or 1,
        fontsize=8,
        frameon=False,
    )
    shown = data[~data["is_suppressed"]]
    clear = shown[(shown["change_ci_lower"] > 0) | (shown["change_ci_upper"] < 0)]
    if len(clear):
        largest = (
            clear.assign(size=clear["change"].abs())
            .sort_values(["size", "survey_item_id", "kommunekode"], ascending=[False, True, True])
            .iloc[0]
        )
        between = f"{largest.from_wave}–{largest.to_wave}, " if len(pairs) > 1 else ""
        reading = (
            f"{len(clear)} of {len(shown)} changes have a 95 % CI that excludes 0; the largest: "
            f"{between}{municipalities.get(largest.kommunekode, largest.kommunekode)}, "
            f"{_item_label(largest.survey, largest.construct)}, {largest.change:+.2f} "
            f"({largest.change_ci_lower:+.2f} to {largest.change_ci_upper:+.2f})."
        )
    else:
        reading = f"None of the {len(shown)} changes has a 95 % CI that excludes 0."
    return Finding(
        name="panel_change",
        title=(
            f"Change from {pairs[0][0]} to {pairs[0][1]} in the panel"
            if len(pairs) == 1
            else "Change between consecutive waves in the panel"
        ),
        reading=reading,
        sources=("release.rpt_panel_change",),
        figure=figure,
        data=data,
        note="Institutions and associations that answered both waves of a pair; mean "
        "within-respondent change with its 95 % confidence interval.",
    )


FIGURES: tuple[Callable[[duckdb.DuckDBPyConnection], Finding], ...] = (
    cooperation,
    attitudes,
    justification_frames,
    tie_reciprocity,
    case_timelines,
    intercoder_reliability,
    panel_change,
)
