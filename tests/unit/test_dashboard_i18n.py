"""Every string of the dashboard's templates and labels has a Spanish translation: the
strings are extracted the way `make translations` does (Babel, dashboard/babel.cfg) and
looked up in the committed catalogue; a missing, empty or fuzzy one fails, by name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dashboard.i18n import Formats, catalogue_path, load_translations

ROOT = Path(__file__).parents[2]
METHODS = [("dashboard/**.py", "python"), ("dashboard/templates/**.html", "jinja2")]
OPTIONS = {"dashboard/templates/**.html": {"extensions": "jinja2.ext.i18n",
                                           "trim_blocks": "true", "lstrip_blocks": "true"}}


def source_strings() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, options_map=OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def untranslated(strings: set[str], catalog: Catalog) -> list[str]:
    missing = []
    for text in sorted(strings):
        entry = catalog.get(text)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(text)
    return missing


def _catalog() -> Catalog:
    with catalogue_path("es").open("rb") as source:
        return read_po(source)


def test_the_extraction_finds_the_templates_and_the_labels() -> None:
    strings = source_strings()
    assert {"Lead queue", "Why it fired", "Acknowledge", "false positive",
            "withheld: not releasable"} <= strings
    assert len(strings) > 100


def test_every_string_has_a_spanish_translation() -> None:
    missing = untranslated(source_strings(), _catalog())
    assert missing == [], f"no Spanish for {missing}: run 'make translations' and translate"


def test_the_check_fails_on_a_string_without_translation() -> None:
    catalog = _catalog()
    catalog["Acknowledge"].string = ""
    catalog["Lead queue"].flags.add("fuzzy")
    assert untranslated(source_strings(), catalog) == ["Acknowledge", "Lead queue"]
    assert untranslated(source_strings() | {"A string nobody translated"}, _catalog()) == [
        "A string nobody translated"]


def test_the_compiled_catalogue_translates_and_keeps_placeholders() -> None:
    spanish = load_translations("es")
    assert spanish.gettext("Lead queue") == "Cola de pistas"
    for entry in _catalog():
        if entry.id and "%(" in str(entry.id):
            names = {p.split(")")[0] for p in str(entry.id).split("%(")[1:]}
            assert all(f"%({n})s" in str(entry.string) for n in names), entry.id


def test_dates_and_numbers_in_the_officers_locale_and_time_zone() -> None:
    at = dt.datetime(2026, 12, 3, 18, 5, tzinfo=dt.UTC)
    mexico = Formats("es", ZoneInfo("America/Mexico_City"))
    assert mexico.datetime(at).replace("\u202f", " ") == "3 dic 2026, 12:05:00 p.m."
    assert mexico.date(at.date()) == "3 dic 2026"
    assert mexico.timedelta(dt.timedelta(minutes=5)) == "5 minutos"
    new_york = Formats("en", ZoneInfo("America/New_York"))
    assert new_york.datetime(at).replace("\u202f", " ") == "Dec 3, 2026, 1:05:00 PM"
    assert new_york.number(12345.67) == "12,345.7"
    assert new_york.number(3, 0) == "3"
    assert new_york.percent(0.5) == "50.0%"


def test_every_dispatch_outcome_has_a_label() -> None:
    """A decision the dispatcher can audit is shown in words, not as its code: a new outcome
    without a label fails here (and its label must then be translated, above)."""
    from dashboard.labels import OUTCOMES
    from leads.routing import Outcome

    assert {o.value for o in Outcome} <= OUTCOMES.keys()
