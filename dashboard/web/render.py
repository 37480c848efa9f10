"""Jinja2 templates, one environment per language (autoescaped, gettext installed), and the
context every page gets: the officer, their formats, the CSRF token, the CSP nonce."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dashboard import labels
from dashboard.accounts import LANGUAGES, Account, Language, Role
from dashboard.i18n import Formats
from dashboard.web.keys import ACCOUNT, NONCE, SESSION

TEMPLATES = Path(__file__).parents[1] / "templates"
STATIC = Path(__file__).parents[1] / "static"


class Renderer:
    def __init__(self, translations: dict[Language, gettext.NullTranslations]) -> None:
        self._translations = translations
        self._envs: dict[Language, Environment] = {}
        for language in LANGUAGES:
            env = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
                              trim_blocks=True, lstrip_blocks=True)
            env.install_gettext_translations(translations[language], newstyle=True)  # type: ignore[attr-defined]
            env.globals.update(labels=labels, Role=Role, languages=LANGUAGES)
            self._envs[language] = env
        self.css = (STATIC / "app.css").read_text(encoding="utf-8")

    def gettext(self, language: Language) -> Callable[[str], str]:
        return self._translations[language].gettext

    def page(self, request: web.Request, template: str, *, status: int = 200,
             account: Account | None = None, language: Language | None = None,
             **context: Any) -> web.Response:
        account = account if account is not None else request.get(ACCOUNT)
        language = language or (account.language if account else _preferred(request))
        zone = ZoneInfo(account.time_zone) if account else ZoneInfo("UTC")
        session = request.get(SESSION)
        html = self._envs[language].get_template(template).render(
            account=account, language=language, fmt=Formats(language, zone),
            csrf=session.csrf if session else "", nonce=request.get(NONCE, ""),
            path=request.path_qs, css=self.css, **context)
        return web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8")


def _preferred(request: web.Request) -> Language:
    """Before login: the browser's first language of ours (Accept-Language), else English."""
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
