"""Python values as JSON, both ways.

What ops persists (stored state content, deferred events' snapshots) may hold what ``marshal``
takes: sets, frozensets, tuples, bytes and dicts with non-string keys besides plain JSON. These
travel to charmsim and back as *tagged JSON*, which restores them exactly: such a value becomes
``{"__charmsim_py__": "set", "items": [...]}`` (and so on); a dict that happens to hold the tag key
is tagged too, so nothing is ambiguous.

``plain`` is the one-way form for inspection (emitted events, action results): sets become
sorted lists, tuples lists, bytes base64 text.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

TAG = "__charmsim_py__"


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


def encode(value: Any, path: str = "value") -> Any:
    """A Python value as tagged JSON; TypeError naming the path for what marshal would refuse."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {TAG: "float", "repr": repr(value)}
    if isinstance(value, list):
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode(v, f"{path}.{k}") for k, v in value.items()}
        return {
            TAG: "dict",
            "items": [
                [encode(k, f"{path} key"), encode(v, f"{path}[{k!r}]")] for k, v in value.items()
            ],
        }
    if isinstance(value, (set, frozenset)):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        items = sorted((encode(v, f"{path} item") for v in value), key=_sort_key)
        return {TAG: kind, "items": items}
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, (bytes, bytearray)):
        return {TAG: "bytes", "base64": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"{path}: a {type(value).__name__} cannot be stored by ops (not marshallable)")


def decode(value: Any) -> Any:
    """The Python value tagged JSON stands for (the inverse of ``encode``)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {k: decode(v) for k, v in value.items()}
    if tag == "dict":
        return {_hashable(decode(k)): decode(v) for k, v in value["items"]}
    if tag == "set":
        return {_hashable(decode(v)) for v in value["items"]}
    if tag == "frozenset":
        return frozenset(_hashable(decode(v)) for v in value["items"])
    if tag == "tuple":
        return tuple(decode(v) for v in value["items"])
    if tag == "bytes":
        return base64.b64decode(value["base64"])
    if tag == "float":
        return float(value["repr"])
    raise ValueError(f"unknown tag {tag!r} in tagged JSON")


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def plain(value: Any) -> Any:
    """A JSON form for reading, not for restoring: sets sorted, tuples as lists, others as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [plain(v) for v in value]
        if all(isinstance(v, str) for v in items):
            return sorted(items)
        return sorted(items, key=_sort_key)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return repr(value)
