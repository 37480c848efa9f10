"""``fusion import``: a partner's JSON Lines or CSV file onto the feed topics, resumable."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.kafka.access import kafka_access
from fusion.contract import Agency
from fusion.contract.principals import INGEST
from fusion.errors import ConfigurationError

if TYPE_CHECKING:
    from producers.ingest.auth import KeyRing
    from producers.ingest.sources import Record

KEY_ENV = "FUSION_INGEST_KEY"

DESCRIPTION = f"""\
Validate every record of FILE like the stream validates it, publish the valid ones on
feeds.<agency>.<feed> and write each refused record to FILE.errors.jsonl as
{{"line", "event_id", "reason", "errors": [{{"field", "problem", "message"}}]}}.
The agency's API key (see 'fusion ingest add-key') must be in ${KEY_ENV}; every event
must be of that agency.

Resumable: FILE.checkpoint.json (or in --checkpoint-dir) records how far every record is
settled; run the same command again after an interruption and it goes on from there
without publishing anything twice. A changed FILE is refused; a finished one is not sent
again. Exit status: 0 all accepted, 1 some records refused, 2 the import could not run.

CSV needs --mapping, a YAML file shaped like the envelope with cells put in:
  event_id: "R-{{report_no}}"          # text: {{column}} is the cell, {{{{ }}}} are braces
  feed: lpr-reads                    # no {{column}}: a constant
  type: lpr.read
  occurred_at: {{column: date, format: "%m/%d/%Y %H:%M", timezone: America/Chicago}}
  location: {{coordinates: {{lat: {{column: lat, type: float}},
                           lon: {{column: lon, type: float}}}}}}
  entities: [{{kind: vehicle, plate: "{{plate}}", plate_region: "US-{{state}}"}}]
  attributes: {{camera_id: "{{camera}}", read_confidence: {{column: conf, type: float}}}}
  grading: {{source: B, credibility: "2"}}
  handling: {{tlp: GREEN, releasable_to: [USA, MEX]}}
A {{column: ...}} value has type str (default), int, float, bool or datetime (implied by
format; timezone for naive times, default UTC) and optional: true to leave out an empty
cell. schema_version defaults to 1 and agency to --agency.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "import", help="import a JSON Lines or CSV file of events (resumable)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--agency", type=Agency, required=True, metavar="AGENCY",
                        help="the publishing agency; its key must be in $" + KEY_ENV)
    parser.add_argument("--format", choices=("jsonl", "csv"), default=None,
                        help="default: from the file name (.csv, else jsonl)")
    parser.add_argument("--mapping", type=Path, help="column mapping (YAML), for CSV")
    parser.add_argument("--checkpoint-dir", type=Path,
                        help="where the checkpoint lives (default: next to FILE)")
    parser.add_argument("--errors", type=Path, help="errors file (default: FILE.errors.jsonl)")
    parser.add_argument("--chunk-size", type=int, default=500,
                        help="records published and checkpointed together (500)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show the progress bar (default: when stderr is a terminal)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from adapters.kafka.feed_publisher import FeedPublisher
    from adapters.kafka.topic_scan import TopicScanner
    from producers.ingest.auth import KeyRing
    from producers.ingest.checkpoint import CheckpointStore
    from producers.ingest.file_import import ImportJob, run_import
    from producers.ingest.progress import ProgressBar
    from producers.ingest.settings import IngestSettings

    settings = IngestSettings()
    _authenticate(KeyRing.load(settings.keys_file), args.agency)
    if not args.file.is_file():
        raise ConfigurationError(f"{args.file} is not a file")
    if args.chunk_size < 1:
        raise ConfigurationError("--chunk-size must be at least 1")
    job = ImportJob(
        path=args.file, agency=args.agency, read=_reader(args), chunk_size=args.chunk_size,
        store=CheckpointStore.for_input(args.file, args.checkpoint_dir),
        errors_path=args.errors or args.file.with_name(args.file.name + ".errors.jsonl"))
    with (FeedPublisher(kafka_access(settings, INGEST), client_id="fusion-import") as publisher,
          ProgressBar(name=args.file.name, total=args.file.stat().st_size, start=0,
                      enabled=args.progress) as progress):
        scanner = TopicScanner(kafka_access(settings, INGEST))
        try:
            final = run_import(job, sink=publisher, ledger=scanner, progress=progress)
        finally:
            scanner.close()
    print(f"{args.file}: {final.accepted} events published, {final.refused} records refused"
          + (f" (see {job.errors_path})" if final.refused else "")
          + (f", {final.skipped} found already published before a restart" if final.skipped
             else ""))
    return 1 if final.refused else 0


def _authenticate(keys: KeyRing, agency: Agency) -> None:
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise ConfigurationError(f"set {KEY_ENV} to an API key of {agency.value}")
    owner = keys.agency_for(key)
    if owner != agency:
        raise ConfigurationError(f"the key in {KEY_ENV} is not an API key of {agency.value}")


def _reader(args: argparse.Namespace) -> Callable[[int, int], Generator[Record, None, None]]:
    from producers.ingest.mapping import CsvMapping
    from producers.ingest.sources import csv_records, jsonl_records

    fmt = args.format or ("csv" if args.file.suffix.lower() == ".csv" else "jsonl")
    if fmt == "csv" and args.mapping is None:
        raise ConfigurationError("a CSV import needs --mapping (see fusion import --help)")
    mapping = CsvMapping.load(args.mapping) if fmt == "csv" else None

    def read(offset: int, line: int) -> Generator[Record, None, None]:
        with args.file.open("rb") as fh:
            if mapping is not None:
                yield from csv_records(fh, agency=args.agency, mapping=mapping, offset=offset,
                                       line=line)
            else:
                yield from jsonl_records(fh, agency=args.agency, offset=offset, line=line)

    return read
