"""Change in the panel: the within-respondent change between consecutive waves, per item
and municipality, with 95 % confidence intervals."""

from __future__ import annotations

import duckdb
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from samspil.report.figures.common import (
    MUNICIPALITY_COLOURS,
    SUPPRESSED,
    SUPPRESSED_STYLE,
    SURVEY_NAMES,
    Finding,
    check_suppression,
    municipality_names,
    new_figure,
    query,
)

COOPERATION_ITEMS = {
    "coop_associations": "cooperate with associations",
    "coop_volunteers": "have volunteers",
    "coop_municipal": "cooperate with a municipal institution",
    "coop_administration": "cooperate with a municipal administration",
}
STATISTICS = [
    ("share_yes", "Cooperation (share answering yes)", "change in proportion points"),
    ("mean", "Attitudes (mean agreement 1–5)", "change in scale points"),
]
"""A column of panels per statistic: the statistic, the panel's title and its axis' unit."""


def _item_label(survey: str, construct: str) -> str:
    words = COOPERATION_ITEMS.get(construct) or construct.removeprefix("att_").replace("_", " ")
    return f"{SURVEY_NAMES.get(survey, survey)}: {words}"


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
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
    return data


def _pairs(data: pandas.DataFrame) -> list[tuple[int, int]]:
    """The pairs of consecutive waves, earliest first (the demo has one)."""
    return sorted({(int(pair.from_wave), int(pair.to_wave)) for pair in data.itertuples()}) or [
        (0, 0)
    ]


def _draw_changes(
    axes: Axes, cells: pandas.DataFrame, items: list, codes: list[str], colours: dict[str, str]
) -> float:
    """A row per item, in it a mark per municipality; returns how far the widest CI reaches
    from 0."""
    step = 0.8 / max(len(codes), 1)
    reach = 0.0
    for cell in cells.itertuples():
        y = items.index(cell.survey_item_id) - 0.4 + step * (codes.index(cell.kommunekode) + 0.5)
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
    return reach


def _draw_panel(
    axes: Axes,
    cells: pandas.DataFrame,
    items: list,
    pair: tuple[int, int],
    entry: tuple[str, str, str],
    codes: list[str],
    colours: dict[str, str],
) -> None:
    """One statistic's changes between one pair of waves."""
    from_wave, to_wave = pair
    _, title, label = entry
    reach = _draw_changes(axes, cells, items, codes, colours)
    surveys = dict(
        zip(
            cells["survey_item_id"],
            zip(cells["survey"], cells["construct"], strict=True),
            strict=True,
        )
    )
    axes.set_yticks(range(len(items)), [_item_label(*surveys[item]) for item in items], fontsize=8)
    axes.set_ylim(len(items) - 0.5, -0.5)
    for boundary in range(1, len(items)):
        axes.axhline(boundary - 0.5, color="#e5e5e5", linewidth=0.6)
    axes.axvline(0, color="#333333", linewidth=0.8)
    reach = reach * 1.1 or 0.1
    axes.set_xlim(-reach, reach)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(f"{to_wave} − {from_wave}, {label} (95 % CI)", fontsize=8)
    axes.tick_params(axis="x", labelsize=7)


def _draw(
    data: pandas.DataFrame, pairs: list[tuple[int, int]], municipalities: dict[str, str]
) -> Figure:
    """A row of panels per pair of waves, a column per statistic."""
    codes = sorted(data["kommunekode"].unique())
    colours = dict(zip(codes, MUNICIPALITY_COLOURS * 20, strict=False))
    present = [entry for entry in STATISTICS if entry[0] in set(data["statistic"])]
    items_per_panel = [
        list(dict.fromkeys(data.loc[data["statistic"] == statistic, "survey_item_id"]))
        for statistic, _, _ in present
    ]
    rows_high = 1.5 + 0.42 * max((len(items) for items in items_per_panel), default=1)
    figure = new_figure(13, rows_high + (len(pairs) - 1) * (rows_high - 0.5))
    grid = figure.subplots(len(pairs), max(len(present), 1), squeeze=False)
    for row, pair in zip(grid, pairs, strict=True):
        for axes, entry, items in zip(row, present, items_per_panel, strict=False):
            cells = data[(data["statistic"] == entry[0]) & (data["from_wave"] == pair[0])]
            _draw_panel(axes, cells, items, pair, entry, codes, colours)
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
    return figure


def _reading(
    data: pandas.DataFrame, pairs: list[tuple[int, int]], municipalities: dict[str, str]
) -> str:
    shown = data[~data["is_suppressed"]]
    clear = shown[(shown["change_ci_lower"] > 0) | (shown["change_ci_upper"] < 0)]
    if not len(clear):
        return f"None of the {len(shown)} changes has a 95 % CI that excludes 0."
    largest = (
        clear.assign(size=clear["change"].abs())
        .sort_values(["size", "survey_item_id", "kommunekode"], ascending=[False, True, True])
        .iloc[0]
    )
    between = f"{largest.from_wave}–{largest.to_wave}, " if len(pairs) > 1 else ""
    return (
        f"{len(clear)} of {len(shown)} changes have a 95 % CI that excludes 0; the largest: "
        f"{between}{municipalities.get(largest.kommunekode, largest.kommunekode)}, "
        f"{_item_label(largest.survey, largest.construct)}, {largest.change:+.2f} "
        f"({largest.change_ci_lower:+.2f} to {largest.change_ci_upper:+.2f})."
    )


def panel_change(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Within-panel change between consecutive waves per item and municipality, 95 % CIs."""
    data = _read(connection)
    pairs = _pairs(data)
    municipalities = municipality_names(connection)
    return Finding(
        name="panel_change",
        title=(
            f"Change from {pairs[0][0]} to {pairs[0][1]} in the panel"
            if len(pairs) == 1
            else "Change between consecutive waves in the panel"
        ),
        reading=_reading(data, pairs, municipalities),
        sources=("release.rpt_panel_change",),
        figure=_draw(data, pairs, municipalities),
        data=data,
        note="Institutions and associations that answered both waves of a pair; mean "
        "within-respondent change with its 95 % confidence interval.",
    )
