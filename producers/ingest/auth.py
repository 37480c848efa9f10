"""API keys per agency: which agency a presented key belongs to. The keys file
(``keys_file``) holds only their SHA-256; the plaintext key is shown once, by ``fusion ingest
add-key``, and never stored or logged (logs show its first four characters, ``redact``).

``LiveKeyRing`` is what a running server asks: it notices a change of the file (added or
revoked keys) at the next request and answers from the new file from then on, no restart.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from fusion.contract import Agency
from fusion.errors import ConfigurationError
from producers.ingest.keys_file import StoredKey, hash_key, parse_keys, read_keys_file

log = logging.getLogger(__name__)

__all__ = ["KeyRing", "LiveKeyRing", "hash_key", "redact"]


def redact(key: str) -> str:
    """What a log may show of a key: its first four characters."""
    return f"{key[:4]}…(redacted)" if key else "(none)"


class KeyRing:
    """Which agency a presented key belongs to, for one version of the keys file."""

    def __init__(self, keys: Iterable[StoredKey]) -> None:
        self._keys = list(keys)

    def key_for(self, key: str) -> StoredKey | None:
        presented = hash_key(key)
        found = None
        for stored in self._keys:  # compare with every hash: no early exit
            if hmac.compare_digest(presented, stored.sha256):
                found = stored
        return found

    def agency_for(self, key: str) -> Agency | None:
        stored = self.key_for(key)
        return stored.agency if stored else None

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        return cls(read_keys_file(path))


Signature = tuple[int, int, int, int]  # inode, size, mtime, ctime (ns)


class LiveKeyRing:
    """The keys file as it is now. Each question first ``stat``s the file (a microsecond or
    two) and re-reads it when its inode, size or times changed, and at least every
    ``recheck_seconds`` by content (a change within one timestamp tick keeps both times). A
    file that cannot be read or parsed leaves the keys as they were, with an error in the
    log naming the file and the problem (to revoke every key write ``{}``, do not delete
    the file)."""

    def __init__(self, path: Path, *, clock: Callable[[], float],
                 recheck_seconds: float = 2.0) -> None:
        self._path, self._clock, self._recheck = path, clock, recheck_seconds
        text = self._read_text()
        self._ring = KeyRing(parse_keys(text, where=str(path)))
        self._seen = hashlib.sha256(text.encode()).digest()  # the content read last
        self._signature: Signature | None = self._stat()
        self._checked = clock()

    def agency_for(self, key: str) -> Agency | None:
        return self.ring().agency_for(key)

    def ring(self) -> KeyRing:
        signature, now = self._stat(), self._clock()
        if signature != self._signature or now - self._checked >= self._recheck:
            self._signature, self._checked = signature, now
            self._reload()
        return self._ring

    def _reload(self) -> None:
        try:
            text = self._read_text()
        except (OSError, ConfigurationError) as exc:
            log.error("the keys file cannot be read, keeping the %d keys read before: %s",
                      len(self._ring), exc)
            return
        digest = hashlib.sha256(text.encode()).digest()
        if digest == self._seen:  # unchanged, or the same broken content as last time
            return
        self._seen = digest
        try:
            ring = KeyRing(parse_keys(text, where=str(self._path)))
        except ConfigurationError as exc:
            log.error("the keys file changed but cannot be used, keeping the %d keys read "
                      "before: %s", len(self._ring), exc)
            return
        self._ring = ring
        log.info("keys file %s reloaded: %d keys", self._path, len(ring))

    def _read_text(self) -> str:
        if not self._path.exists():
            read_keys_file(self._path)  # raises the error that says how to make one
        return self._path.read_text(encoding="utf-8")

    def _stat(self) -> Signature | None:
        try:
            st = os.stat(self._path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
