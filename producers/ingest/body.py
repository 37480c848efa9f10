"""The body of ``POST /v1/events`` -> the list of items in it, or the 4xx that says why not.

Pure: bytes in, items or a ``BodyProblem`` out. Every way a body can be wrong ends in a
problem with a status and a message naming it, never in an exception: JSON that is no JSON,
not UTF-8, nested past ``max_depth`` (also past the parser's own recursion limit, which
``json.loads`` reports as ``RecursionError``), numbers Python refuses to parse (over 4,300
digits), a document that is not ``{"events": [...]}``, too many events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BodyProblem:
    status: int  # 400 or 413
    message: str


def parse_batch(body: bytes, *, max_depth: int, max_batch: int) -> list[Any] | BodyProblem:
    """The items of ``{"events": [...]}`` in ``body``."""
    try:
        doc = json.loads(body)
    except RecursionError:
        return BodyProblem(400, f"the body nests too deeply; at most {max_depth} levels")
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, the int digits limit
        return BodyProblem(400, f"the body is not JSON: {exc}")
    too_deep = deeper_than(doc, max_depth)
    if too_deep is not None:
        return BodyProblem(400, f"the body nests more than {max_depth} levels deep "
                                f"(at {too_deep}); no event needs that many")
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        return BodyProblem(400, 'the body must be a JSON object {"events": [...]}')
    items: list[Any] = doc["events"]
    if len(items) > max_batch:
        return BodyProblem(413, f"{len(items)} events in one batch; at most {max_batch}")
    return items


def deeper_than(doc: Any, max_depth: int) -> str | None:
    """The path of the first value nested more than ``max_depth`` containers deep, or None.
    Iterative, so it cannot hit the recursion limit itself."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "$")]
    while stack:
        value, depth, path = stack.pop()
        if depth > max_depth:
            return path
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{path}.{k}") for k, v in value.items()
                         if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value)
                         if isinstance(v, dict | list))
    return None
