"""Records of an input file, each with where it ends, so an import can resume right after it.

Files are read as bytes and line by line: the byte offset after a record is exact and a
resumed read seeks straight to it (a CSV header is read again from the start)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from fusion.contract import Agency, EventEnvelope, FieldError
from producers.ingest.mapping import CsvMapping
from producers.ingest.records import MAPPING_ERROR, Refusal, check_document, check_record


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # first line of the record, 1-based
    end_line: int  # last line it spans
    end_offset: int  # byte offset just after it
    result: EventEnvelope | Refusal


class _Lines:
    """Decoded lines of a binary file from ``offset``, counting bytes and lines."""

    def __init__(self, fh: BinaryIO, *, offset: int, line: int) -> None:
        fh.seek(offset)
        self._fh, self.offset, self.line = fh, offset, line

    def __iter__(self) -> Iterator[str]:
        for raw in self._fh:
            self.offset += len(raw)
            self.line += 1
            yield raw.decode("utf-8", errors="replace")


def jsonl_records(fh: BinaryIO, *, agency: Agency, offset: int = 0, line: int = 0
                  ) -> Iterator[Record]:
    """One event envelope per line; blank lines are skipped."""
    fh.seek(offset)
    for raw in fh:
        offset += len(raw)
        line += 1
        if raw.strip():
            yield Record(line, line, offset, check_record(raw.strip(), agency=agency))


def csv_records(fh: BinaryIO, *, agency: Agency, mapping: CsvMapping, offset: int = 0,
                line: int = 0) -> Iterator[Record]:
    """Rows under a header line, turned into envelopes by ``mapping``."""
    lines = _Lines(fh, offset=0, line=0)
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    mapping.check_header(header)
    if offset > lines.offset:
        lines = _Lines(fh, offset=offset, line=line)
        reader = csv.reader(lines)
    while True:
        first = lines.line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(first, lines.line, lines.offset, _refuse("", "csv_syntax", str(exc)))
            continue
        if any(cell.strip() for cell in row):
            yield Record(first, lines.line, lines.offset, _from_row(header, row, mapping, agency))


def _from_row(header: list[str], row: list[str], mapping: CsvMapping, agency: Agency
              ) -> EventEnvelope | Refusal:
    if len(row) != len(header):
        return _refuse("", "cell_count", f"the row has {len(row)} cells, the header {len(header)}")
    doc = mapping.apply(dict(zip(header, row, strict=True)), agency=agency)
    if isinstance(doc, list):
        return Refusal(MAPPING_ERROR, tuple(doc))
    return check_document(doc, agency=agency)


def _refuse(field: str, problem: str, message: str) -> Refusal:
    return Refusal(MAPPING_ERROR, (FieldError(field=field, problem=problem, message=message),))
