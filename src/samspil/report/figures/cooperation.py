"""Institutions cooperating with associations and with volunteers, by municipality, policy
area and wave."""

from __future__ import annotations

import duckdb
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from samspil.report.figures.common import (
    Finding,
    check_suppression,
    describe_count,
    municipality_names,
    new_figure,
    policy_area_names,
    query,
    suppressed_bar,
    suppressed_handle,
    wave_handles,
    wave_markers,
    wave_offsets,
    waves_of,
)

MEASURE_COLOURS = {"associations": "#1f5fa8", "volunteers": "#2a9d5c"}
MEASURES = ("associations", "volunteers")


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
    data = query(
        connection,
        """
        with cells as (
            select
                construct, kommunekode, policy_area_code, wave, unit_count, estimate,
                ci_lower, ci_upper, is_suppressed
            from release.rpt_cooperation_by_municipality_area
            union all
            select
                construct, kommunekode, 'all', wave, unit_count, estimate, ci_lower, ci_upper,
                is_suppressed
            from release.rpt_cooperation_by_municipality
        )
        select
            case construct
                when 'coop_associations' then 'associations' else 'volunteers'
            end as measure,
            kommunekode, policy_area_code, wave, unit_count as answer_base,
            estimate as weighted_share, ci_lower, ci_upper, is_suppressed
        from cells
        order by measure, kommunekode, policy_area_code = 'all' desc, policy_area_code, wave
        """,
    )
    check_suppression(data, ["measure", "kommunekode", "policy_area_code", "wave"])
    return data


def _draw_shares(
    axes: Axes, cells: pandas.DataFrame, rows: list[str], waves: list[int], measure: str
) -> None:
    """One panel's shares: a row per area, a mark per wave."""
    markers = wave_markers(waves)
    offsets = wave_offsets(waves, 0.18)
    height = 0.6 / max(len(waves), 2)
    for cell in cells.itertuples():
        y = rows.index(cell.policy_area_code) + offsets[int(cell.wave)]
        if cell.is_suppressed:
            suppressed_bar(axes, y, height, 0.0, 1.0)
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
            **markers[int(cell.wave)],
        )


def _draw(data: pandas.DataFrame, municipalities: dict[str, str], areas: dict[str, str]) -> Figure:
    """A panel per measure and municipality; its top row is the municipality over all areas."""
    codes = sorted(data["kommunekode"].unique())
    area_codes = sorted(code for code in data["policy_area_code"].unique() if code != "all")
    rows = ["all", *area_codes]
    labels = ["All areas", *(areas.get(code, code) for code in area_codes)]
    waves = waves_of(data)
    figure = new_figure(3.0 * max(len(codes), 1) + 1.5, 7.5)
    grid = figure.subplots(
        len(MEASURES), max(len(codes), 1), sharex=True, sharey=True, squeeze=False
    )
    for row_index, measure in enumerate(MEASURES):
        for column_index, code in enumerate(codes):
            axes = grid[row_index][column_index]
            cells = data[(data["measure"] == measure) & (data["kommunekode"] == code)]
            _draw_shares(axes, cells, rows, waves, measure)
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
            if row_index == len(MEASURES) - 1:
                axes.set_xlabel("weighted share (95 % CI)", fontsize=8)
            axes.tick_params(axis="x", labelsize=7)
    figure.legend(
        handles=[*wave_handles(waves), suppressed_handle()],
        loc="outside lower center",
        ncols=len(waves) + 1,
        fontsize=8,
        frameon=False,
    )
    return figure


def _reading(data: pandas.DataFrame, municipalities: dict[str, str], areas: dict[str, str]) -> str:
    shown = data[(data["policy_area_code"] != "all") & ~data["is_suppressed"]]
    latest = shown[(shown["measure"] == "associations") & (shown["wave"] == shown["wave"].max())]
    area_cells = data[(data["policy_area_code"] != "all") & (data["measure"] == "associations")]
    suppressed = describe_count(
        int(area_cells["is_suppressed"].sum()), len(area_cells), "municipality × area × wave cells"
    )
    if latest.empty:
        return f"No share to show: {suppressed}."
    best = latest.sort_values(
        ["weighted_share", "kommunekode", "policy_area_code"], ascending=[False, True, True]
    ).iloc[0]
    return (
        f"Highest weighted share cooperating with associations in {best.wave}: "
        f"{municipalities.get(best.kommunekode, best.kommunekode)}, "
        f"{areas.get(best.policy_area_code, best.policy_area_code).lower()}, "
        f"{best.weighted_share:.2f} (95 % CI {best.ci_lower:.2f}–{best.ci_upper:.2f}); "
        f"{suppressed}."
    )


def cooperation(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Weighted shares of institutions cooperating with associations and with volunteers."""
    data = _read(connection)
    municipalities = municipality_names(connection)
    areas = policy_area_names(connection)
    return Finding(
        name="cooperation_by_municipality_area",
        title="Institutions cooperating with associations and with volunteers",
        reading=_reading(data, municipalities, areas),
        sources=(
            "release.rpt_cooperation_by_municipality_area",
            "release.rpt_cooperation_by_municipality",
        ),
        figure=_draw(data, municipalities, areas),
        data=data,
        note="Weighted shares (nonresponse weights) with 95 % confidence intervals; "
        "the top row of each panel is the municipality over all policy areas.",
    )
