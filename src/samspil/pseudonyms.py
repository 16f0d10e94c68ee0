"""Keyed pseudonyms for persons: HMAC-SHA256 with a key from the environment.

A person's identifier (an e-mail address, a contact person's name) is
replaced by ``hmac_sha256(key, normalised identifier)``, shortened to 16 hex
digits. The same person gets the same pseudonym in every file and every
build with the same key; without the key nobody can tell who it is, nor
check a guess. The key is read from ``SAMSPIL_PSEUDONYM_KEY`` and never
written anywhere. The shipped synthetic demo may be built with the
documented, public :data:`DEMO_KEY`; real data may not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

KEY_VARIABLE = "SAMSPIL_PSEUDONYM_KEY"
DEMO_KEY = "samspil-demo-key-not-secret"
"""The key the synthetic demo is built with when no key is set. It is public: never use it
for real data."""

MINIMUM_KEY_LENGTH = 16
PSEUDONYM_LENGTH = 16

# The generator writes its planted truth beside the exports: only synthetic data has it.
SYNTHETIC_MARKER = Path("truth") / "parameters.json"


class PseudonymKeyError(Exception):
    """The pseudonym key is missing or unfit for the data; the message says what to do."""


def is_synthetic(raw_dir: Path) -> bool:
    """True for data written by ``samspil generate`` (it leaves its truth beside the exports)."""
    return (raw_dir / SYNTHETIC_MARKER).is_file()


def resolve_key(raw_dir: Path) -> tuple[bytes, bool]:
    """The key for the data in ``raw_dir``, and whether it is the public demo key."""
    key = os.environ.get(KEY_VARIABLE, "")
    synthetic = is_synthetic(raw_dir)
    if not key:
        if synthetic:
            return DEMO_KEY.encode(), True
        raise PseudonymKeyError(
            f"{KEY_VARIABLE} is not set: {raw_dir} is not the synthetic demo, and persons in "
            "real data get pseudonyms from a secret key. Set it to a long random secret kept "
            f"outside the repository, e.g. export {KEY_VARIABLE}=$(python -c "
            "'import secrets; print(secrets.token_hex(32))'), and keep it: the same key gives "
            "the same pseudonyms in the next build."
        )
    if key == DEMO_KEY and not synthetic:
        raise PseudonymKeyError(
            f"{KEY_VARIABLE} is the public demo key, and {raw_dir} is not the synthetic demo: "
            "set a secret key of your own."
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
