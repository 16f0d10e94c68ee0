"""Waves are data: one more row in seeds/survey_waves.csv is one more wave everywhere.

In a copy of the project whose seed adds a wave 2020 (conftest's `third_wave_bench`: the
bench's build of its exports is the one build of three waves, builds are slow), the real
CLI generates three waves, the same exports the bench built; the release tier has 2020's
estimates, the panel changes 2016→2018 and 2018→2020, and the report's figures show the
three waves.
"""

from __future__ import annotations

import csv
import filecmp
import os
import subprocess
from pathlib import Path

import duckdb

from samspil.paths import release_file

from conftest import SAMSPIL, run_samspil


def _column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def _texts(svg: Path) -> set[str]:
    """The texts of a matplotlib SVG (it writes each text drawn as paths after a comment)."""
    return {
        line.strip()[len("<!-- ") : -len(" -->")]
        for line in svg.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("<!-- ") and line.strip().endswith(" -->")
    }


def _files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != ".complete"
    )


def test_a_wave_added_to_the_seed_is_generated_built_and_reported(
    third_wave_bench: dict, tmp_path: Path
) -> None:
    project = Path(third_wave_bench["project"])
    environment = {"SAMSPIL_PROJECT_DIR": str(project)}
    raw = tmp_path / "raw"
    generated = subprocess.run(
        [str(SAMSPIL), "generate", "--out", str(raw), "--formats", "csv"],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    for survey in ("institution_survey", "association_survey"):
        assert sorted(set(_column(raw / survey / "frame.csv", "wave"))) == [
            "2016",
            "2018",
            "2020",
        ]
        assert "2020" in _column(raw / survey / "responses.csv", "wave")
    # The bench built the same exports (the demo's seed and scale).
    assert third_wave_bench["returncode"] == 0, third_wave_bench["stderr"]
    benched = Path(third_wave_bench["out"]) / "scale-1"
    files = _files(raw)
    assert files == _files(benched / "raw") and len(files) > 10
    assert filecmp.cmpfiles(raw, benched / "raw", files, shallow=False)[0] == files

    warehouse = benched / "samspil.duckdb"
    with duckdb.connect(str(release_file(warehouse)), read_only=True) as release:
        estimates = dict(
            release.execute(
                "select wave, count(*) from release.rpt_cooperation_by_municipality "
                "where not is_suppressed and estimate is not null group by wave"
            ).fetchall()
        )
        pairs = release.execute(
            "select distinct from_wave, to_wave from release.rpt_panel_change "
            "where not is_suppressed order by 1"
        ).fetchall()
    assert set(estimates) == {2016, 2018, 2020}
    assert pairs == [(2016, 2018), (2018, 2020)]
    with duckdb.connect(str(warehouse), read_only=True) as marts:
        answered = marts.execute(
            "select max(waves_answered), max(last_wave_answered), "
            "count(*) filter (where answered_every_wave) from marts.dim_institutions"
        ).fetchone()
    assert answered[0] == 3
    assert answered[1] == 2020
    assert answered[2] > 0

    out = tmp_path / "report"
    reported = run_samspil(
        "report", "--out", str(out), warehouse=warehouse, environment=environment
    )
    assert reported.returncode == 0, reported.stdout + reported.stderr
    for figure in ("cooperation_by_municipality_area", "attitudes_by_sector"):
        assert {"2016", "2018", "2020"} <= _texts(out / "figures" / f"{figure}.svg"), figure
    panel = _texts(out / "figures" / "panel_change.svg")
    assert any(text.startswith("2018 − 2016") for text in panel)
    assert any(text.startswith("2020 − 2018") for text in panel)
