"""Where things are: the project, the raw exports and the warehouse files.

Every location can be moved with an environment variable, so tests and real
exports never touch the shipped demo or the published warehouse.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from samspil.manifest import target_dir

PROJECT_DIR = Path(__file__).resolve().parents[2]

GX_CONTEXT = ("gx/great_expectations.yml", "gx/static/vendor")
"""What a folder's GX file context needs besides what the validation writes (`Paths.gx_root`)."""


def replaceable(out: Path, is_ours: Callable[[Path], bool]) -> bool:
    """Whether the folder `out` may be replaced by one samspil writes: absent, empty, or
    one it wrote before (`is_ours`, read from a file of its own inside)."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    return is_ours(out) or not any(out.iterdir())


def unwritable(folder: Path) -> str | None:
    """Why samspil cannot write files into `folder` (created where missing), or None: a
    read-only folder or file system, say. Asked before the work that would end there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"{folder}: cannot write there ({error.strerror or error})"
    return None


def keep_mode(new: Path, old: Path) -> None:
    """Give `new`, about to replace `old`, the permissions of `old` where there is one: a
    file or folder the user made private stays private when it is replaced. (Without an
    `old`, `new` keeps what the process's umask gave it.)"""
    try:
        mode = old.stat().st_mode
    except FileNotFoundError:
        return
    new.chmod(stat.S_IMODE(mode))


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A new folder beside `out` for the block to write into: when the block ends, it takes
    `out`'s place in one rename, with `out`'s permissions (`keep_mode`; the old folder
    set aside under a name of this run's, then removed); when the block fails, it is
    removed and `out` stays as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.with_name(f".{out.name}.{secrets.token_hex(4)}")
    folder.mkdir()  # the umask's permissions, as any new folder
    try:
        yield folder
        keep_mode(folder, out)
        retired = folder.with_name(f"{folder.name}.retired")  # its own: never another's
        if out.exists():
            out.rename(retired)
        folder.rename(out)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


RELEASE_SUFFIX = "_release"
"""How the release tier's file is named after the restricted file (`release_file`)."""


def release_file(published: Path) -> Path:
    """The release tier's file beside the restricted file `published`:
    `samspil.duckdb` → `samspil_release.duckdb`."""
    return published.with_name(f"{published.stem}{RELEASE_SUFFIX}{published.suffix}")


@dataclass(frozen=True)
class Paths:
    project: Path
    raw: Path
    warehouse: Path
    """The published file users open (SAMSPIL_WAREHOUSE)."""

    @property
    def release_warehouse(self) -> Path:
        """The published release tier alone, what `samspil report` reads and `samspil
        export` writes by default (see `release_file`)."""
        return release_file(self.warehouse)

    def warehouse_problem(self) -> str | None:
        """Why the published file may not be named as it is, or None: a name of a release
        file (`…_release.duckdb`, say an earlier build's) would get the restricted tier,
        the unit-level marts, in the file meant to be shared; a published file that is a
        symbolic link would be replaced by a file (publishing renames a new file over it),
        the link's target left as it was."""
        for file in (self.warehouse, self.release_warehouse):
            if file.is_symlink():
                return (
                    f"{file}: a symbolic link, which publishing would replace by a file "
                    f"(leaving {file.readlink()} as it is); set SAMSPIL_WAREHOUSE to the "
                    "file the link points to, or remove the link."
                )
        stem = self.warehouse.stem
        if not stem.endswith(RELEASE_SUFFIX):
            return None
        restricted = self.warehouse.with_name(
            stem.removesuffix(RELEASE_SUFFIX) + self.warehouse.suffix
        )
        return (
            f"{self.warehouse}: the name of a release tier's file, where the build would "
            f"publish the restricted tier; set SAMSPIL_WAREHOUSE to the restricted file "
            f"({restricted}, say), beside which the release file is written."
        )

    @property
    def build_warehouse(self) -> Path:
        """The working file dbt builds into; published only after a good build."""
        override = os.environ.get("SAMSPIL_BUILD_WAREHOUSE")
        if override:
            return Path(override).resolve()
        return self.warehouse.parent / "build" / self.warehouse.name

    @property
    def target(self) -> Path:
        """dbt's target folder (`samspil.manifest.target_dir`)."""
        return target_dir(self.project)

    @property
    def gx_root(self) -> Path:
        """The folder whose `gx/` holds the GX file context: the project's, unless
        SAMSPIL_GX_ROOT moves it (`samspil bench` gives each build its own, so that
        its validation results and Data Docs stay out of the project's)."""
        return Path(os.environ.get("SAMSPIL_GX_ROOT", self.project)).resolve()

    def gx_root_problem(self) -> str | None:
        """Why `gx_root` holds no GX file context to validate in, or None. Its
        gx/great_expectations.yml configures the stores and the Data Docs, gx/static/vendor
        holds what the Data Docs load offline: without them GX would make a default context
        there, and the Data Docs would fail at the end of the build."""
        missing = [name for name in GX_CONTEXT if not (self.gx_root / name).exists()]
        if not missing:
            return None
        where = (
            f"SAMSPIL_GX_ROOT must name a folder with a copy of {self.project / 'gx'} "
            "(gx/uncommitted left out)"
            if "SAMSPIL_GX_ROOT" in os.environ
            else "the project's own is used: is SAMSPIL_PROJECT_DIR a samspil checkout?"
        )
        return (
            f"{self.gx_root}: no Great Expectations context ({', '.join(missing)} missing); "
            + where
        )

    @property
    def docs(self) -> Path:
        """dbt docs as one self-contained page that opens offline from the file system, in
        dbt's target folder."""
        return self.target / "static_index.html"

    @classmethod
    def from_environment(cls) -> Paths:
        project = Path(os.environ.get("SAMSPIL_PROJECT_DIR", PROJECT_DIR)).resolve()
        raw = Path(os.environ.get("SAMSPIL_RAW_DIR", project / "raw" / "demo"))
        warehouse = Path(
            os.environ.get("SAMSPIL_WAREHOUSE", project / "warehouse" / "samspil.duckdb")
        )
        # The folder resolved, not the file: a published file that is a link is refused
        # (`warehouse_problem`), not silently taken for its target and its target's folder.
        return cls(
            project=project,
            raw=raw.resolve(),
            warehouse=warehouse.parent.resolve() / warehouse.name,
        )
