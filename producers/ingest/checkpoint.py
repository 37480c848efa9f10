"""Where a file import stands, so an interrupted import resumes without sending twice.

The checkpoint records the input file's identity (size, SHA-256 of its first 64 KiB, mtime)
and the byte offset and line up to which every record is settled: published with delivery
confirmed by the broker, or written to the errors file. While a chunk is being published it
also holds ``pending``: the end offsets of the chunk's topics taken just before sending, so a
restart can read what of that chunk did reach the topics and not send it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from fusion.contract import Agency
from fusion.errors import ConfigurationError

HEAD_BYTES = 64 * 1024

TopicOffsets = dict[str, dict[int, int]]  # topic -> partition -> next offset


class CheckpointMismatchError(ConfigurationError):
    pass


class FileIdentity(BaseModel):
    model_config = ConfigDict(frozen=True)

    size: int
    head_sha256: str
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        stat = path.stat()
        with path.open("rb") as fh:
            head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
        return cls(size=stat.st_size, head_sha256=head, mtime_ns=stat.st_mtime_ns)

    def differences(self, other: FileIdentity) -> list[str]:
        return [name for name in ("size", "head_sha256", "mtime_ns")
                if getattr(self, name) != getattr(other, name)]


class Checkpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    identity: FileIdentity
    agency: Agency
    offset: int = 0
    line: int = 0
    accepted: int = 0
    refused: int = 0
    skipped: int = 0  # found already on the topic after a restart, so not sent again
    errors_bytes: int = 0
    pending: TopicOffsets | None = None
    done: bool = False


class CheckpointStore:
    """One JSON file, replaced atomically (write, fsync, rename) on every save."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_input(cls, source: Path, directory: Path | None = None) -> CheckpointStore:
        return cls((directory or source.parent) / f"{source.name}.checkpoint.json")

    def load(self, identity: FileIdentity, agency: Agency) -> Checkpoint:
        """The saved checkpoint of this very file, or a fresh one; refuses a changed file."""
        if not self.path.exists():
            return Checkpoint(identity=identity, agency=agency)
        try:
            saved = Checkpoint.model_validate_json(self.path.read_bytes())
        except ValueError as exc:
            raise ConfigurationError(f"the checkpoint {self.path} is unreadable ({exc}); "
                                     "delete it to import the file from the start") from exc
        changed = saved.identity.differences(identity)
        if changed:
            raise CheckpointMismatchError(
                f"the input changed since the checkpoint {self.path} was written "
                f"({', '.join(changed)} differ): delete the checkpoint to import it anew, "
                "knowing that events already published would be sent again")
        if saved.agency != agency:
            raise CheckpointMismatchError(
                f"the checkpoint {self.path} belongs to an import by {saved.agency.value}, "
                f"not {agency.value}")
        return saved

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Held for a whole import, so a second import of the same file stops at once instead
        of interleaving. The kernel releases it when the process dies, even by SIGKILL."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(self.path.name + ".lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigurationError(
                    f"another import of this file is running (it holds {fh.name})") from None
            yield

    def save(self, checkpoint: Checkpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(checkpoint.model_dump_json(indent=1).encode())
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
