"""English and Spanish: gettext catalogues (Babel) for every string of the templates and of
``dashboard/labels.py``, and dates and numbers in the officer's locale and time zone.

The Spanish catalogue is ``translations/es/LC_MESSAGES/messages.po`` (committed; compiled in
memory at start, so no binary .mo is kept in git). English is the source language. After
changing a string: ``make translations`` extracts and updates the catalogue;
``tests/unit/test_dashboard_i18n.py`` fails while a string has no Spanish translation.
TLP labels are never translated (FIRST: "TLP:AMBER" in every language).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from dashboard.accounts import LANGUAGES, Language

TRANSLATIONS = Path(__file__).parent / "translations"
LOCALES: dict[Language, str] = {"en": "en_US", "es": "es_MX"}


def catalogue_path(language: Language) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load_translations(language: Language) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as source:
        catalog = read_po(source, locale=LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries left out: they count as untranslated
    compiled.seek(0)
    return Translations(compiled)


def all_translations() -> dict[Language, gettext.NullTranslations]:
    return {language: load_translations(language) for language in LANGUAGES}


@dataclass(frozen=True)
class Formats:
    """Dates, times and numbers for one officer: locale from the language, their zone."""

    language: Language
    zone: ZoneInfo

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def datetime(self, value: dt.datetime, format: str = "medium") -> str:
        return str(format_datetime(value, format, tzinfo=self.zone, locale=self.locale))

    def date(self, value: dt.date, format: str = "medium") -> str:
        return str(format_date(value, format, locale=self.locale))

    def number(self, value: float, digits: int = 1) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, value: float) -> str:
        return str(format_percent(value, format="#,##0.0%", locale=self.locale))

    def timedelta(self, value: dt.timedelta) -> str:
        return str(format_timedelta(value, locale=self.locale))
