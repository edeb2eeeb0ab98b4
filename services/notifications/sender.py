"""One delivery attempt: a webhook POST signed with the target's secret, or a chat message through the router.

Both go through the workflow engine's outbound clients (services/engine/outbound.py), so a webhook URL meets
the same SSRF guard (checked again at connect time, against DNS rebinding), size cap and timeout as a workflow's
webhook node; redirects are not followed (a 3xx is a failed attempt). Receivers de-duplicate on
`X-Chime-Event-Id`: a delivery is at least once, and the same event always has the same id and body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.engine.outbound import HttpCall, Outbound, redact_url
from services.engine.types import NodeError
from services.notifications.deliveries import Outcome

EVENT_ID_HEADER = "X-Chime-Event-Id"


def event_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body: the same bytes for every attempt (the signature covers them)."""
    return {"event_id": str(row["event_id"]), "kind": row["event_kind"], "community_id": row["community_id"],
            "occurred_at": row["occurred_at"].isoformat(), "payload": row["payload"]}


def chat_text(row: Mapping[str, Any]) -> str:
    """A short human line for a chat message: the kind, what it is about, and any link the event carries."""
    payload = row["payload"] or {}
    parts = [f"[chime] {row['event_kind']}"]
    for key in ("schedule_name", "schedule_id", "execution_id", "status", "reason", "error"):
        value = payload.get(key)
        if value not in (None, ""):
            parts.append(f"{key}: {str(value)[:300]}")
    for key, value in payload.items():
        if isinstance(value, str) and (key.endswith("url") or key.endswith("link")):
            parts.append(f"{key}: {value}")
    return " | ".join(parts)


def _headers(row: Mapping[str, Any]) -> dict[str, str]:
    return {"Content-Type": "application/json", EVENT_ID_HEADER: str(row["event_id"]),
            "X-Chime-Event-Kind": row["event_kind"], "X-Chime-Delivery-Attempt": str(row["attempts"])}


async def send(row: Mapping[str, Any], *, webhooks: Outbound, router: Outbound, router_url: str,
               timeout: float) -> Outcome:
    """Makes one attempt for a claimed delivery row (joined with its target and event); never raises."""
    base = Outcome(delivery_id=row["delivery_id"], attempts=row["attempts"], ok=False)
    if not row["enabled"]:
        base.cancel, base.error = True, "target is disabled"
        return base
    if row["payload"] is None:
        base.cancel, base.error = True, "the event was pruned before it could be delivered"
        return base
    try:
        if row["target_kind"] == "webhook":
            content = json.dumps(event_body(row), separators=(",", ":"), default=str).encode()
            call = HttpCall("POST", row["url"], _headers(row), content, timeout, follow_redirects=False)
            result = await webhooks.send(call, hmac_secret=row["secret"])
            where = redact_url(row["url"])
        else:
            message: dict[str, Any] = {"entity_id": row["entity_id"], "message": chat_text(row),
                                       "metadata": {"event_id": str(row["event_id"]), "kind": row["event_kind"],
                                                    "community_id": row["community_id"], "payload": row["payload"]}}
            for key in ("platform", "channel"):
                if row[key] is not None:
                    message[key] = row[key]
            content = json.dumps(message, separators=(",", ":"), default=str).encode()
            url = router_url.rstrip("/") + "/api/v1/send-message"
            result = await router.send(HttpCall("POST", url, _headers(row), content, timeout,
                                                follow_redirects=False))
            where = "the router"
    except NodeError as exc:
        base.error = f"{exc.code}: {exc.message}"
        return base
    except Exception as exc:  # noqa: BLE001 - an attempt's failure is recorded, never raised into the duty
        base.error = f"{type(exc).__name__}: {exc}"
        return base
    base.http_status = result.status
    base.ok = 200 <= result.status <= 299
    if not base.ok:
        base.error = f"{where} answered HTTP {result.status}"
    return base
