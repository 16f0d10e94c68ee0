"""Attitudes to co-production: mean agreement with each item, institutions versus
associations, by wave."""

from __future__ import annotations

import textwrap

import duckdb
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from samspil.report.figures.common import (
    SURVEY_NAMES,
    Finding,
    check_suppression,
    new_figure,
    query,
    suppressed_bar,
    wave_handles,
    wave_markers,
    wave_offsets,
    waves_of,
)

SURVEY_COLOURS = {"institution": "#1f5fa8", "association": "#d9730d"}


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
    data = query(
        connection,
        """
        select
            construct, survey, wave, question_en, unit_count as answer_base,
            estimate as weighted_mean_agreement, ci_lower as mean_agreement_ci_lower,
            ci_upper as mean_agreement_ci_upper, is_suppressed
        from release.rpt_attitudes_by_sector
        where statistic = 'mean'
        order by construct, survey desc, wave
        """,
    )
    check_suppression(data, ["construct", "survey", "wave", "question_en"])
    return data


def _draw_means(
    axes: Axes, data: pandas.DataFrame, constructs: list[str], waves: list[int]
) -> None:
    """A row per item, in it a mark per sector and wave."""
    markers = wave_markers(waves)
    offsets = wave_offsets(
        [(survey, wave) for survey in ("institution", "association") for wave in waves], 0.27
    )
    height = 0.32 / max(len(waves), 2)
    for cell in data.itertuples():
        y = constructs.index(cell.construct) + offsets.get((cell.survey, int(cell.wave)), 0.0)
        if cell.is_suppressed:
            suppressed_bar(axes, y, height, 1.0, 4.0)
            continue
        mean = cell.weighted_mean_agreement
        axes.errorbar(
            [mean],
            [y],
            xerr=[[mean - cell.mean_agreement_ci_lower], [cell.mean_agreement_ci_upper - mean]],
            fmt="o",
            markersize=5,
            color=SURVEY_COLOURS[cell.survey],
            capsize=2,
            linewidth=1,
            **markers[int(cell.wave)],
        )


def _draw(data: pandas.DataFrame, questions: dict[str, str]) -> Figure:
    constructs = list(dict.fromkeys(data["construct"]))
    waves = waves_of(data)
    figure = new_figure(10, 1.0 + 0.85 * max(len(constructs), 1))
    axes = figure.subplots()
    _draw_means(axes, data, constructs, waves)
    axes.set_yticks(
        range(len(constructs)),
        [textwrap.fill(questions[construct], 48) for construct in constructs],
        fontsize=8,
    )
    axes.set_ylim(len(constructs) - 0.5, -0.5)
    axes.set_xlim(1, 5)
    axes.set_xticks(
        [1, 2, 3, 4, 5],
        ["1\nstrongly\ndisagree", "2", "3\nneither", "4", "5\nstrongly\nagree"],
        fontsize=8,
    )
    axes.set_xlabel("weighted mean agreement (95 % CI)", fontsize=9)
    axes.grid(axis="x", color="#eeeeee")
    axes.set_axisbelow(True)
    for boundary in range(1, len(constructs)):
        axes.axhline(boundary - 0.5, color="#dddddd", linewidth=0.6)
    axes.legend(
        handles=[
            Line2D([], [], marker="o", linestyle="", color=colour, label=SURVEY_NAMES[survey])
            for survey, colour in SURVEY_COLOURS.items()
        ]
        + wave_handles(waves),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=2 + len(waves),
        fontsize=8,
        frameon=False,
    )
    return figure


def _reading(data: pandas.DataFrame, questions: dict[str, str]) -> str:
    shown = data[~data["is_suppressed"]]
    latest = shown[shown["wave"] == shown["wave"].max()]
    wide = latest.pivot(index="construct", columns="survey", values="weighted_mean_agreement")
    wide = wide.reindex(columns=["association", "institution"])
    gaps = (wide["association"] - wide["institution"]).dropna()
    if gaps.empty:
        return "No item with both sectors' answers to compare (too few answers)."
    construct = gaps.abs().sort_values(ascending=False, kind="stable").index[0]
    return (
        f"Widest gap in {int(latest['wave'].max())}: “{questions[construct]}” "
        f"associations {wide.loc[construct, 'association']:.2f}, "
        f"institutions {wide.loc[construct, 'institution']:.2f} (mean agreement, 1–5)."
    )


def attitudes(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Mean agreement with each attitude item, institutions versus associations."""
    data = _read(connection)
    questions = dict(zip(data["construct"], data["question_en"], strict=False))
    return Finding(
        name="attitudes_by_sector",
        title="Attitudes to co-production: institutions versus associations",
        reading=_reading(data, questions),
        sources=("release.rpt_attitudes_by_sector",),
        figure=_draw(data, questions),
        data=data,
        note="Weighted mean agreement on the scale 1–5 with 95 % confidence intervals, "
        "over the five municipalities.",
    )
