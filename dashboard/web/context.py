"""What every handler reaches through ``request.app[CONTEXT]``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from dashboard.accounts import AccountsFile, Passwords
from dashboard.deadlines import AckDeadlines
from dashboard.service import DashboardService
from dashboard.web.auth import LoginThrottle, Sessions
from dashboard.web.render import Renderer


@dataclass
class Context:
    service: DashboardService
    accounts: AccountsFile
    passwords: Passwords
    sessions: Sessions
    throttle: LoginThrottle
    renderer: Renderer
    deadlines: AckDeadlines
    clock: Callable[[], dt.datetime]
    heartbeat: float = 15.0  # seconds between keep-alive comments on /events


CONTEXT = web.AppKey("context", Context)
