"""Keyed pseudonyms for persons: HMAC-SHA256 with a key from the environment.

A person's identifier (an e-mail address, a contact person's name) is
replaced by ``hmac_sha256(key, normalised identifier)``, shortened to 16 hex
digits. The same person gets the same pseudonym in every file and every
build with the same key; without the key nobody can tell who it is, nor
check a guess. The key is read from ``SAMSPIL_PSEUDONYM_KEY`` and never
written anywhere. The shipped synthetic demo (its files' checksums are committed in
``raw/demo.sha256``) may be built with the documented, public :data:`DEMO_KEY`, and so
may data the user declares synthetic (``--demo-key``); real data may not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from samspil.paths import PROJECT_DIR

KEY_VARIABLE = "SAMSPIL_PSEUDONYM_KEY"
DEMO_KEY = "samspil-demo-key-not-secret"
"""The key the synthetic demo is built with when no key is set. It is public: never use it
for real data."""

MINIMUM_KEY_LENGTH = 16
PSEUDONYM_LENGTH = 16

# The SHA-256 of every file of the shipped demo (`sha256sum` lines, paths relative to
# raw/demo). A raw folder is the demo when it holds exactly these files: what a folder
# holds, not a file's presence, decides, and the list comes from the repository, never
# from the folder. Regenerate it with the demo (see `demo_difference`).
DEMO_MANIFEST = PROJECT_DIR / "raw" / "demo.sha256"


class PseudonymKeyError(Exception):
    """The pseudonym key is missing or unfit for the data; the message says what to do."""


def _demo_files() -> dict[str, str]:
    files = {}
    for line in DEMO_MANIFEST.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        files[name.lstrip("*")] = digest
    return files


def demo_difference(raw_dir: Path) -> str | None:
    """None if ``raw_dir`` holds exactly the files of the shipped demo, byte for byte; else
    the first difference found, for a message.

    After regenerating raw/demo, write its checksums again: ``cd raw/demo && find . -type f
    -printf '%P\\n' | LC_ALL=C sort | xargs sha256sum > ../demo.sha256``.
    """
    if not raw_dir.is_dir():
        return "no such folder"
    expected = _demo_files()
    found = {path.relative_to(raw_dir).as_posix() for path in raw_dir.rglob("*") if path.is_file()}
    extra = sorted(found - expected.keys())
    if extra:
        return f"{extra[0]} is not a file of the demo"
    missing = sorted(expected.keys() - found)
    if missing:
        return f"the demo's {missing[0]} is missing"
    changed = next(
        (
            name
            for name in sorted(expected)
            if hashlib.sha256((raw_dir / name).read_bytes()).hexdigest() != expected[name]
        ),
        None,
    )
    return None if changed is None else f"{changed} is not the demo's"


def resolve_key(raw_dir: Path, demo_key: bool = False) -> tuple[bytes, bool]:
    """The key for the data in ``raw_dir``, and whether it is the public demo key.

    The public demo key is for the shipped demo (recognised by its files' checksums) and,
    with ``demo_key`` (``--demo-key``), for synthetic data the user says is synthetic; a key
    in the environment is then ignored.
    """
    if demo_key:
        return DEMO_KEY.encode(), True
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        difference = demo_difference(raw_dir)
        if difference is None:
            return DEMO_KEY.encode(), True
        raise PseudonymKeyError(
            f"{KEY_VARIABLE} is not set: {raw_dir} is not the shipped demo ({difference}), and "
            "persons in real data get pseudonyms from a secret key. Set it to a long random "
            f"secret kept outside the repository, e.g. export {KEY_VARIABLE}=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'), and keep it: the same key gives "
            "the same pseudonyms in the next build. (Synthetic data of `samspil generate`: "
            "build it with --demo-key.)"
        )
    if key == DEMO_KEY:
        difference = demo_difference(raw_dir)
        if difference is not None:
            raise PseudonymKeyError(
                f"{KEY_VARIABLE} is the public demo key, and {raw_dir} is not the shipped demo "
                f"({difference}): set a secret key of your own."
            )
    if len(key) < MINIMUM_KEY_LENGTH:
        raise PseudonymKeyError(
            f"{KEY_VARIABLE} is {len(key)} characters long; use at least {MINIMUM_KEY_LENGTH}."
        )
    return key.encode(), key == DEMO_KEY


def normalise(identifier: str) -> str:
    """Case and spacing do not make another person: ``" Hanne  Jensen"`` is ``"hanne jensen"``."""
    return " ".join(identifier.split()).casefold()


def pseudonym(key: bytes, identifier: str | None) -> str | None:
    """The person's pseudonym, or None where the identifier is empty."""
    if identifier is None or not identifier.strip():
        return None
    digest = hmac.new(key, normalise(identifier).encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]
