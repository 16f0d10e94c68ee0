"""Inter-coder reliability of the document coding: Krippendorff's alpha per code, per frame
and overall."""

from __future__ import annotations

import duckdb
import pandas
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from samspil.report.figures.common import (
    FRAME_COLOURS,
    SUPPRESSED,
    Finding,
    check_suppression,
    new_figure,
    query,
    suppressed_bar,
)

ALPHA_TENTATIVE = 0.667
ALPHA_CONCLUSIVE = 0.800


def _read(connection: duckdb.DuckDBPyConnection) -> pandas.DataFrame:
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
    return data


def _labels(data: pandas.DataFrame) -> list[str]:
    labels = []
    for row in data.itertuples():
        if row.reliability_level == "code":
            labels.append(f"{row.code_name_en or row.justification_code} ({row.frame_code})")
        elif row.reliability_level == "frame":
            labels.append(f"{row.frame_code} frame")
        else:
            labels.append("overall (all codes)")
    return labels


def _draw_alphas(axes: Axes, data: pandas.DataFrame) -> None:
    """A bar per code, frame and overall; the frames and overall darker than the codes."""
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


def _draw(data: pandas.DataFrame) -> Figure:
    labels = _labels(data)
    figure = new_figure(9, 1.2 + 0.3 * len(data))
    axes = figure.subplots()
    _draw_alphas(axes, data)
    for limit, text in ((ALPHA_TENTATIVE, "0.667 tentative"), (ALPHA_CONCLUSIVE, "0.800")):
        axes.axvline(limit, color="#555555", linestyle="--", linewidth=0.8)
        axes.text(limit, -0.9, text, ha="center", fontsize=7, color="#555555")
    axes.set_yticks(range(len(data)), labels, fontsize=8)
    axes.set_ylim(len(data) - 0.5, -1.2)
    lowest = min(0.0, float(data["krippendorff_alpha"].min(skipna=True) or 0.0))
    axes.set_xlim(lowest, 1.0)
    axes.set_xlabel("Krippendorff's alpha (nominal)", fontsize=9)
    return figure


def _overall(data: pandas.DataFrame) -> str:
    overall = data.loc[data["reliability_level"] == "overall", "krippendorff_alpha"]
    overall_suppressed = data.loc[data["reliability_level"] == "overall", "is_suppressed"]
    if len(overall) and pandas.notna(overall.iloc[0]):
        return f"{overall.iloc[0]:.2f}"
    if len(overall_suppressed) and overall_suppressed.iloc[0]:
        return SUPPRESSED
    return "undefined"


def _reading(data: pandas.DataFrame) -> str:
    codes = data[(data["reliability_level"] == "code") & data["krippendorff_alpha"].notna()]
    overall = _overall(data)
    if codes.empty:
        return f"No code's alpha to show; overall {overall}."
    worst = codes.sort_values(["krippendorff_alpha", "justification_code"]).iloc[0]
    return (
        f"Lowest alpha: {worst.code_name_en or worst.justification_code} "
        f"({worst.frame_code}) {worst.krippendorff_alpha:.2f}; "
        f"{int((codes['krippendorff_alpha'] < ALPHA_TENTATIVE).sum())} of {len(codes)} "
        f"codes below 0.667, "
        f"{int((codes['krippendorff_alpha'] >= ALPHA_CONCLUSIVE).sum())} at 0.800 or "
        f"above; overall {overall}."
    )


def intercoder_reliability(connection: duckdb.DuckDBPyConnection) -> Finding:
    """Krippendorff's alpha per code, per frame and overall."""
    data = _read(connection)
    return Finding(
        name="intercoder_reliability",
        title="Inter-coder reliability per code",
        reading=_reading(data),
        sources=("release.rpt_intercoder_reliability", "reference.justification_codes"),
        figure=_draw(data),
        data=data,
        note="Krippendorff advises α ≥ 0.800 for conclusions and α ≥ 0.667 for tentative ones.",
    )
