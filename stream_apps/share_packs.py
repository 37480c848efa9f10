"""Many event shares in one record: the intake's output to one correlation partition, per
batch, as one *pack* on ``internal.events`` instead of one record per share plus a progress
record. Faust's per-message path (consume, wrap, dispatch to the agent, ack) then runs once
per batch and partition, not 1.2 times per event (stream_apps/README.md, "Throughput").

A pack carries, in order, the shares for that partition (each the event's value as the feed
record held it, the source partition it was read from, whether it is the primary share, and
the feed record's offset) and, in the last pack of the batch for that partition, the batch's
progress (``progress.Progress``: each source's highest event time, the sources still behind,
the intake's wall time). So a partition never hears of an event time before that time's
events have reached it, as with the separate records before.

Layout (bytes): ``FSP1``, a 4-byte big-endian header length, the header (JSON), then the
shares' values one after the other. The header says ``{"sources": [source, ...], "shares":
[[source index, primary, offset, length], ...], "progress": {"sources": {...}, "behind":
[...], "at": wall} | null}``. Only the worker writes ``internal.events`` (ACL), so a value is
never re-parsed to find its boundaries; the values themselves are the feed's bytes.

Pure: no Kafka here; ``intake.py`` builds packs, ``correlate.py`` reads them.
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import orjson

from stream_apps.progress import Progress

MAGIC = b"FSP1"
PACK_KEY = b"pack"
_HEADER_LENGTH = struct.Struct(">I")
DEFAULT_MAX_BYTES = 256 * 1024  # a pack's values, at most (one larger value travels alone)


@dataclass(frozen=True, slots=True)
class Share:
    """One event's share for one partition: its value and where the intake read it."""

    source: str  # "<feed topic>:<partition>"
    primary: bool
    offset: int  # of the feed record in its source partition
    value: bytes


@dataclass(frozen=True, slots=True)
class Pack:
    shares: tuple[Share, ...]
    progress: Progress | None


def is_pack(value: bytes | None) -> bool:
    return value is not None and value[:4] == MAGIC


def encode(shares: Sequence[Share], progress: Progress | None) -> bytes:
    sources: dict[str, int] = {}
    index = [[sources.setdefault(s.source, len(sources)), s.primary, s.offset, len(s.value)]
             for s in shares]
    header: dict[str, object] = {"sources": list(sources), "shares": index, "progress": None}
    if progress is not None:
        header["progress"] = {"sources": progress.sources, "behind": sorted(progress.behind),
                              "at": progress.at}
    head = orjson.dumps(header)
    return b"".join([MAGIC, _HEADER_LENGTH.pack(len(head)), head, *(s.value for s in shares)])


def decode(value: bytes) -> Pack:
    """The pack in ``value``; raises ``ValueError`` naming what is wrong with one that is not
    a pack, is cut short, or whose header does not say what a pack's says."""
    try:
        return _decode(value)
    except (struct.error, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"not a readable share pack ({type(exc).__name__}: {exc})") from None


def _decode(value: bytes) -> Pack:
    if not is_pack(value):
        raise ValueError("not a share pack (no FSP1 mark)")
    (length,) = _HEADER_LENGTH.unpack_from(value, 4)
    start = 8 + length
    try:
        header = orjson.loads(value[8:start])
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the share pack's header is not JSON: {exc}") from None
    sources: list[str] = header["sources"]
    shares = []
    view = memoryview(value)
    at = start
    for source, primary, offset, size in header["shares"]:
        if at + size > len(value):
            raise ValueError(f"the share pack is cut short: {len(value)} bytes, a share ends "
                             f"at {at + size}")
        shares.append(Share(sources[source], bool(primary), int(offset),
                            bytes(view[at:at + size])))
        at += size
    raw = header.get("progress")
    progress = None if raw is None else Progress(
        {str(k): float(v) for k, v in raw["sources"].items()},
        frozenset(str(s) for s in raw["behind"]), None if raw["at"] is None else float(raw["at"]))
    return Pack(tuple(shares), progress)


def packs_for(shares: Sequence[Share], progress: Progress | None, *,
              max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[tuple[tuple[Share, ...], bytes]]:
    """One partition's shares as packs of at most ``max_bytes`` of values each (a single
    larger value travels alone), the progress in the last; one pack with only the progress
    when there are no shares. Each pack comes with the shares it holds."""
    chunk: list[Share] = []
    size = 0
    for share in shares:
        if chunk and size + len(share.value) > max_bytes:
            yield tuple(chunk), encode(chunk, None)
            chunk, size = [], 0
        chunk.append(share)
        size += len(share.value)
    if chunk or progress is not None:
        yield tuple(chunk), encode(chunk, progress)


def batch_progress(sources: Mapping[str, float], behind: Collection[str], *,
                   at: float) -> Progress | None:
    """The progress a batch reports (None when it read nothing, as before)."""
    if not sources:
        return None
    return Progress(dict(sources), frozenset(behind), at)
