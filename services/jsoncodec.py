"""JSON encoding for API responses and jsonb columns: orjson when selected (JSON_CODEC), else the stdlib."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    return orjson.dumps(obj, default=default, option=_OPTIONS).decode()


def codecs(name: str) -> tuple[Callable[[Any], str], Callable[[str | bytes], Any]]:
    """(encoder, decoder) for asyncpg's jsonb codec."""
    if name == "orjson":
        return dumps, orjson.loads
    return json.dumps, json.loads
