"""``bench.stage_core``: the correlate stage run without Kafka gives the same leads and the
same changelog every time over the same stream (its digests are what an A/B check compares)."""

from __future__ import annotations

import pytest

from bench.rules_scaling import base_rules, build_events
from bench.stage_core import inbound, main, run_core
from rules.loader import RuleSet, ruleset_digest


def test_two_runs_over_one_stream_give_the_same_leads_and_state() -> None:
    rules, aliases = base_rules()
    ruleset = RuleSet(tuple(rules), dict(aliases), {}, ruleset_digest(rules, aliases))
    records = inbound(build_events(1500, 11))
    first, second = (run_core(ruleset, records, batch=128) for _ in range(2))
    assert first.leads > 0
    assert first.changelog_records > 0
    assert (first.lead_digest, first.changelog_digest) == (
        second.lead_digest, second.changelog_digest)
    other = run_core(ruleset, records[:-200], batch=128)
    assert other.changelog_digest != first.changelog_digest


def test_bad_arguments_are_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--events", "0"])
    assert "--events and --batch must be at least 1" in capsys.readouterr().err
