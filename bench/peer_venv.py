"""The peer's own virtualenv: quixstreams 3.28 pins pydantic < 2.14 and the project pins
2.14.4, so the peer cannot share the project's venv. Made once under
``~/.cache/fusion-lead-dispatcher/bench-peers/`` (``FUSION_CACHE_DIR`` moves it) from PyPI
with pip, and reused while its marker names the same requirement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

QUIXSTREAMS = "quixstreams==3.28.1"


def cache_dir() -> Path:
    base = os.environ.get("FUSION_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "fusion-lead-dispatcher")
    return Path(base) / "bench-peers"


def peer_python(requirement: str = QUIXSTREAMS, *, root: Path | None = None) -> Path:
    """The python of a venv holding ``requirement``, made if missing (a few minutes once)."""
    folder = (root or cache_dir()) / requirement.replace("==", "-")
    python = folder / "bin" / "python"
    marker = folder / ".installed"
    if python.exists() and marker.exists() and marker.read_text().strip() == requirement:
        return python
    print(f"making the peer's virtualenv {folder} ({requirement} from PyPI)", file=sys.stderr)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(folder)], check=True)  # noqa: S603
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],  # noqa: S603
                   check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement],  # noqa: S603
                   check=True)
    marker.write_text(requirement + "\n")
    return python
