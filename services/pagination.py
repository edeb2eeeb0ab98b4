"""Opaque keyset cursors over each table's `seq` (a sequence number per row), so pages never skip or repeat
rows because of clock ties or a transaction's start time.

Lists go oldest first (`order=asc`) or newest first (`order=desc`). A cursor carries the direction it was
issued for: continuing it with the other order is a 400 (it would silently restart the walk)."""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from services.errors import ValidationFailed

MAX_LIMIT = 200
_MAX_SEQ = 2**63 - 1

Order = Literal["asc", "desc"]


def encode_cursor(seq: int, order: Order = "asc") -> str:
    raw = {"after": seq} if order == "asc" else {"after": seq, "order": order}
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, order: Order = "asc") -> int | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq = raw["after"]
        issued = raw.get("order", "asc")
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= _MAX_SEQ and issued in ("asc", "desc"):
            if issued != order:
                raise ValidationFailed("cursor", f"was issued for order={issued}; ask with the same order",
                                       code="invalid_cursor")
            return seq
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    raise ValidationFailed("cursor", "is not a cursor returned by this API", code="invalid_cursor")


def keyset(column: str, param: str, order: Order) -> tuple[str, str]:
    """The WHERE condition past the cursor and the ORDER BY for `order` (param is a bigint placeholder)."""
    if order == "desc":
        return f"({param}::bigint IS NULL OR {column} < {param})", f"{column} DESC"
    return f"({param}::bigint IS NULL OR {column} > {param})", f"{column}"


def by_order(template: str, column: str, param: str) -> dict[str, str]:
    """`template` (with {after} and {order_by}) written out for each order, once at import."""
    out = {}
    for order in ("asc", "desc"):
        after, order_by = keyset(column, param, order)  # type: ignore[arg-type]
        out[order] = template.format(after=after, order_by=order_by)
    return out


def page(rows: list[Any], limit: int, order: Order = "asc") -> tuple[list[Any], str | None]:
    """Rows were fetched with limit + 1; the extra row only says whether a next page exists."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1]["seq"], order)
    return rows, None


def like_prefix(value: str) -> str:
    """A LIKE pattern matching values that start with `value` literally (its % _ and \\ escaped)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
