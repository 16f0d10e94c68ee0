"""Run SACRO's output checker (acro) on the unit-level data behind each release table.

Runs in the checker's own environment (`make acro-env`, tools/acro/requirements.txt), not
the warehouse's: it imports acro and pandas only. Reads `spec.json` in the folder given
as its first argument: the threshold (the warehouse's min_cell_size) and one entry per
table to build, {"name", "parquet", "index": [...], "columns": [...], "values": column or
null, "aggfunc": "mean" or null}. Writes `verdicts.json` there: per entry, every cell's
key (index values, then columns values, as text) with acro's outcome ("ok" or the checks
that failed, e.g. "MinimumThresholdCheck;").
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path

import acro
import pandas as pd
import yaml


def _configure(threshold: int) -> str:
    """acro reads its parameters from a YAML file beside its own (its documented way):
    the defaults with the frequency threshold set to the warehouse's min_cell_size."""
    package = Path(acro.__file__).parent
    config = yaml.safe_load((package / "default.yaml").read_text(encoding="utf-8"))
    config["safe_threshold"] = threshold
    (package / "samspil.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return "samspil"


def _cells(outcome: pd.DataFrame) -> list[dict]:
    cells = []
    for index_key, row in outcome.iterrows():
        index_key = index_key if isinstance(index_key, tuple) else (index_key,)
        for column_key, verdict in row.items():
            column_key = column_key if isinstance(column_key, tuple) else (column_key,)
            cells.append(
                {"key": [str(part) for part in (*index_key, *column_key)], "outcome": verdict}
            )
    return cells


def main(folder: Path) -> None:
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    spec = json.loads((folder / "spec.json").read_text(encoding="utf-8"))
    session = acro.ACRO(config=_configure(int(spec["threshold"])), suppress=False)
    verdicts = []
    for entry in spec["tables"]:
        data = pd.read_parquet(folder / entry["parquet"])
        values = data[entry["values"]] if entry["values"] else None
        session.crosstab(
            [data[column] for column in entry["index"]],
            [data[column] for column in entry["columns"]],
            values=values,
            aggfunc=entry["aggfunc"],
        )
        record = list(session.results.results.values())[-1]
        verdicts.append({"name": entry["name"], "cells": _cells(record.outcome)})
    (folder / "verdicts.json").write_text(json.dumps(verdicts, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
