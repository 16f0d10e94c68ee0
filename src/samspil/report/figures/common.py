"""What the figures share: the `Finding` they return, reading the release file, the
suppressed mark, the waves' markers, and the colours of more than one figure."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import matplotlib
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

matplotlib.use("Agg")  # files only, never a display

SUPPRESSED = "suppressed"
"""The label every suppressed cell carries in every figure."""

SUPPRESSED_STYLE = {"facecolor": "#f0f0f0", "edgecolor": "#9a9a9a", "hatch": "////"}
WAVE_FILLSTYLES = ("left", "bottom", "right", "top")
"""How a wave between the first (an open marker) and the latest (a full one) is drawn."""
SURVEY_NAMES = {"institution": "institutions", "association": "associations"}
FRAME_COLOURS = {
    "community": "#2a9d5c",
    "democracy": "#1f5fa8",
    "economy": "#b8860b",
    "efficiency": "#c2410c",
}
MUNICIPALITY_COLOURS = ("#1f5fa8", "#d9730d", "#2a9d5c", "#b5122b", "#6b4c9a")


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


def query(connection: duckdb.DuckDBPyConnection, sql: str) -> pandas.DataFrame:
    return connection.execute(sql).df()


def municipality_names(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(
        "select kommunekode, municipality_name from reference.municipalities"
    ).fetchall()
    return dict(rows)


def policy_area_names(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(
        "select policy_area_code, name_en from reference.policy_areas"
    ).fetchall()
    return dict(rows)


def _value_columns(data: pandas.DataFrame, keys: list[str]) -> list[str]:
    return [column for column in data.columns if column not in (*keys, "is_suppressed")]


def check_suppression(data: pandas.DataFrame, keys: list[str]) -> None:
    """A suppressed row carries no value (the marts null them; a figure must not invent one)."""
    values = data.loc[data["is_suppressed"], _value_columns(data, keys)]
    if values.notna().any().any():
        raise ValueError("a suppressed cell carries a value")


def describe_count(suppressed: int, total: int, unit: str) -> str:
    return f"{suppressed} of {total} {unit} suppressed" if suppressed else f"no {unit} suppressed"


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def suppressed_bar(axes: Axes, y: float, height: float, left: float, width: float) -> None:
    """A grey hatched bar across the axis where a suppressed estimate would be."""
    axes.add_patch(Rectangle((left, y - height / 2), width, height, **SUPPRESSED_STYLE))
    axes.text(
        left + width / 2, y, SUPPRESSED, ha="center", va="center", fontsize=6, color="#555555"
    )


def suppressed_cell(axes: Axes, column: float, row: float) -> None:
    """A grey hatched heat-map cell labelled as suppressed."""
    axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, **SUPPRESSED_STYLE))
    axes.text(column, row, SUPPRESSED, ha="center", va="center", fontsize=5.5, color="#555555")


def suppressed_handle() -> Patch:
    """The legend entry of a suppressed mark."""
    return Patch(**SUPPRESSED_STYLE, label="suppressed (disclosure control)")


def waves_of(data: pandas.DataFrame, column: str = "wave") -> list[int]:
    """The survey waves a release table has, earliest first (the waves are data: the
    seed survey_waves says which there are)."""
    return sorted(int(wave) for wave in data[column].unique())


def wave_markers(waves: list[int]) -> dict[int, dict[str, str]]:
    """Each wave's marker: the first open, the latest full, any between half full."""
    middle = [
        {"fillstyle": WAVE_FILLSTYLES[index % len(WAVE_FILLSTYLES)]}
        for index in range(max(len(waves) - 2, 0))
    ]
    styles = [{"fillstyle": "none"}, *middle, {"fillstyle": "full"}][-len(waves) :]
    return dict(zip(waves, styles, strict=True)) if waves else {}


def wave_offsets(keys: list, spread: float) -> dict:
    """Each key's offset from its row, evenly from -spread to spread (0 for a lone key)."""
    if len(keys) < 2:
        return dict.fromkeys(keys, 0.0)
    step = 2 * spread / (len(keys) - 1)
    return {key: round(-spread + index * step, 10) for index, key in enumerate(keys)}


def wave_handles(waves: list[int]) -> list[Line2D]:
    """Legend entries of the waves' markers."""
    markers = wave_markers(waves)
    return [
        Line2D([], [], marker="o", linestyle="", color="#444444", label=str(wave), **markers[wave])
        for wave in waves
    ]
