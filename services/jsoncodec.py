"""JSON encoding for API responses and jsonb columns: orjson when selected (JSON_CODEC), else the stdlib.

orjson refuses integers beyond 64 bits and would read them back as floats, so: encoding falls back to the stdlib
for such a value, and jsonb is always decoded by the stdlib (exact for any integer).

Decoding is memoized for longer texts: every claimed row carries its workflow's definition, the same text
thousands of times a second. A hit returns a fresh copy (marshal keeps every type and value exactly, and is
several times cheaper than parsing), so no caller ever shares a mutable value with another.
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
MEMO_MIN_CHARS = 64  # shorter texts parse about as fast as a copy is made
MEMO_MAX_CHARS = 64 * 1024  # with MEMO_ENTRIES, bounds the memo's memory (a few MB in practice: definitions)
MEMO_ENTRIES = 256


def dumps(obj: Any, default: Callable[[Any], Any] | None = None) -> str:
    try:
        return orjson.dumps(obj, default=default, option=_OPTIONS).decode()
    except TypeError:  # e.g. an integer beyond 64 bits: the stdlib writes it exactly
        return json.dumps(obj, default=default)


@lru_cache(maxsize=MEMO_ENTRIES)
def _parsed(text: str) -> bytes:
    return marshal.dumps(json.loads(text))


def loads(text: str | bytes) -> Any:
    """json.loads, with longer texts memoized (each call gets its own copy)."""
    if MEMO_MIN_CHARS <= len(text) <= MEMO_MAX_CHARS and isinstance(text, str):
        return marshal.loads(_parsed(text))
    return json.loads(text)


def codecs(name: str) -> tuple[Callable[[Any], str], Callable[[str | bytes], Any]]:
    """(encoder, decoder) for asyncpg's jsonb codec."""
    return (dumps if name == "orjson" else json.dumps), loads
