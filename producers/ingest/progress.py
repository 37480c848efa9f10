"""The import's progress bar (tqdm on stderr): bytes of the file, with lines and outcomes."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from tqdm import tqdm

from producers.ingest.checkpoint import Checkpoint


class ProgressBar:
    def __init__(self, *, name: str, total: int, start: int, enabled: bool | None) -> None:
        # enabled=None: only when stderr is a terminal
        self._bar = tqdm(total=total, initial=start, desc=name, unit="B", unit_scale=True,
                         unit_divisor=1024, disable=None if enabled is None else not enabled)

    def advance(self, checkpoint: Checkpoint) -> None:
        self._bar.set_postfix(lines=checkpoint.line, accepted=checkpoint.accepted,
                              refused=checkpoint.refused, refresh=False)
        self._bar.update(checkpoint.offset - self._bar.n)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._bar.close()
