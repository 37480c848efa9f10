"""The keys file: per agency, the SHA-256 of each of its API keys, never a key itself.

    {"HSI": [{"sha256": "<64 hex>", "prefix": "Xk3q", "added_at": "2026-12-03T14:00:00+00:00"}],
     "DEA": ["<64 hex>"]}

A key is named by its *key id*, the first 12 hex digits of its hash, and by its *prefix*,
its first 4 characters (what logs show of a key, ``auth.redact``): 24 of the key's 256
random bits, so neither helps anyone guess it. The older form, a bare list of hashes, is
still read (such a key has no prefix). Every change is made under an exclusive lock
(``<file>.lock``) and written whole to a temporary file created mode 0600, fsynced and
renamed over the old one, so a reader sees the old or the new file, never half of one, and
two commands changing keys at once lose neither change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fusion.contract import Agency
from fusion.errors import ConfigurationError

KEY_ID_LENGTH = 12
PREFIX_LENGTH = 4
_HEX = frozenset("0123456789abcdef")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredKey:
    agency: Agency
    sha256: str
    prefix: str | None = None
    added_at: dt.datetime | None = None

    @property
    def key_id(self) -> str:
        return self.sha256[:KEY_ID_LENGTH]

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"sha256": self.sha256}
        if self.prefix is not None:
            doc["prefix"] = self.prefix
        if self.added_at is not None:
            doc["added_at"] = self.added_at.isoformat()
        return doc


def read_keys_file(path: Path) -> list[StoredKey]:
    if not path.exists():
        raise ConfigurationError(
            f"no ingest keys file at {path}: create a key with 'fusion ingest add-key AGENCY' "
            "or set FUSION_INGEST_KEYS_FILE")
    return parse_keys(path.read_text(encoding="utf-8"), where=str(path))


def parse_keys(text: str, *, where: str) -> list[StoredKey]:
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{where} is not valid JSON or YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigurationError(f"{where} must map agency codes to lists of key hashes")
    out: list[StoredKey] = []
    for code, entries in doc.items():
        try:
            agency = Agency(code)
        except ValueError:
            raise ConfigurationError(f"{where}: {code!r} is not an agency code") from None
        if not isinstance(entries, list):
            raise ConfigurationError(f"{where}: {code} must list its keys' SHA-256 digests")
        out.extend(_entry(agency, entry, where) for entry in entries)
    return out


def add_key(path: Path, agency: Agency, *, now: dt.datetime) -> str:
    """Make a new key for ``agency``, store its hash in ``path`` and return the key."""
    key = secrets.token_urlsafe(32)
    with _locked(path):
        keys = read_keys_file(path) if path.exists() else []
        keys.append(StoredKey(agency, hash_key(key), key[:PREFIX_LENGTH], now))
        _write(path, keys)
    return key


def revoke_key(path: Path, agency: Agency, which: str) -> StoredKey:
    """Remove the key of ``agency`` that ``which`` names (a key id, the key itself, or its
    4-character prefix) and return it; refuse a name that fits no key or several."""
    with _locked(path):
        keys = read_keys_file(path)
        own = [k for k in keys if k.agency is agency]
        found = list({k.sha256: k for k in _named(own, which)}.values())
        if not found:
            ids = ", ".join(k.key_id for k in own) or "none"
            raise ConfigurationError(
                f"{agency.value} has no key {which!r} (a key id, the key, or its first "
                f"{PREFIX_LENGTH} characters); its key ids: {ids}")
        if len(found) > 1:
            raise ConfigurationError(
                f"{len(found)} keys of {agency.value} start with {which!r} (key ids "
                f"{', '.join(k.key_id for k in found)}): name one by its key id")
        gone = found[0]
        _write(path, [k for k in keys if not (k.agency is agency and k.sha256 == gone.sha256)])
        return gone


def _named(keys: list[StoredKey], which: str) -> list[StoredKey]:
    by_id = [k for k in keys if k.key_id == which]
    if by_id:
        return by_id
    by_hash = [k for k in keys if k.sha256 == hash_key(which)]
    if by_hash:
        return by_hash
    if len(which) == PREFIX_LENGTH:
        return [k for k in keys if k.prefix == which]
    return []


def _entry(agency: Agency, entry: object, where: str) -> StoredKey:
    if isinstance(entry, str) and _is_sha256(entry):
        return StoredKey(agency, entry)
    if isinstance(entry, dict) and _is_sha256(entry.get("sha256")):
        prefix, added = entry.get("prefix"), entry.get("added_at")
        try:
            added_at = dt.datetime.fromisoformat(added) if isinstance(added, str) else None
        except ValueError:
            added_at = None
        return StoredKey(agency, entry["sha256"], prefix if isinstance(prefix, str) else None,
                         added_at)
    raise ConfigurationError(f"{where}: {agency.value} must list SHA-256 hex digests "
                             '(or {"sha256": ..., "prefix": ..., "added_at": ...})')


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write(path: Path, keys: list[StoredKey]) -> None:
    doc: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        doc.setdefault(key.agency.value, []).append(key.as_json())
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)  # also when a stale tmp file had another mode
        fh.write((json.dumps(doc, indent=2) + "\n").encode())
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
