"""Justification frames in the coded documents: the share of coded segments carrying each
frame, by municipality, document type and year."""

from __future__ import annotations

import duckdb
import numpy
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from samspil.report.figures.common import (
    FRAME_COLOURS,
    Finding,
    check_suppression,
    describe_count,
    municipality_names,
    new_figure,
    query,
    suppressed_cell,
)


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
    data = query(
        connection,
        """
        select
            frame_code, kommunekode, document_type, publication_year, coded_segment_count,
            frame_segment_share, is_suppressed
        from release.rpt_justification_frames
        order by frame_code, kommunekode, document_type, publication_year
        """,
    )
    keys = ["frame_code", "kommunekode", "document_type", "publication_year", "coded_segment_count"]
    check_suppression(data, keys)
    return data


def _draw_frame(
    axes: Axes,
    cells: pandas.DataFrame,
    frame: str,
    rows: list[tuple[str, str]],
    years: list,
    top: float,
) -> AxesImage:
    """One frame's heat map: a row per municipality and document type, a column per year."""
    matrix = numpy.full((len(rows), len(years)), numpy.nan)
    for cell in cells.itertuples():
        row = rows.index((cell.kommunekode, cell.document_type))
        column = years.index(cell.publication_year)
        if cell.is_suppressed:
            suppressed_cell(axes, column, row)
            continue
        matrix[row, column] = cell.frame_segment_share
        shade = cell.frame_segment_share / top if top else 0
        axes.text(
            column,
            row,
            f"{cell.frame_segment_share:.2f}",
            ha="center",
            va="center",
            fontsize=6.5,
            color="white" if shade > 0.6 else "#222222",
        )
    image = axes.imshow(
        numpy.ma.masked_invalid(matrix), cmap="Blues", vmin=0, vmax=top, aspect="auto"
    )
    axes.set_title(frame, fontsize=10, color=FRAME_COLOURS.get(frame, "black"))
    axes.set_xticks(range(len(years)), [str(year) for year in years], fontsize=7)
    for boundary in range(1, len(rows)):
        if rows[boundary][0] != rows[boundary - 1][0]:
            axes.axhline(boundary - 0.5, color="white", linewidth=2)
    return image


def _draw(data: pandas.DataFrame, municipalities: dict[str, str]) -> Figure:
    frames = list(dict.fromkeys(data["frame_code"]))
    rows = list(dict.fromkeys(zip(data["kommunekode"], data["document_type"], strict=True)))
    years = sorted(data["publication_year"].unique())
    top = data["frame_segment_share"].max()
    top = 1.0 if pandas.isna(top) else float(top)
    figure = new_figure(2.6 * max(len(frames), 1) + 2.2, 1.2 + 0.32 * max(len(rows), 1))
    grid = figure.subplots(1, max(len(frames), 1), sharey=True, squeeze=False)[0]
    image = None
    for axes, frame in zip(grid, frames, strict=False):
        image = _draw_frame(axes, data[data["frame_code"] == frame], frame, rows, years, top)
    grid[0].set_yticks(
        range(len(rows)),
        [f"{municipalities.get(code, code)} · {kind}" for code, kind in rows],
        fontsize=7,
    )
    if image is not None:
        figure.colorbar(image, ax=list(grid), shrink=0.6, label="share of coded segments")
    return figure


def _reading(data: pandas.DataFrame, municipalities: dict[str, str]) -> str:
    shown = data[~data["is_suppressed"]]
    suppressed = describe_count(int(data["is_suppressed"].sum()), len(data), "cells")
    if shown.empty:
        return f"No share to show: {suppressed}."
    best = shown.sort_values(
        ["frame_segment_share", "kommunekode", "document_type", "publication_year", "frame_code"],
        ascending=[False, True, True, True, True],
    ).iloc[0]
    return (
        f"Highest share: {municipalities.get(best.kommunekode, best.kommunekode)}, "
        f"{best.document_type}, {best.publication_year}, {best.frame_code} frame, "
        f"{best.frame_segment_share:.2f} of {best.coded_segment_count} coded segments; "
        f"{suppressed}."
    )


def justification_frames(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Share of coded segments carrying each frame, by municipality, document type and year."""
    data = _read(connection)
    municipalities = municipality_names(connection)
    return Finding(
        name="justification_frames",
        title="Justification frames by municipality, document type and year",
        reading=_reading(data, municipalities),
        sources=("release.rpt_justification_frames",),
        figure=_draw(data, municipalities),
        data=data,
        note="Share of a cell's coded segments that at least one coder gave a code of the "
        "frame; a segment can carry several frames.",
    )
