"""The report's figures: one function per figure, each drawn from the release tier only.

Every function takes a read-only connection to the published release file (schemas
`release` and `reference`) and returns a `Finding`: the matplotlib figure, a one-line
reading computed from the data, the release tables it comes from, and `data`, the values
it plotted, one row per mark. The release tables are long (one row per cell and
statistic); a suppressed cell is a row with `is_suppressed` true and its values null, and
the figure draws it as a grey hatched mark labelled `SUPPRESSED`, never as a number.

Each figure is a module here: its query (`_read`), its drawing (`_draw`), its reading
(`_reading`) and the function that puts them in a `Finding`; what more than one figure
uses is in `common`. A new figure is a new module and its function in `FIGURES`.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from samspil.report.figures.attitudes import attitudes
from samspil.report.figures.case_timelines import case_timelines
from samspil.report.figures.common import Finding
from samspil.report.figures.cooperation import cooperation
from samspil.report.figures.intercoder_reliability import intercoder_reliability
from samspil.report.figures.justification_frames import justification_frames
from samspil.report.figures.panel_change import panel_change
from samspil.report.figures.tie_reciprocity import tie_reciprocity

FIGURES: tuple[Callable[[duckdb.DuckDBPyConnection], Finding], ...] = (
    cooperation,
    attitudes,
    justification_frames,
    tie_reciprocity,
    case_timelines,
    intercoder_reliability,
    panel_change,
)
"""The report's figures, in the order the page shows them."""
