"""Builds started, watched and killed as a hostile user would: `samspil build` processes,
the Great Expectations process each starts, and the warehouse lock they take."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from conftest import SAMSPIL, samspil_environment


def start_build(warehouse: Path, raw: Path, *options: str, **streams) -> subprocess.Popen:
    """`samspil build` with `options` of `raw` into `warehouse`, started."""
    return subprocess.Popen(
        [str(SAMSPIL), "build", *options],
        env=samspil_environment(warehouse, raw),
        **streams,
    )


def children(pid: int) -> list[int]:
    return [
        int(child)
        for children in Path(f"/proc/{pid}/task").glob("*/children")
        for child in children.read_text().split()
    ]


def has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.path.realpath(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # it ended
        return False


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def lock_holder(lock: Path) -> str | None:
    """The process the lock file names: the last that took the lock."""
    try:
        return json.loads(lock.read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Killed:
    """A build killed (-9) while its Great Expectations process validated."""

    great_expectations_alive: bool
    """Whether that process was still alive (it must go with the build)."""
    validation_tables: int
    """Tables of the working file's validation schema after the kill."""
    published: bool


def kill_while_validating(warehouse: Path, raw: Path) -> Killed:
    working = warehouse.parent / "build" / warehouse.name
    build = start_build(
        warehouse, raw, "--no-docs", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 900
        validating = []
        while not validating:  # the GX process reads the staged tables
            assert build.poll() is None, "the build ended before it validated"
            assert time.monotonic() < deadline, "the build never validated"
            validating = [pid for pid in children(build.pid) if has_open(pid, working)]
            time.sleep(0.05)
    finally:
        build.kill()
        build.wait()
    (great_expectations,) = validating
    deadline = time.monotonic() + 300
    while alive(great_expectations) and time.monotonic() < deadline:
        time.sleep(0.1)
    with duckdb.connect(str(working), read_only=True) as connection:
        recorded = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'validation'"
        ).fetchone()[0]
    return Killed(alive(great_expectations), recorded, warehouse.exists())
