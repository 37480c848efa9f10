"""How ``fusion evaluate`` shows a lead-quality report: a text table for the terminal and a
Markdown page."""

from __future__ import annotations

from producers.scenario.evaluation import Latency, Outcome, Report


def render_text(report: Report, *, header: str, min_recall: float) -> str:
    lines = [f"lead quality: {header}", ""]
    lines += [f"  {name:<20} {value}" for name, value in _summary(report, min_recall)]
    if report.leads == 0 and not report.foreign_leads:
        lines += ["", "no lead arrived: is 'fusion worker' running on this broker, with the "
                      "same FUSION_REDIS_PREFIX?"]
    if report.missed:
        lines += ["", f"missed ({len(report.missed)}):"]
        for outcome in report.missed:
            lines += [f"  {outcome.pattern_id}  rule {outcome.rule_id}",
                      f"    evidence: {', '.join(outcome.events)}"]
            lines += [f"    {note}" for note in _diagnosis(outcome)]
    if report.wrong_recipients:
        lines += ["", "wrong recipients:"]
        lines += [f"  {w.lead_id} to {w.agency} ({w.pattern}): {w.reason}"
                  for w in report.wrong_recipients]
    if report.missed_recipients:
        lines += ["", "missed recipients:"]
        lines += [f"  {name}: {', '.join(agencies)}"
                  for name, agencies in report.missed_recipients.items()]
    if report.duplicates:
        lines += ["", "duplicates:"]
        lines += [f"  {name}: {', '.join(ids)}" for name, ids in report.duplicates.items()]
    if report.unmatched_leads:
        lines += ["", "leads matching no planted pattern:"]
        lines += [f"  {lid} ({', '.join(rules)})" for lid, rules in
                  report.unmatched_leads.items()]
    return "\n".join(lines)


def render_markdown(report: Report, *, min_recall: float) -> str:
    lines = ["# Lead quality", "", "| measure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in _summary(report, min_recall)]
    if report.missed:
        lines += ["", "## Missed", "", "| pattern | rule | evidence | diagnosis |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| {o.pattern_id} | {o.rule_id} | {', '.join(o.events)} | "
                  f"{'; '.join(_diagnosis(o))} |" for o in report.missed]
    if report.wrong_recipients:
        lines += ["", "## Wrong recipients", "", "| lead | agency | pattern | reason |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| {w.lead_id} | {w.agency} | {w.pattern} | {w.reason} |"
                  for w in report.wrong_recipients]
    return "\n".join(lines) + "\n"


def _summary(report: Report, min_recall: float) -> list[tuple[str, str]]:
    return [
        ("expected findings", str(report.records)),
        ("found", str(report.found)),
        ("recall", f"{_num(report.recall)} (required >= {min_recall:g})"),
        ("leads received", f"{report.leads} distinct lead ids, {report.matched_leads} match "
                           f"a planted pattern ({len(report.foreign_leads)} foreign: no "
                           f"evidence from this run)"),
        ("precision", _num(report.precision)),
        ("duplicates", str(len(report.duplicates))),
        ("wrong recipients", f"{len(report.wrong_recipients)} (required 0)"),
        ("missed recipients", str(sum(len(a) for a in report.missed_recipients.values()))),
        ("redeliveries", str(report.redeliveries)),
        ("latency (s)", _latency(report.latency)),
    ]


def _diagnosis(outcome: Outcome) -> list[str]:
    notes = []
    if outcome.late_events:
        notes.append(f"late (internal.late-events): {', '.join(outcome.late_events)}")
    if outcome.uncorrelated_events:
        notes.append(f"never on internal.events: {', '.join(outcome.uncorrelated_events)}")
    if outcome.near_leads:
        notes.append(f"near leads (on some of its planted events): {', '.join(outcome.near_leads)}")
    return notes or ["no late events, all on internal.events, no near lead"]


def _latency(latency: Latency) -> str:
    if latency.count == 0:
        return "n/a (nothing found)"
    return (f"p50 {_num(latency.p50, 1)}  p95 {_num(latency.p95, 1)}  "
            f"max {_num(latency.max, 1)}  over {latency.count} found")


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
