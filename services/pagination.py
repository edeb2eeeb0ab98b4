"""Opaque keyset cursors: (created_at, id) pairs, so pages stay stable under inserts."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from uuid import UUID

from services.errors import ValidationFailed

MAX_LIMIT = 200


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, row_id = json.loads(raw)
        return datetime.fromisoformat(created), UUID(row_id)
    except (ValueError, TypeError):
        raise ValidationFailed("cursor", "is not a cursor returned by this API", code="invalid_cursor") from None


def page(rows: list, limit: int, id_field: str) -> tuple[list, str | None]:
    """Rows were fetched with limit + 1; the extra row only says whether a next page exists."""
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        return rows, encode_cursor(last["created_at"], last[id_field])
    return rows, None
