"""What a build records for the next one: the state that makes it incremental.

After a good build the working file's folder holds two things named after the working
file: `samspil.duckdb.build-state.json` (the checksum of every raw file, a fingerprint of
what dbt cannot see, a digest of what dbt alone reads, and which published file the
build wrote) and `samspil.duckdb.dbt-state/`, dbt's manifest of that build (dbt's state
to compare with). Two working files in one folder (two warehouses side by side) keep
their own: one's state never makes the other's build incremental. `samspil.build` reads
it to decide between a full and an incremental build; anything that changes the working
file outside a build forgets it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

import duckdb

import samspil
from samspil.load import LoadedFile
from samspil.paths import Paths

# What a build depends on besides the raw files and dbt's own project: a change to any of
# these makes the next build a full one. The loader reads the sources YAML of the staging
# folders, the seeds and the vars; the suites under gx/ are written from the samspil
# package, which is part of the fingerprint too.
LOADER_INPUTS = ("dbt_project.yml", "profiles.yml", "gx/great_expectations.yml", "seeds")
LOADER_YAML = "models/staging"
# What dbt alone reads: a change to these rebuilds what dbt's state comparison
# (`state:modified+`, against the last good build's manifest) finds changed.
DBT_INPUTS = ("models", "macros", "tests")
PROJECT_SUFFIXES = (".yml", ".yaml", ".sql", ".csv", ".md", ".json")
YAML_SUFFIXES = (".yml", ".yaml")
DBT_STATE = "dbt-state"
"""The folder beside the working file with the last good build's manifest (`dbt_state_dir`)."""
STATE_FILE = "build-state.json"
"""The state file beside the working file (`state_file`)."""


def _project_files(project: Path, names: tuple[str, ...]) -> list[Path]:
    """The files of the project under `names` (files or folders) a build reads."""
    files = [project / name for name in names if (project / name).is_file()]
    files += [
        path
        for name in names
        for path in sorted((project / name).rglob("*"))
        if path.is_file() and path.suffix in PROJECT_SUFFIXES and "python" not in path.parts
    ]
    return files


def _is_loader_yaml(project: Path, path: Path) -> bool:
    return path.is_relative_to(project / LOADER_YAML) and path.suffix in YAML_SUFFIXES


def _digest(digest, root: Path, files: list[Path]) -> None:
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def fingerprint(paths: Paths, target: str, pseudonym_key: bytes) -> str:
    """A digest of everything a build depends on besides the raw files and what dbt alone
    reads (`dbt_digest`): what the loader reads of the project, the samspil package's
    source, the dbt, adapter and DuckDB versions, the target, the analyst role, and the
    pseudonym key (as a keyed digest, never the key)."""
    import dbt.version

    digest = hashlib.sha256()
    project = paths.project
    loader_files = _project_files(project, LOADER_INPUTS)
    loader_files += [
        path for path in _project_files(project, (LOADER_YAML,)) if _is_loader_yaml(project, path)
    ]
    _digest(digest, project, loader_files)
    package = Path(samspil.__file__).parent
    _digest(digest, package, sorted(package.rglob("*.py")))
    for part in (
        dbt.version.__version__,
        duckdb.__version__,
        target,
        os.environ.get("SAMSPIL_PG_ANALYST_ROLE", ""),
        os.environ.get("SAMSPIL_PG_READER_ROLE", ""),
        hmac.new(pseudonym_key, b"samspil build state", "sha256").hexdigest(),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def dbt_digest(paths: Paths) -> str:
    """A digest of what dbt alone reads of the project (models, macros, tests; not the
    staging folders' YAML, which the loader reads too): where it differs from the last
    good build's, dbt's state comparison says what to rebuild."""
    digest = hashlib.sha256()
    files = [
        path
        for path in _project_files(paths.project, DBT_INPUTS)
        if not _is_loader_yaml(paths.project, path)
    ]
    _digest(digest, paths.project, files)
    return digest.hexdigest()


def state_file(build_warehouse: Path) -> Path:
    """The state of the working file `build_warehouse`: beside it, named after it."""
    return build_warehouse.with_name(f"{build_warehouse.name}.{STATE_FILE}")


def read_state(paths: Paths, fingerprint_now: str) -> dict | None:
    """The last good build's state (its raw checksums, `raw`, and `dbt`, its `dbt_digest`),
    if the next build can be incremental."""
    path = state_file(paths.build_warehouse)
    if not (path.is_file() and paths.build_warehouse.is_file()):
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if state.get("fingerprint") != fingerprint_now:
        return None
    # dbt's manifests: the last good build's to compare with, and the one an incremental
    # build of the same project keeps (where the validation and disclosure find relations).
    if not all(
        (folder / "manifest.json").is_file() for folder in (dbt_state_dir(paths), paths.target)
    ):
        return None
    return state


def dbt_state_dir(paths: Paths) -> Path:
    """dbt's state of the working file of `paths`: beside it, named after it."""
    return paths.build_warehouse.with_name(f"{paths.build_warehouse.name}.{DBT_STATE}")


def forget_state(paths: Paths) -> None:
    """Make the next build a full one (the working file is being changed outside a build)."""
    state_file(paths.build_warehouse).unlink(missing_ok=True)


def _file_identity(path: Path) -> list[int] | None:
    """Which file is at `path` (device, inode, size, modification time); None if none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns]


def is_published_by_last_build(paths: Paths, state: dict) -> bool:
    """Whether the published file is the one the build of `state` published: only then may
    an incremental build copy it and replace the marts it rebuilt. One restored from a
    backup, or published from another working file, is replaced whole; so is every file
    after a build refused at publishing, which published none."""
    published = state.get("published")
    return published is not None and published == _file_identity(paths.warehouse)


def _replace_file(path: Path, data: bytes) -> None:
    """Write `path` as a new file renamed onto it: a symbolic link there is replaced, never
    followed (writing through it would overwrite what it points to)."""
    new = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    with new.open("xb") as handle:  # a new file, created here (not through a link)
        handle.write(data)
    new.replace(path)


def write_state(
    paths: Paths,
    fingerprint_now: str,
    dbt_now: str,
    loaded: list[LoadedFile],
    refused: bool = False,
) -> None:
    """Record this good build for the next: its fingerprints, raw checksums, the file it
    published, and dbt's manifest of the project it built (dbt's state to compare with);
    or a build `refused` at publishing, which published nothing."""
    state_dir = dbt_state_dir(paths)
    if state_dir.is_symlink():  # the folder is the build's own: never one elsewhere
        state_dir.unlink()
    state_dir.mkdir(exist_ok=True)
    _replace_file(state_dir / "manifest.json", (paths.target / "manifest.json").read_bytes())
    state = {
        "fingerprint": fingerprint_now,
        "dbt": dbt_now,
        "raw": {item.table: item.sha256 for item in loaded},
        "published": None if refused else _file_identity(paths.warehouse),
        "refused": refused,
    }
    text = json.dumps(state, indent=2, sort_keys=True) + "\n"
    _replace_file(state_file(paths.build_warehouse), text.encode("utf-8"))
