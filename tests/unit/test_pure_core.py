"""The pure core (contract, resolution, rules, leads) must not import I/O frameworks, so it
can be unit tested and replayed without a broker, Redis or a web server."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = ("fusion", "rules", "leads")
FORBIDDEN = frozenset({
    "faust", "mode", "aiokafka", "kafka", "redis", "aiohttp", "prometheus_client",
    "producers", "stream_apps",
})


def _is_io_edge(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    return (
        path.name.endswith("_redis.py")
        or rel in {"fusion/redis_client.py", "fusion/cli.py"}
        or rel.startswith("fusion/commands/")
    )


def pure_modules() -> list[Path]:
    return sorted(
        path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
        if not _is_io_edge(path)
    )


def imported_top_level_names(path: Path) -> set[str]:
    """Top-level names of every absolute import in the module, at any depth (functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pure_core_imports_no_io_framework() -> None:
    modules = pure_modules()
    assert len(modules) >= 15, [str(m) for m in modules]
    offending = sorted(
        f"{path.relative_to(ROOT).as_posix()}:{name}"
        for path in modules for name in imported_top_level_names(path) & FORBIDDEN
    )
    assert offending == [], "pure modules import I/O frameworks: " + ", ".join(offending)


def test_the_scan_covers_the_core_and_skips_the_edges() -> None:
    rel = {p.relative_to(ROOT).as_posix() for p in pure_modules()}
    for expected in ("fusion/contract/envelope.py", "fusion/resolution/plates.py",
                     "rules/watchlist.py", "leads/routing.py", "leads/releasability.py"):
        assert expected in rel
    for skipped in ("leads/subscriptions_redis.py", "rules/watchlist_redis.py",
                    "fusion/redis_client.py", "fusion/cli.py", "fusion/commands/topics_cmd.py"):
        assert skipped not in rel


def test_the_import_collector_sees_edge_imports() -> None:
    """Guard against a collector that finds nothing: the edge modules do import redis/kafka."""
    assert "redis" in imported_top_level_names(ROOT / "fusion" / "redis_client.py")
    assert "kafka" in imported_top_level_names(ROOT / "fusion" / "commands" / "topics_cmd.py")
    assert "stream_apps" in imported_top_level_names(ROOT / "fusion" / "cli.py")
