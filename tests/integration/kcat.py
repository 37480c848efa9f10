"""kcat, the independent Kafka client the end-to-end tests publish and read with."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KcatMessage:
    topic: str
    partition: int
    offset: int
    key: str | None
    payload: str | None
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def json(self) -> Any:
        return json.loads(self.payload or "null")


def produce(bootstrap: str, topic: str, records: list[tuple[str, str]]) -> None:
    """Publish ``(key, value)`` lines; values must be single-line text."""
    lines = "".join(f"{key}\t{value}\n" for key, value in records)
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X",
                    "acks=all"], input=lines.encode(), check=True, timeout=30)


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Partition -> next offset to be written."""
    meta = json.loads(subprocess.run(["kcat", "-L", "-b", bootstrap, "-t", topic, "-J"],
                                     check=True, capture_output=True, timeout=30).stdout)
    partitions = [p["partition"] for p in meta["topics"][0]["partitions"]]
    out = {}
    for partition in partitions:
        result = subprocess.run(["kcat", "-Q", "-b", bootstrap, "-t", f"{topic}:{partition}:-1"],
                                check=True, capture_output=True, text=True, timeout=30)
        # "<topic> [<partition>] offset <n>"
        out[partition] = int(result.stdout.split()[-1])
    return out


def consume_command(bootstrap: str, topic: str, partition: int, offset: int,
                    count: int | None = None) -> list[str]:
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", str(partition), "-o", str(offset),
           "-J", "-q"]
    return [*cmd, "-c", str(count)] if count is not None else [*cmd, "-e"]


def run_consume(bootstrap: str, topic: str, partition: int, offset: int, count: int) -> str:
    result = subprocess.run(consume_command(bootstrap, topic, partition, offset, count),
                            check=True, capture_output=True, text=True, timeout=30)
    return result.stdout


def parse(stdout: str) -> list[KcatMessage]:
    out = []
    for line in stdout.splitlines():
        if line.strip():
            doc = json.loads(line)
            flat = doc.get("headers") or []  # kcat -J: [name, value, name, value, ...]
            out.append(KcatMessage(doc["topic"], doc["partition"], doc["offset"], doc.get("key"),
                                   doc.get("payload"), tuple(zip(flat[::2], flat[1::2],
                                                                 strict=True))))
    return out


def read_to_end(bootstrap: str, topic: str, start: dict[int, int]) -> list[KcatMessage]:
    """Every message from ``start`` offsets to the current end, all partitions."""
    out = []
    for partition, offset in start.items():
        result = subprocess.run(consume_command(bootstrap, topic, partition, offset),
                                check=True, capture_output=True, text=True, timeout=30)
        out.extend(parse(result.stdout))
    return out
