"""The report's figures: one function per figure, each drawn from published marts only.

Every function takes a read-only connection to the published warehouse and returns a
`Finding`: the matplotlib figure, a one-line reading computed from the data, the marts it
comes from, and `data`, the values it plotted, one row per mark. A suppressed cell is a
row with `is_suppressed` true and its values null; the figure draws it as a grey hatched
mark labelled `SUPPRESSED`, never as a number.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import matplotlib
import numpy
import pandas
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

matplotlib.use("Agg")  # files only, never a display

SUPPRESSED = "suppressed"
"""The label every suppressed cell carries in every figure."""

SUPPRESSED_STYLE = {"facecolor": "#f0f0f0", "edgecolor": "#9a9a9a", "hatch": "////"}
WAVES = (2016, 2018)
WAVE_MARKERS = {2016: {"fillstyle": "none"}, 2018: {"fillstyle": "full"}}
SURVEY_COLOURS = {"institution": "#1f5fa8", "association": "#d9730d"}
SURVEY_NAMES = {"institution": "institutions", "association": "associations"}
MEASURE_COLOURS = {"associations": "#1f5fa8", "volunteers": "#2a9d5c"}
FRAME_COLOURS = {
    "community": "#2a9d5c",
    "democracy": "#1f5fa8",
    "economy": "#b8860b",
    "efficiency": "#c2410c",
}
EVIDENCE = ("named by one side", "named by both sides", "seen in a case")
EVIDENCE_STYLE = {
    "named by one side": {"color": "#9db4cf", "linewidth": 0.35, "alpha": 0.55},
    "named by both sides": {"color": "#e07b00", "linewidth": 0.6, "alpha": 0.85},
    "seen in a case": {"color": "#b5122b", "linewidth": 1.8, "alpha": 1.0},
}
EPISODE_TYPES = ("meeting", "joint_activity", "agreement", "conflict", "evaluation")
MUNICIPALITY_COLOURS = ("#1f5fa8", "#d9730d", "#2a9d5c", "#b5122b", "#6b4c9a")
ALPHA_TENTATIVE = 0.667
ALPHA_CONCLUSIVE = 0.800


@dataclass(frozen=True)
class Finding:
    name: str
    """File stem of the figure (`<name>.png`, `<name>.svg`) and its anchor in the report."""
    title: str
    reading: str
    """One line that says what the figure shows, computed from its data."""
    sources: tuple[str, ...]
    """The marts the figure is drawn from, `schema.table`."""
    figure: Figure
    data: pandas.DataFrame
    """What was plotted, one row per mark; suppressed cells with null values."""
    note: str = ""


def _query(connection: duckdb.DuckDBPyConnection, sql: str) -> pandas.DataFrame:
    return connection.execute(sql).df()


def _municipality_names(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(
        "select kommunekode, municipality_name from marts.dim_municipalities"
    ).fetchall()
    return dict(rows)


def _policy_area_names(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(
        "select policy_area_id, policy_area_name_en from marts.dim_policy_areas"
    ).fetchall()
    return dict(rows)


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _suppressed_bar(axes: Axes, y: float, height: float, left: float, width: float) -> None:
    """A grey hatched bar across the axis where a suppressed estimate would be."""
    axes.add_patch(Rectangle((left, y - height / 2), width, height, **SUPPRESSED_STYLE))
    axes.text(
        left + width / 2, y, SUPPRESSED, ha="center", va="center", fontsize=6, color="#555555"
    )


def _suppressed_cell(axes: Axes, column: float, row: float) -> None:
    """A grey hatched heat-map cell labelled as suppressed."""
    axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, **SUPPRESSED_STYLE))
    axes.text(column, row, SUPPRESSED, ha="center", va="center", fontsize=5.5, color="#555555")


def _value_columns(data: pandas.DataFrame, keys: list[str]) -> list[str]:
    return [column for column in data.columns if column not in (*keys, "is_suppressed")]


def _check_suppression(data: pandas.DataFrame, keys: list[str]) -> None:
    """A suppressed row carries no value (the marts null them; a figure must not invent one)."""
    values = data.loc[data["is_suppressed"], _value_columns(data, keys)]
    if values.notna().any().any():
        raise ValueError("a suppressed cell carries a value")


def _describe_count(suppressed: int, total: int, unit: str) -> str:
    return f"{suppressed} of {total} {unit} suppressed" if suppressed else f"no {unit} suppressed"


def cooperation(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Weighted shares of institutions cooperating with associations and with volunteers."""
    data = _query(
        connection,
        """
        with cells as (
            select
                'associations' as measure, kommunekode, policy_area_code, wave,
                associations_base as answer_base,
                weighted_share_cooperating_with_associations as weighted_share,
                associations_ci_lower as ci_lower, associations_ci_upper as ci_upper,
                is_suppressed
            from marts.rpt_cooperation_by_municipality_area
            union all
            select
                'volunteers', kommunekode, policy_area_code, wave, volunteers_base,
                weighted_share_with_volunteers, volunteers_ci_lower, volunteers_ci_upper,
                is_suppressed
            from marts.rpt_cooperation_by_municipality_area
            union all
            select
                'associations', kommunekode, 'all', wave, associations_base,
                weighted_share_cooperating_with_associations,
                associations_ci_lower, associations_ci_upper, is_suppressed
            from marts.rpt_cooperation_by_municipality
            union all
            select
                'volunteers', kommunekode, 'all', wave, volunteers_base,
                weighted_share_with_volunteers, volunteers_ci_lower, volunteers_ci_upper,
                is_suppressed
            from marts.rpt_cooperation_by_municipality
        )
        select * from cells
        order by measure, kommunekode, policy_area_code = 'all' desc, policy_area_code, wave
        """,
    )
    keys = ["measure", "kommunekode", "policy_area_code", "wave", "answer_base"]
    _check_suppression(data, keys)
    municipalities = _municipality_names(connection)
    areas = _policy_area_names(connection)
    codes = sorted(data["kommunekode"].unique())
    area_codes = sorted(code for code in data["policy_area_code"].unique() if code != "all")
    rows = ["all", *area_codes]
    labels = ["All areas", *(areas.get(code, code) for code in area_codes)]
    measures = ("associations", "volunteers")
    figure = _figure(3.0 * max(len(codes), 1) + 1.5, 7.5)
    grid = figure.subplots(
        len(measures), max(len(codes), 1), sharex=True, sharey=True, squeeze=False
    )
    for row_index, measure in enumerate(measures):
        for column_index, code in enumerate(codes):
            axes = grid[row_index][column_index]
            cells = data[(data["measure"] == measure) & (data["kommunekode"] == code)]
            for cell in cells.itertuples():
                y = rows.index(cell.policy_area_code) + (-0.18 if cell.wave == WAVES[0] else 0.18)
                if cell.is_suppressed:
                    _suppressed_bar(axes, y, 0.3, 0.0, 1.0)
                    continue
                axes.errorbar(
                    [cell.weighted_share],
                    [y],
                    xerr=[
                        [cell.weighted_share - cell.ci_lower],
                        [cell.ci_upper - cell.weighted_share],
                    ],
                    fmt="o",
                    markersize=4,
                    color=MEASURE_COLOURS[measure],
                    capsize=1.5,
                    linewidth=0.9,
                    **WAVE_MARKERS.get(int(cell.wave), {}),
                )
            axes.axhline(0.5, color="#cccccc", linewidth=0.6)
            axes.set_xlim(-0.05, 1.1)
            axes.set_ylim(len(rows) - 0.5, -0.5)
            axes.grid(axis="x", color="#eeeeee", linewidth=0.6)
            axes.set_axisbelow(True)
            if row_index == 0:
                axes.set_title(municipalities.get(code, code), fontsize=10)
            if column_index == 0:
                axes.set_yticks(range(len(rows)), labels, fontsize=8)
                axes.set_ylabel(f"cooperating with {measure}", fontsize=9)
            if row_index == len(measures) - 1:
                axes.set_xlabel("weighted share (95 % CI)", fontsize=8)
            axes.tick_params(axis="x", labelsize=7)
    figure.legend(
        handles=[
            Line2D(
                [], [], marker="o", linestyle="", color="#444444", fillstyle="none", label="2016"
            ),
            Line2D([], [], marker="o", linestyle="", color="#444444", label="2018"),
            Patch(**SUPPRESSED_STYLE, label="suppressed: too few answers"),
        ],
        loc="outside lower center",
        ncols=3,
        fontsize=8,
        frameon=False,
    )
    shown = data[(data["policy_area_code"] != "all") & ~data["is_suppressed"]]
    latest = shown[(shown["measure"] == "associations") & (shown["wave"] == shown["wave"].max())]
    area_cells = data[(data["policy_area_code"] != "all") & (data["measure"] == "associations")]
    suppressed = _describe_count(
        int(area_cells["is_suppressed"].sum()), len(area_cells), "municipality × area × wave cells"
    )
    if latest.empty:
        reading = f"No share to show: {suppressed}."
    else:
        best = latest.sort_values(
            ["weighted_share", "kommunekode", "policy_area_code"], ascending=[False, True, True]
        ).iloc[0]
        reading = (
            f"Highest weighted share cooperating with associations in {best.wave}: "
            f"{municipalities.get(best.kommunekode, best.kommunekode)}, "
            f"{areas.get(best.policy_area_code, best.policy_area_code).lower()}, "
            f"{best.weighted_share:.2f} (95 % CI {best.ci_lower:.2f}–{best.ci_upper:.2f}); "
            f"{suppressed}."
        )
    return Finding(
        name="cooperation_by_municipality_area",
        title="Institutions cooperating with associations and with volunteers",
        reading=reading,
        sources=(
            "marts.rpt_cooperation_by_municipality_area",
            "marts.rpt_cooperation_by_municipality",
        ),
        figure=figure,
        data=data,
        note="Weighted shares (nonresponse weights) with 95 % confidence intervals; "
        "the top row of each panel is the municipality over all policy areas.",
    )


