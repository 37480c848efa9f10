"""Session-wide test order: the browser tests run last.

pytest-playwright's sync API keeps its event loop on the main thread from its
session-scoped ``playwright`` fixture until the session ends; a test after it that runs an
asyncio loop in the main thread (the ingest, intake and delivery tests) would find one
running ("Cannot run the event loop while another loop is running"). Moved to the end, the
browser tests keep their module order and their module fixtures."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable
