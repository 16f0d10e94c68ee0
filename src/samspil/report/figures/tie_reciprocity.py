"""Cooperation ties named by both sides: per municipality and wave, the share of the ties
whose two sides both answered that both named."""

from __future__ import annotations

import duckdb
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from samspil.report.figures.common import (
    MUNICIPALITY_COLOURS,
    SUPPRESSED,
    SUPPRESSED_STYLE,
    Finding,
    check_suppression,
    describe_count,
    municipality_names,
    new_figure,
    query,
    suppressed_handle,
)


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
    data = query(
        connection,
        """
        select
            kommunekode, wave, unit_count as tie_count, estimate as share_reciprocated,
            share_reciprocated_when_both_responded, is_suppressed
        from release.rpt_tie_reciprocity
        order by kommunekode, wave
        """,
    )
    check_suppression(data, ["kommunekode", "wave"])
    return data


def _draw_bars(axes: Axes, data: pandas.DataFrame, codes: list[str], waves: list) -> None:
    """A group of bars per municipality, a bar per wave."""
    width = 0.8 / max(len(waves), 1)
    for cell in data.itertuples():
        x = codes.index(cell.kommunekode) - 0.4 + width * (waves.index(cell.wave) + 0.5)
        if cell.is_suppressed:
            axes.add_patch(Rectangle((x - width / 2, 0), width * 0.9, 1.0, **SUPPRESSED_STYLE))
            axes.text(x, 0.5, SUPPRESSED, rotation=90, ha="center", va="center", fontsize=6)
            continue
        if pandas.isna(cell.share_reciprocated_when_both_responded):
            continue  # no tie had both sides answering
        axes.bar(
            x,
            cell.share_reciprocated_when_both_responded,
            width * 0.9,
            color=MUNICIPALITY_COLOURS[waves.index(cell.wave) % len(MUNICIPALITY_COLOURS)],
        )
        axes.text(
            x,
            cell.share_reciprocated_when_both_responded + 0.01,
            f"{cell.share_reciprocated_when_both_responded:.2f}\n{cell.tie_count} ties",
            ha="center",
            va="bottom",
            fontsize=6.5,
        )


def _draw(data: pandas.DataFrame, municipalities: dict[str, str]) -> Figure:
    codes = list(dict.fromkeys(data["kommunekode"]))
    waves = sorted(data["wave"].unique())
    figure = new_figure(2.0 + 1.6 * max(len(codes), 1), 4.2)
    axes = figure.subplots()
    _draw_bars(axes, data, codes, waves)
    axes.set_xticks(range(len(codes)), [municipalities.get(code, code) for code in codes])
    axes.set_ylim(0, 1.1)
    axes.set_ylabel("share named by both sides\n(ties whose two sides both answered)", fontsize=8)
    axes.legend(
        handles=[
            Patch(color=MUNICIPALITY_COLOURS[index % len(MUNICIPALITY_COLOURS)], label=str(wave))
            for index, wave in enumerate(waves)
        ]
        + [suppressed_handle()],
        fontsize=8,
        frameon=False,
        ncols=len(waves) + 1,
        loc="upper center",
    )
    return figure


def _reading(data: pandas.DataFrame, municipalities: dict[str, str]) -> str:
    shown = data[~data["is_suppressed"] & data["share_reciprocated_when_both_responded"].notna()]
    suppressed = describe_count(int(data["is_suppressed"].sum()), len(data), "cells")
    if shown.empty:
        return f"No share to show: {suppressed}."
    best = shown.sort_values(
        ["share_reciprocated_when_both_responded", "kommunekode", "wave"],
        ascending=[False, True, True],
    ).iloc[0]
    return (
        f"Most reciprocated: {municipalities.get(best.kommunekode, best.kommunekode)} in "
        f"{best.wave}, {best.share_reciprocated_when_both_responded:.2f} of the ties whose "
        f"two sides both answered were named by both; {suppressed}."
    )


def tie_reciprocity(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Share of the ties named in each wave that both sides named, by municipality."""
    data = _read(connection)
    municipalities = municipality_names(connection)
    return Finding(
        name="tie_reciprocity",
        title="Cooperation ties named by both sides",
        reading=_reading(data, municipalities),
        sources=("release.rpt_tie_reciprocity",),
        figure=_draw(data, municipalities),
        data=data,
        note="Ties between an institution and an association named in a survey wave's "
        "partner questions; only a tie whose two sides both answered could be named by both.",
    )