def attitudes(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Mean agreement with each attitude item, institutions versus associations."""
    data = _query(
        connection,
        """
        select
            construct, survey, wave, question_en, answer_base,
            weighted_mean_agreement, mean_agreement_ci_lower, mean_agreement_ci_upper,
            is_suppressed
        from marts.rpt_attitudes_by_sector
        order by construct, survey desc, wave
        """,
    )
    keys = ["construct", "survey", "wave", "question_en", "answer_base"]
    _check_suppression(data, keys)
    constructs = list(dict.fromkeys(data["construct"]))
    questions = dict(zip(data["construct"], data["question_en"], strict=False))
    offsets = {
        ("institution", 2016): -0.27,
        ("institution", 2018): -0.09,
        ("association", 2016): 0.09,
        ("association", 2018): 0.27,
    }
    figure = _figure(10, 1.0 + 0.85 * max(len(constructs), 1))
    axes = figure.subplots()
    for cell in data.itertuples():
        y = constructs.index(cell.construct) + offsets.get((cell.survey, int(cell.wave)), 0.0)
        if cell.is_suppressed:
            _suppressed_bar(axes, y, 0.16, 1.0, 4.0)
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
            **WAVE_MARKERS.get(int(cell.wave), {}),
        )
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
        + [
            Line2D(
                [], [], marker="o", linestyle="", color="#444444", fillstyle="none", label="2016"
            ),
            Line2D([], [], marker="o", linestyle="", color="#444444", label="2018"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=4,
        fontsize=8,
        frameon=False,
    )
    shown = data[~data["is_suppressed"]]
    latest = shown[shown["wave"] == shown["wave"].max()]
    wide = latest.pivot(index="construct", columns="survey", values="weighted_mean_agreement")
    wide = wide.reindex(columns=["association", "institution"])
    gaps = (wide["association"] - wide["institution"]).dropna()
    if gaps.empty:
        reading = "No item with both sectors' answers to compare (too few answers)."
    else:
        construct = gaps.abs().sort_values(ascending=False, kind="stable").index[0]
        reading = (
            f"Widest gap in {int(latest['wave'].max())}: “{questions[construct]}” "
            f"associations {wide.loc[construct, 'association']:.2f}, "
            f"institutions {wide.loc[construct, 'institution']:.2f} (mean agreement, 1–5)."
        )
    return Finding(
        name="attitudes_by_sector",
        title="Attitudes to co-production: institutions versus associations",
        reading=reading,
        sources=("marts.rpt_attitudes_by_sector",),
        figure=figure,
        data=data,
        note="Weighted mean agreement on the scale 1–5 with 95 % confidence intervals, "
        "over the five municipalities.",
    )


def justification_frames(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Share of coded segments carrying each frame, by municipality, document type and year."""
    data = _query(
        connection,
        """
        select
            frame_code, kommunekode, document_type, publication_year, coded_segment_count,
            frame_segment_share, is_suppressed
        from marts.rpt_justification_frames
        order by frame_code, kommunekode, document_type, publication_year
        """,
    )
    keys = ["frame_code", "kommunekode", "document_type", "publication_year", "coded_segment_count"]
    _check_suppression(data, keys)
    municipalities = _municipality_names(connection)
    frames = list(dict.fromkeys(data["frame_code"]))
    rows = list(dict.fromkeys(zip(data["kommunekode"], data["document_type"], strict=True)))
    years = sorted(data["publication_year"].unique())
    top = data["frame_segment_share"].max()
    top = 1.0 if pandas.isna(top) else float(top)
    figure = _figure(2.6 * max(len(frames), 1) + 2.2, 1.2 + 0.32 * max(len(rows), 1))
    grid = figure.subplots(1, max(len(frames), 1), sharey=True, squeeze=False)[0]
    image = None
    for axes, frame in zip(grid, frames, strict=False):
        cells = data[data["frame_code"] == frame]
        matrix = numpy.full((len(rows), len(years)), numpy.nan)
        for cell in cells.itertuples():
            row = rows.index((cell.kommunekode, cell.document_type))
            column = years.index(cell.publication_year)
            if cell.is_suppressed:
                _suppressed_cell(axes, column, row)
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
    grid[0].set_yticks(
        range(len(rows)),
        [f"{municipalities.get(code, code)} · {kind}" for code, kind in rows],
        fontsize=7,
    )
    if image is not None:
        figure.colorbar(image, ax=list(grid), shrink=0.6, label="share of coded segments")
    shown = data[~data["is_suppressed"]]
    suppressed = _describe_count(int(data["is_suppressed"].sum()), len(data), "cells")
    if shown.empty:
        reading = f"No share to show: {suppressed}."
    else:
        best = shown.sort_values(
            [
                "frame_segment_share",
                "kommunekode",
                "document_type",
                "publication_year",
                "frame_code",
            ],
            ascending=[False, True, True, True, True],
        ).iloc[0]
        reading = (
            f"Highest share: {municipalities.get(best.kommunekode, best.kommunekode)}, "
            f"{best.document_type}, {best.publication_year}, {best.frame_code} frame, "
            f"{best.frame_segment_share:.2f} of {best.coded_segment_count} coded segments; "
            f"{suppressed}."
        )
    return Finding(
        name="justification_frames",
        title="Justification frames by municipality, document type and year",
        reading=reading,
        sources=("marts.rpt_justification_frames",),
        figure=figure,
        data=data,
        note="Share of a cell's coded segments that at least one coder gave a code of the "
        "frame; a segment can carry several frames.",
    )


def _evidence(tie: pandas.Series) -> str:
    if tie["is_seen_in_case"]:
        return "seen in a case"
    if tie["is_named_by_institution"] and tie["is_named_by_association"]:
        return "named by both sides"
    return "named by one side"


def _circle(angles: numpy.ndarray, radius: float) -> numpy.ndarray:
    return numpy.column_stack([radius * numpy.cos(angles), radius * numpy.sin(angles)])


def _network_layout(
    ties: pandas.DataFrame, institutions: pandas.DataFrame
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Institutions evenly on an inner circle, by policy area; associations on an outer
    circle, in the order of the mean direction of their partners (fewer crossings)."""
    inner = institutions.sort_values(["policy_area_code", "institution_id"])["institution_id"]
    inner_angles = numpy.linspace(0, 2 * math.pi, len(inner), endpoint=False) + math.pi / 2
    institution_angle = dict(zip(inner, inner_angles, strict=True))
    pulls: dict[str, list[float]] = {}
    for tie in ties.itertuples():
        pulls.setdefault(tie.association_id, []).append(institution_angle[tie.institution_id])
    directions = {
        association: math.atan2(
            sum(math.sin(angle) for angle in angles), sum(math.cos(angle) for angle in angles)
        )
        % (2 * math.pi)
        for association, angles in pulls.items()
    }
    outer = sorted(
        directions, key=lambda association: (round(directions[association], 9), association)
    )
    if outer:
        start = directions[outer[0]]
        outer_angles = start + numpy.linspace(0, 2 * math.pi, len(outer), endpoint=False)
    else:
        outer_angles = numpy.array([])
    inner_xy = _circle(inner_angles, 1.0)
    outer_xy = _circle(outer_angles, 1.9)
    return (
        {key: (float(x), float(y)) for key, (x, y) in zip(inner, inner_xy, strict=True)},
        {key: (float(x), float(y)) for key, (x, y) in zip(outer, outer_xy, strict=True)},
    )


def cooperation_network(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Institutions and associations of each municipality, ties coloured by their evidence."""
    ties = _query(
        connection,
        """
        select
            ties.kommunekode, ties.institution_id, ties.association_id,
            institutions.policy_area_code,
            ties.is_named_by_institution, ties.is_named_by_association, ties.is_seen_in_case
        from marts.fct_cooperation_ties as ties
        inner join marts.dim_institutions as institutions
            on ties.institution_id = institutions.institution_id
        order by ties.kommunekode, ties.institution_id, ties.association_id
        """,
    )
    ties["evidence"] = ties.apply(_evidence, axis=1) if len(ties) else pandas.Series(dtype="object")
    municipalities = _municipality_names(connection)
    codes = sorted(ties["kommunekode"].unique())
    columns = 3
    panel_rows = max(math.ceil(len(codes) / columns), 1)
    figure = _figure(5.0 * columns, 5.2 * panel_rows)
    grid = figure.subplots(panel_rows, columns, squeeze=False).ravel()
    for axes in grid:
        axes.set_axis_off()
    for axes, code in zip(grid, codes, strict=False):
        local = ties[ties["kommunekode"] == code]
        institutions = local[["institution_id", "policy_area_code"]].drop_duplicates()
        inner, outer = _network_layout(local, institutions)
        for evidence in EVIDENCE:
            chosen = local[local["evidence"] == evidence]
            segments = [
                (inner[tie.institution_id], outer[tie.association_id])
                for tie in chosen.itertuples()
            ]
            axes.add_collection(LineCollection(segments, **EVIDENCE_STYLE[evidence]))
        inner_xy = numpy.array(list(inner.values()))
        outer_xy = numpy.array(list(outer.values()))
        axes.scatter(inner_xy[:, 0], inner_xy[:, 1], s=9, marker="s", color="#1f5fa8", zorder=3)
        axes.scatter(outer_xy[:, 0], outer_xy[:, 1], s=5, color="#2a9d5c", zorder=3)
        axes.set_xlim(-2.1, 2.1)
        axes.set_ylim(-2.1, 2.1)
        axes.set_aspect("equal")
        counts = local["evidence"].value_counts()
        axes.set_title(
            f"{municipalities.get(code, code)}: {len(local)} ties\n"
            f"{len(inner)} institutions, {len(outer)} associations; "
            f"{int(counts.get('seen in a case', 0))} seen in a case",
            fontsize=9,
        )
    legend_axes = grid[len(codes)] if len(codes) < len(grid) else None
    handles = [
        Line2D([], [], color=EVIDENCE_STYLE[evidence]["color"], linewidth=2.5, label=evidence)
        for evidence in EVIDENCE
    ] + [
        Line2D(
            [], [], marker="s", linestyle="", color="#1f5fa8", label="institution (inner circle)"
        ),
        Line2D(
            [], [], marker="o", linestyle="", color="#2a9d5c", label="association (outer circle)"
        ),
    ]
    (legend_axes or figure).legend(
        handles=handles, loc="center", fontsize=9, frameon=False, title="tie evidence"
    )
    data = ties[["kommunekode", "institution_id", "association_id", "evidence"]].reset_index(
        drop=True
    )
    data["is_suppressed"] = False
    per_municipality = (
        data.groupby("kommunekode").size().sort_values(ascending=False, kind="stable")
    )
    if per_municipality.empty:
        reading = "No cooperation ties: no partner names or case actors were linked."
    else:
        busiest = per_municipality.index[0]
        busiest_ties = data[data["kommunekode"] == busiest]
        both = int((busiest_ties["evidence"] == "named by both sides").sum())
        reading = (
            f"Most ties: {municipalities.get(busiest, busiest)}, {len(busiest_ties)} ties "
            f"between {busiest_ties['institution_id'].nunique()} institutions and "
            f"{busiest_ties['association_id'].nunique()} associations, {both} "
            f"({both / len(busiest_ties):.0%}) named by both sides; "
            f"{int((data['evidence'] == 'seen in a case').sum())} ties in all were seen in a "
            "case."
        )
    return Finding(
        name="cooperation_network",
        title="The cooperation network in each municipality",
        reading=reading,
        sources=(
            "marts.fct_cooperation_ties",
            "marts.dim_institutions",
            "marts.dim_associations",
        ),
        figure=figure,
        data=data,
        note="Every institution and association with at least one tie; a tie seen in a case "
        "is drawn as such whether or not the surveys named it too.",
    )


def case_timelines(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Episodes per quarter since a case started, by type, pooled over the cases."""
    data = _query(
        connection,
        """
        select episode_type, quarter_index, case_count, episode_count, episodes_per_case,
            is_suppressed
        from marts.rpt_case_timelines
        order by quarter_index, episode_type
        """,
    )
    keys = ["episode_type", "quarter_index", "case_count"]
    _check_suppression(data, keys)
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
    figure = _figure(1.0 + 1.05 * len(quarters), 1.4 + 0.6 * len(types))
    axes = figure.subplots()
    for cell in data.itertuples():
        row, column = types.index(cell.episode_type), quarters.index(cell.quarter_index)
        if cell.is_suppressed:
            _suppressed_cell(axes, column, row)
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
    shown = data[~data["is_suppressed"]]
    suppressed = _describe_count(int(data["is_suppressed"].sum()), len(data), "cells")
    if shown.empty:
        reading = f"No episode count to show: {suppressed} (too few cases)."
    else:
        best = shown.sort_values(
            ["episode_count", "quarter_index", "episode_type"], ascending=[False, True, True]
        ).iloc[0]
        reading = (
            f"Most episodes: {best.episode_type.replace('_', ' ')} in quarter "
            f"{best.quarter_index}, {int(best.episode_count)} episodes in {best.case_count} "
            f"cases; {suppressed} (too few cases)."
        )
    return Finding(
        name="case_timelines",
        title="Case timelines: episodes per quarter, by type",
        reading=reading,
        sources=("marts.rpt_case_timelines",),
        figure=figure,
        data=data,
        note="Each cell: episodes of the type in that quarter of the cases' timelines, over "
        "all cases, and episodes per case that had one; an empty cell had no episode.",
    )


def intercoder_reliability(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Krippendorff's alpha per code, per frame and overall."""
    data = _query(
        connection,
        """
        select
            reliability.reliability_id, reliability.reliability_level,
            reliability.justification_code, reliability.frame_code,
            codes.code_name_en, reliability.coded_segment_count,
            reliability.krippendorff_alpha, reliability.is_suppressed
        from marts.rpt_intercoder_reliability as reliability
        left join marts.dim_justification_codes as codes
            on reliability.justification_code = codes.justification_code_id
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
    _check_suppression(data, keys)
    labels = []
    for row in data.itertuples():
        if row.reliability_level == "code":
            labels.append(f"{row.code_name_en or row.justification_code} ({row.frame_code})")
        elif row.reliability_level == "frame":
            labels.append(f"{row.frame_code} frame")
        else:
            labels.append("overall (all codes)")
    figure = _figure(9, 1.2 + 0.3 * len(data))
    axes = figure.subplots()
    for y, row in enumerate(data.itertuples()):
        if row.is_suppressed:
            _suppressed_bar(axes, y, 0.7, 0.0, 1.0)
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
        sources=("marts.rpt_intercoder_reliability", "marts.dim_justification_codes"),
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
    """Within-panel change 2016 → 2018 per item and municipality, with 95 % CIs."""
    data = _query(
        connection,
        """
        select
            statistic, survey, construct, survey_item_id, kommunekode, pair_count,
            value_2016, value_2018, change, change_ci_lower, change_ci_upper, is_suppressed
        from marts.rpt_panel_change
        order by statistic desc, survey desc, construct, kommunekode
        """,
    )
    keys = ["statistic", "survey", "construct", "survey_item_id", "kommunekode", "pair_count"]
    _check_suppression(data, keys)
    municipalities = _municipality_names(connection)
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
    figure = _figure(13, 1.5 + 0.42 * max((len(items) for items in items_per_panel), default=1))
    grid = figure.subplots(1, max(len(present), 1), squeeze=False)[0]
    for axes, (statistic, title, label), items in zip(grid, present, items_per_panel, strict=False):
        cells = data[data["statistic"] == statistic]
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
        axes.set_xlabel(f"2018 − 2016, {label} (95 % CI)", fontsize=8)
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
        reading = (
            f"{len(clear)} of {len(shown)} changes have a 95 % CI that excludes 0; the largest: "
            f"{municipalities.get(largest.kommunekode, largest.kommunekode)}, "
            f"{_item_label(largest.survey, largest.construct)}, {largest.change:+.2f} "
            f"({largest.change_ci_lower:+.2f} to {largest.change_ci_upper:+.2f})."
        )
    else:
        reading = f"None of the {len(shown)} changes has a 95 % CI that excludes 0."
    return Finding(
        name="panel_change",
        title="Change from 2016 to 2018 in the panel",
        reading=reading,
        sources=("marts.rpt_panel_change",),
        figure=figure,
        data=data,
        note="Institutions and associations that answered both waves; mean within-respondent "
        "change with its 95 % confidence interval.",
    )


FIGURES: tuple[Callable[[duckdb.DuckDBPyConnection], Finding], ...] = (
    cooperation,
    attitudes,
    justification_frames,
    cooperation_network,
    case_timelines,
    intercoder_reliability,
    panel_change,
)
