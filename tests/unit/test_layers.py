"""The import-linter contracts of pyproject.toml hold, and they can fail: a copy of the
packages with one wrong import breaks the contract that forbids it, by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = ("cli", "bench", "stream_apps", "producers", "dashboard", "adapters", "leads", "rules",
            "fusion")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"),
                           "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
                          check=False, timeout=300)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", root)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "catalogue", "results"))
    return root


def test_the_contracts_hold_on_the_tree_as_it_is(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" KEPT") == 4


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("fusion/errors.py", "import cli.main", "Layers"),
    ("rules/findings.py", "from leads import lead_ids", "Layers"),
    ("leads/routing.py", "import redis", "The pure core"),
    ("producers/events.py", "from kafka import KafkaProducer", "Kafka and Redis clients"),
])
def test_a_wrong_import_breaks_the_contract_that_forbids_it(
        tree: Path, module: str, line: str, broken: str) -> None:
    path = tree / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{line}  # noqa\n")
        result = _lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout
    _, _, report = result.stdout.partition("Broken contracts")
    assert report.lstrip("-\n").startswith(broken), report
    assert module.removesuffix(".py").replace("/", ".") in report
