"""API keys per agency. The keys file maps an agency code to the SHA-256 hashes of its keys;
the plaintext key is shown once, by ``fusion ingest add-key``, and never stored or logged.

    {"HSI": ["<sha256 hex>", ...], "CBP-OFO": [...]}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import yaml

from fusion.contract import Agency
from fusion.errors import ConfigurationError


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def redact(key: str) -> str:
    """What a log may show of a key: its first four characters."""
    return f"{key[:4]}…(redacted)" if key else "(none)"


class KeyRing:
    """Which agency a presented key belongs to."""

    def __init__(self, hashes: Mapping[Agency, list[str]]) -> None:
        self._hashes = [(agency, h) for agency, hs in hashes.items() for h in hs]

    def agency_for(self, key: str) -> Agency | None:
        presented = hash_key(key)
        found = None
        for agency, stored in self._hashes:  # compare with every hash: no early exit
            if hmac.compare_digest(presented, stored):
                found = agency
        return found

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        return cls(read_keys_file(path))


def read_keys_file(path: Path) -> dict[Agency, list[str]]:
    if not path.exists():
        raise ConfigurationError(
            f"no ingest keys file at {path}: create a key with 'fusion ingest add-key AGENCY' "
            "or set FUSION_INGEST_KEYS_FILE")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} is not valid JSON or YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigurationError(f"{path} must map agency codes to lists of key hashes")
    out: dict[Agency, list[str]] = {}
    for code, hashes in doc.items():
        try:
            agency = Agency(code)
        except ValueError:
            raise ConfigurationError(f"{path}: {code!r} is not an agency code") from None
        if not isinstance(hashes, list) or not all(_is_sha256(h) for h in hashes):
            raise ConfigurationError(f"{path}: {code} must list SHA-256 hex digests")
        out[agency] = list(hashes)
    return out


def add_key(path: Path, agency: Agency) -> str:
    """Make a new key for ``agency``, store its hash in ``path`` and return the key."""
    keys = read_keys_file(path) if path.exists() else {}
    key = secrets.token_urlsafe(32)
    keys.setdefault(agency, []).append(hash_key(key))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({a.value: hs for a, hs in keys.items()}, indent=2) + "\n",
                   encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return key


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value)
