"""One build at a time: exclusive locks on what a build writes and reads back.

A build writes the working file (`warehouse/build/samspil.duckdb`), the incremental
state beside it (`samspil.duckdb.build-state.json`), the file it publishes through
(`.samspil.duckdb.publishing` beside the published one) and dbt's target folder (the
manifest an incremental build reads, the docs). Two builds interleaving there publish
one build's data under the other's summary. So a build holds, from its first write to
its last, the lock of its warehouse (a file beside the working file), the lock of the
published file (a hidden file beside it: two working files, SAMSPIL_BUILD_WAREHOUSE, may
publish one file) and the lock of dbt's target folder; `samspil load` and `samspil
validate`, which write the working file too, hold the warehouse's lock.

The locks are `flock` locks: the system releases them when the process ends, however
it ends (kill -9 too), so a lock never outlives its build. A second process is refused
at once, with one line naming the holder. A lock file is opened without following a
symbolic link, and only if it is a regular file: the holder is written into it, which
would overwrite whatever a link there pointed to.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from samspil.paths import Paths

TARGET_LOCK = "samspil.lock"


class WarehouseInUseError(Exception):
    """Another samspil process holds the lock; the message names it and what to do."""


class LockFileError(WarehouseInUseError):
    """The lock file cannot be taken: a symbolic link or something else than a regular file
    is there, or it cannot be created. The message names it and what to do."""


def warehouse_lock(paths: Paths) -> Path:
    """The lock file of the warehouse: beside its working file."""
    return paths.build_warehouse.with_name(paths.build_warehouse.name + ".lock")


def published_lock(paths: Paths) -> Path:
    """The lock file of the published file: beside it, hidden. A build holds it as well as
    the working file's: two builds of one published file from two working files
    (SAMSPIL_BUILD_WAREHOUSE) would otherwise both publish through the files beside it."""
    return paths.warehouse.with_name(f".{paths.warehouse.name}.lock")


def _holder(text: str) -> str:
    """Who holds a lock, from what it wrote into the lock file."""
    try:
        holder = json.loads(text)
    except ValueError:
        return "another samspil process"
    return (
        f"samspil {holder.get('command', '')} (run {holder.get('run_id', '')}, "
        f"process {holder.get('pid', '')}, raw folder {holder.get('raw', '')}, "
        f"started {holder.get('started', '')})"
    )


def _open(lock_file: Path) -> int:
    """The lock file, opened for reading and writing (created where missing), never
    through a symbolic link; `LockFileError` where it is not a regular file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(lock_file, flags, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise LockFileError(
                f"{lock_file}: a symbolic link where samspil keeps its lock file (not "
                "followed: the lock would overwrite what it points to); remove the link, "
                "then run this again."
            ) from None
        raise LockFileError(
            f"{lock_file}: cannot open samspil's lock file ({error.strerror}); it must be "
            "a file samspil may create and write there: make the folder writable, or remove "
            "what is in its place."
        ) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LockFileError(
            f"{lock_file}: not a regular file where samspil keeps its lock file; remove it, "
            "then run this again."
        )
    return descriptor


@contextmanager
def _exclusive(lock_file: Path, what: str, advice: str, holder: dict[str, str]) -> Iterator[None]:
    with os.fdopen(_open(lock_file), "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise WarehouseInUseError(
                f"{what} is in use by {_holder(handle.read())}; {advice}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder) + "\n")
        handle.flush()
        yield  # closing the file releases the lock


@contextmanager
def locked(
    paths: Paths,
    command: str,
    *,
    warehouse: bool = True,
    published: bool = False,
    target: bool = False,
) -> Iterator[str]:
    """Hold the lock of the warehouse of `paths` (and of its published file, `published`,
    and of dbt's target folder, `target`) for the `with` block, which gets the id of this
    run (when it started, and a random part); raise `WarehouseInUseError` at once if
    another process holds one."""
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    holder = {
        "command": command,
        "run_id": run_id,
        "pid": str(os.getpid()),
        "raw": str(paths.raw),
        "started": f"{now:%Y-%m-%d %H:%M:%S} UTC",
    }
    wait = "wait until it has ended, then run this again"
    with ExitStack() as locks:
        if warehouse:
            locks.enter_context(
                _exclusive(warehouse_lock(paths), f"the warehouse {paths.warehouse}", wait, holder)
            )
        if published:
            locks.enter_context(
                _exclusive(published_lock(paths), f"the warehouse {paths.warehouse}", wait, holder)
            )
        if target:
            locks.enter_context(
                _exclusive(
                    paths.target / TARGET_LOCK,
                    f"dbt's target folder {paths.target}",
                    f"{wait}, or give this build a target folder of its own (DBT_TARGET_PATH)",
                    holder,
                )
            )
        yield run_id
