"""Case timelines: episodes per quarter since a case started, by type, pooled over the
cases."""

from __future__ import annotations

import duckdb
import numpy
import pandas
from matplotlib.figure import Figure

from samspil.report.figures.common import (
    Finding,
    check_suppression,
    describe_count,
    new_figure,
    query,
    suppressed_cell,
)

EPISODE_TYPES = ("meeting", "joint_activity", "agreement", "conflict", "evaluation")


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
    data = query(
        connection,
        """
        select episode_type, quarter_index, case_count, episode_count, episodes_per_case,
            is_suppressed
        from release.rpt_case_timelines
        order by quarter_index, episode_type
        """,
    )
    check_suppression(data, ["episode_type", "quarter_index", "case_count"])
    return data


def _draw(data: pandas.DataFrame) -> Figure:
    """A heat map, a row per episode type and a column per quarter."""
    types = [kind for kind in EPISODE_TYPES if kind in set(data["episode_type"])]
    types += sorted(set(data["episode_type"]) - set(types))
    quarters = (
        list(range(int(data["quarter_index"].min()), int(data["quarter_index"].max()) + 1))
        if len(data)
        else []
    )
    matrix = numpy.full((len(types), len(quarters)), numpy.nan)
    top = data["episode_count"].max()
    top = 1.0 if pandas.isna(top) else float(top)
    figure = new_figure(1.0 + 1.05 * len(quarters), 1.4 + 0.6 * len(types))
    axes = figure.subplots()
    for cell in data.itertuples():
        row, column = types.index(cell.episode_type), quarters.index(cell.quarter_index)
        if cell.is_suppressed:
            suppressed_cell(axes, column, row)
            continue
        matrix[row, column] = cell.episode_count
        axes.text(
            column,
            row,
            f"{int(cell.episode_count)}\n{cell.episodes_per_case:.1f} per case",
            ha="center",
            va="center",
            fontsize=6.5,
            color="white" if cell.episode_count / top > 0.6 else "#222222",
        )
    image = axes.imshow(
        numpy.ma.masked_invalid(matrix), cmap="Purples", vmin=0, vmax=top, aspect="auto"
    )
    axes.set_xticks(range(len(quarters)), [str(quarter) for quarter in quarters], fontsize=8)
    axes.set_yticks(range(len(types)), [kind.replace("_", " ") for kind in types], fontsize=8)
    axes.set_xlabel("quarters since the case started (0 = the quarter it started)", fontsize=9)
    figure.colorbar(image, ax=axes, shrink=0.8, label="episodes (all cases)")
    return figure


def _reading(data: pandas.DataFrame) -> str:
    shown = data[~data["is_suppressed"]]
    suppressed = describe_count(int(data["is_suppressed"].sum()), len(data), "cells")
    if shown.empty:
        return f"No episode count to show: {suppressed}."
    best = shown.sort_values(
        ["episode_count", "quarter_index", "episode_type"], ascending=[False, True, True]
    ).iloc[0]
    return (
        f"Most episodes: {best.episode_type.replace('_', ' ')} in quarter "
        f"{best.quarter_index}, {int(best.episode_count)} episodes in {best.case_count} "
        f"cases; {suppressed}."
    )


def case_timelines(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Episodes per quarter since a case started, by type, pooled over the cases."""
    data = _read(connection)
    return Finding(
        name="case_timelines",
        title="Case timelines: episodes per quarter, by type",
        reading=_reading(data),
        sources=("release.rpt_case_timelines",),
        figure=_draw(data),
        data=data,
        note="Each cell: episodes of the type in that quarter of the cases' timelines, over "
        "all cases, and episodes per case that had one; an empty cell had no episode.",
    )
