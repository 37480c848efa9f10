"""CSV rows to envelopes through a mapping file: good rows, bad rows with their line numbers."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from fusion.contract import Agency, EventEnvelope, Feed
from fusion.errors import ConfigurationError
from producers.ingest.mapping import CsvMapping
from producers.ingest.records import MAPPING_ERROR, Refusal
from producers.ingest.sources import Record, csv_records

MAPPING = textwrap.dedent("""\
    event_id: "R-{report_no}"
    feed: lpr-reads
    type: lpr.read
    occurred_at: {column: date, format: "%m/%d/%Y %H:%M", timezone: America/Chicago}
    location: {coordinates: {lat: {column: lat, type: float}, lon: {column: lon, type: float}}}
    entities: [{kind: vehicle, plate: "{plate}", plate_region: "US-{state}"}]
    attributes:
      camera_id: "{camera}"
      direction: N
      read_confidence: {column: conf, type: float}
    grading: {source: B, credibility: "2"}
    handling: {tlp: GREEN, releasable_to: [USA, MEX]}
    """)
HEADER = "report_no,date,lat,lon,plate,state,camera,conf\n"


@pytest.fixture
def mapping(tmp_path: Path) -> CsvMapping:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING)
    return CsvMapping.load(path)


def _records(mapping: CsvMapping, body: str, **kw: int) -> list[Record]:
    return list(csv_records(io.BytesIO((HEADER + body).encode()), agency=Agency.USBP,
                            mapping=mapping, **kw))


def test_a_good_row_becomes_a_valid_envelope(mapping: CsvMapping) -> None:
    [record] = _records(mapping, "1001,11/20/2026 08:30,31.76,-106.48,ABC1234,TX,cam-7,0.93\n")
    event = record.result
    assert isinstance(event, EventEnvelope)
    assert (event.event_id, event.agency, event.feed) == ("R-1001", Agency.USBP, Feed.LPR_READS)
    assert event.occurred_at.isoformat() == "2026-11-20T08:30:00-06:00"
    assert event.entities[0].model_dump()["plate_region"] == "US-TX"
    assert event.attributes["read_confidence"] == 0.93
    assert record.line == 2


def test_bad_rows_are_refused_with_their_line_and_good_rows_still_pass(
        mapping: CsvMapping) -> None:
    body = ("1,11/20/2026 08:30,31.76,-106.48,AAA1,TX,cam-7,0.9\n"
            "2,yesterday,31.76,-106.48,AAA2,TX,cam-7,0.9\n"       # bad date
            "3,11/20/2026 08:30,31.76,-106.48,AAA3,TX,cam-7\n"    # a cell short
            "\n"
            "4,11/20/2026 08:30,31.76,-106.48,AAA4,TX,cam-7,1.7\n"  # confidence above 1
            '5,11/20/2026 08:30,31.76,-106.48,"AAA\n5",TX,cam-7,0.9\n'  # 2 lines, \n in a plate
            "6,11/20/2026 08:30,north,-106.48,AAA6,TX,cam-7,0.9\n")
    records = _records(mapping, body)
    lines = [(r.line, r.result.reason if isinstance(r.result, Refusal) else "ok")
             for r in records]
    assert lines == [(2, "ok"), (3, MAPPING_ERROR), (4, MAPPING_ERROR), (6, "schema-violation"),
                     (7, "schema-violation"), (9, MAPPING_ERROR)]
    refusals = {r.line: r.result for r in records if isinstance(r.result, Refusal)}
    date_error = refusals[3].errors[0]
    assert (date_error.field, date_error.problem) == ("occurred_at", "bad_datetime")
    assert "'yesterday'" in date_error.message
    assert refusals[4].errors[0].message == "the row has 7 cells, the header 8"
    assert refusals[6].errors[0].field == "attributes.read_confidence"
    assert (refusals[7].errors[0].field, refusals[7].errors[0].problem) == (
        "entities.0.plate", "control_character")
    assert refusals[9].errors[0].field == "location.coordinates.lat"


def test_reading_resumes_after_a_given_offset(mapping: CsvMapping) -> None:
    body = "".join(f"{n},11/20/2026 08:30,31.76,-106.48,P{n},TX,c,0.9\n" for n in range(5))
    first = _records(mapping, body)
    resumed = _records(mapping, body, offset=first[1].end_offset, line=first[1].end_line)
    assert [r.line for r in resumed] == [r.line for r in first[2:]]
    assert [r.result for r in resumed] == [r.result for r in first[2:]]


def test_optional_cells_and_literal_braces() -> None:
    mapping = CsvMapping({"a": "{{x}} {v}", "b": {"column": "n", "type": "int", "optional": True}})
    assert mapping.columns == {"v", "n"}
    assert mapping.apply({"v": "1", "n": ""}, agency=Agency.HSI) == {
        "a": "{x} 1", "schema_version": 1, "agency": "HSI"}


def test_a_mapping_naming_absent_columns_is_refused_before_any_row(mapping: CsvMapping) -> None:
    with pytest.raises(ConfigurationError, match="lacks: conf, plate"):
        list(csv_records(io.BytesIO(b"report_no,date,lat,lon,state,camera\n1,2,3,4,5,6\n"),
                         agency=Agency.USBP, mapping=mapping))


@pytest.mark.parametrize("spec", [
    {"column": "x", "type": "decimal"}, {"column": "x", "colour": "red"},
    {"column": "x", "format": "%Y", "timezone": "Mars/Olympus"}])
def test_bad_column_specs_are_refused(spec: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        CsvMapping({"event_id": spec})
