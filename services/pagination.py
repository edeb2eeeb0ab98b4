"""Opaque keyset cursors over each table's `seq` (a sequence number per row), so pages never skip or repeat
rows because of clock ties or a transaction's start time."""

from __future__ import annotations

import base64
import json
from typing import Any

from services.errors import ValidationFailed

MAX_LIMIT = 200
_MAX_SEQ = 2**63 - 1


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": seq}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq = raw["after"]
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= _MAX_SEQ:
            return seq
    except (ValueError, TypeError, KeyError):
        pass
    raise ValidationFailed("cursor", "is not a cursor returned by this API", code="invalid_cursor")


def page(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """Rows were fetched with limit + 1; the extra row only says whether a next page exists."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1]["seq"])
    return rows, None
