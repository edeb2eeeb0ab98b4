"""JSON encoding for API responses and jsonb columns: orjson when selected (JSON_CODEC), else the stdlib.

orjson refuses integers beyond 64 bits and would read them back as floats, so: encoding falls back to the stdlib
for such a value, and jsonb is always decoded by the stdlib (exact for any integer).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    try:
        return orjson.dumps(obj, default=default, option=_OPTIONS).decode()
    except TypeError:  # e.g. an integer beyond 64 bits: the stdlib writes it exactly
        return json.dumps(obj, default=default)


def codecs(name: str) -> tuple[Callable[[Any], str], Callable[[str | bytes], Any]]:
    """(encoder, decoder) for asyncpg's jsonb codec."""
    return (dumps if name == "orjson" else json.dumps), json.loads
