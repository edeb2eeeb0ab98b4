"""The API's operations, read from the app's URL map, and one valid request for each.

Shared by the table-driven tests (test_tenancy.py, test_scopes.py). Their tables are keyed by operation, an
`Op` = (method, rule) exactly as Quart's url_map spells it; `assert_covered` fails when the app has an
operation a table lacks (a new route cannot be forgotten) or a table names one the app no longer has.

HTML routes (the hub, /hub/...) are in the same tables. They authenticate with a hub session, not a bearer
token, so the tables send both: `hub_session_headers` starts a real session (the cookie and its CSRF token)
for the same community and scopes as the token. A hub answer is HTML; `Call.send` reads its error code from
the `X-Chime-Error-Code` header and hands the page as `error`/`html`, so the same assertions apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Op = tuple[str, str]

# Operations that need no token and touch no community's data (the hub's sign-in forms take a credential and
# start a session for exactly its community; tests/test_hub.py covers them).
PUBLIC: frozenset[Op] = frozenset({
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/api/v1/health"), ("GET", "/openapi.json"),
    ("GET", "/docs"), ("GET", "/redocs"), ("GET", "/scalar"), ("GET", "/static/<path:filename>"),
    ("GET", "/hub/sign-in"), ("POST", "/hub/sign-in"), ("GET", "/hub/link/<token>"), ("POST", "/hub/link/<token>"),
    ("GET", "/metrics"), ("POST", "/api/v1/oauth/token"),
    ("GET", "/health"), ("GET", "/health/live"), ("GET", "/health/ready"),
})

# Timing that never fires during a test.
FAR = {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}
FAR_TOO = {"schedule_type": "cron", "cron_expression": "0 0 2 1 *"}


def operations(app: Any) -> set[Op]:
    """Every (method, rule) the app routes, HEAD and OPTIONS aside. `app` is a Quart app (or its test app)."""
    app = getattr(app, "app", app)
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def assert_covered(table: Iterable[Op], app: Any, what: str, include_public: bool = False) -> None:
    ops = operations(app) if include_public else operations(app) - PUBLIC
    listed = set(table)
    missing, stale = sorted(ops - listed), sorted(listed - ops)
    assert not missing, f"{what} has no entry for {missing}: every operation must be in the table"
    assert not stale, f"{what} lists operations the app does not have: {stale}"


def _fill(value: Any, ids: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@dataclass(frozen=True)
class Call:
    """A request with placeholders: {S} a schedule, {W} a workflow, {E} an execution, {D} a schedule the hub's
    cancel/delete may end, {T} a notification target, {F} a fix-it, {K} an approval token, {C} an API client
    (filled per test).
    `form` is sent as a form (the hub), `body` as JSON (the API)."""

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None

    def render(self, ids: Mapping[str, str]) -> tuple[str, str, Any]:
        return self.method, _fill(self.path, ids), _fill(self.body, ids)

    async def send(self, client: Any, ids: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, Any]:
        """Sends it through a Quart test client; returns (status, JSON body, or for HTML {code, error, html})."""
        method, path, body = self.render(ids)
        kwargs: dict[str, Any] = {"headers": {**headers, **self.headers}}
        if body is not None:
            kwargs["json"] = body
        if self.form is not None:
            kwargs["form"] = _fill(dict(self.form), ids)
        resp = await client.open(path, method=method, **kwargs)
        raw = await resp.get_data()
        if resp.mimetype == "text/html":
            html = raw.decode()
            return resp.status_code, {"code": resp.headers.get("X-Chime-Error-Code"), "error": html, "html": html,
                                      "location": resp.headers.get("Location")}
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return resp.status_code, data


def is_hub(op: Op) -> bool:
    return op[1] == "/hub" or op[1].startswith("/hub/")


async def hub_session_headers(chime: Any, community: int, scopes: Iterable[str]) -> dict[str, str]:
    """A real hub session (as sign-in starts one) for `community` with `scopes`: its cookie and CSRF header."""
    from services.auth import Principal

    principal = Principal(user_id=f"table-{community}", community_id=community, scopes=frozenset(scopes))
    cookie, session = await chime.hub_sessions.start(principal, "jwt")
    return {"Cookie": f"chime_hub={cookie}", "X-CSRF-Token": session.csrf_token}


S, W, E = "/api/v1/schedules/{S}", "/api/v1/workflows/{W}", "/api/v1/executions/{E}"
HS, HD = "/hub/schedules/{S}", "/hub/schedules/{D}"
HUB_FAR = {"workflow_id": "{W}", "schedule_type": "cron", "cron_expression": "0 0 1 1 *", "timezone": "UTC"}
HUB_FAR_TOO = {**HUB_FAR, "cron_expression": "0 0 2 1 *"}
T = "/api/v1/notification-targets/{T}"
TARGETS = "/api/v1/notification-targets"
CHAT_TARGET = {"name": "ops chat", "kind": "chat", "entity_id": "ops-room", "events": ["execution.failed"]}

# One valid request per authenticated operation (valid bodies matter: the body is validated before the scope).
REQUESTS: dict[Op, Call] = {
    ("GET", "/api/v1/schedules"): Call("GET", "/api/v1/schedules"),
    ("POST", "/api/v1/schedules"): Call("POST", "/api/v1/schedules", {"workflow_id": "{W}", "schedule_config": FAR}),
    ("POST", "/api/v1/schedules/preview"): Call("POST", "/api/v1/schedules/preview", {"schedule_config": FAR}),
    ("GET", "/api/v1/schedules/workflow/<uuid:workflow_id>"): Call("GET", "/api/v1/schedules/workflow/{W}"),
    ("GET", "/api/v1/schedules/<uuid:schedule_id>"): Call("GET", S),
    ("PUT", "/api/v1/schedules/<uuid:schedule_id>"): Call("PUT", S, {"schedule_config": FAR_TOO}),
    ("PATCH", "/api/v1/schedules/<uuid:schedule_id>"): Call("PATCH", S, {"name": "renamed"}),
    ("DELETE", "/api/v1/schedules/<uuid:schedule_id>"): Call("DELETE", S),
    ("GET", "/api/v1/schedules/<uuid:schedule_id>/next-runs"): Call("GET", S + "/next-runs"),
    ("GET", "/api/v1/schedules/<uuid:schedule_id>/executions"): Call("GET", S + "/executions"),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/pause"): Call("POST", S + "/pause", {"note": "n"}),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/resume"): Call("POST", S + "/resume"),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/snooze"): Call("POST", S + "/snooze", {"seconds": 60}),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/run-now"): Call("POST", S + "/run-now"),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/cancel"): Call("POST", S + "/cancel"),
    ("GET", "/api/v1/workflows"): Call("GET", "/api/v1/workflows"),
    ("POST", "/api/v1/workflows"): Call("POST", "/api/v1/workflows", {"name": "new"}),
    ("GET", "/api/v1/workflows/<uuid:workflow_id>"): Call("GET", W),
    ("PUT", "/api/v1/workflows/<uuid:workflow_id>"): Call("PUT", W, {"name": "renamed"}),
    ("DELETE", "/api/v1/workflows/<uuid:workflow_id>"): Call("DELETE", W),
    ("POST", "/api/v1/workflows/<uuid:workflow_id>/validate"): Call("POST", W + "/validate"),
    ("POST", "/api/v1/workflows/<uuid:workflow_id>/execute"): Call("POST", W + "/execute", {"dry_run": True}),
    ("GET", "/api/v1/executions"): Call("GET", "/api/v1/executions"),
    ("GET", "/api/v1/executions/<uuid:execution_id>"): Call("GET", E),
    ("POST", "/api/v1/executions/<uuid:execution_id>/cancel"): Call("POST", E + "/cancel"),
    # The hub (HTML): pages, and forms that change state (each with the session's CSRF header).
    ("GET", "/hub"): Call("GET", "/hub"),
    ("POST", "/hub/sign-out"): Call("POST", "/hub/sign-out", form={}),
    ("GET", "/hub/schedules"): Call("GET", "/hub/schedules"),
    ("GET", "/hub/schedules/new"): Call("GET", "/hub/schedules/new"),
    ("POST", "/hub/schedules/new"): Call("POST", "/hub/schedules/new", form=HUB_FAR),
    ("POST", "/hub/preview"): Call("POST", "/hub/preview", form=HUB_FAR),
    ("GET", "/hub/schedules/<uuid:schedule_id>"): Call("GET", HS),
    ("GET", "/hub/schedules/<uuid:schedule_id>/history"): Call("GET", HS + "/history"),
    ("GET", "/hub/schedules/<uuid:schedule_id>/edit"): Call("GET", HS + "/edit"),
    ("POST", "/hub/schedules/<uuid:schedule_id>/edit"): Call("POST", HS + "/edit", form=HUB_FAR_TOO),
    ("POST", "/hub/schedules/<uuid:schedule_id>/pause"): Call("POST", HS + "/pause", form={"note": "n"}),
    ("POST", "/hub/schedules/<uuid:schedule_id>/resume"): Call("POST", HS + "/resume", form={}),
    ("POST", "/hub/schedules/<uuid:schedule_id>/snooze"): Call("POST", HS + "/snooze", form={"seconds": "60"}),
    ("POST", "/hub/schedules/<uuid:schedule_id>/run-now"): Call("POST", HS + "/run-now", form={}),
    ("POST", "/hub/schedules/<uuid:schedule_id>/cancel"): Call("POST", HD + "/cancel", form={"confirm": "yes"}),
    ("POST", "/hub/schedules/<uuid:schedule_id>/delete"): Call("POST", HD + "/delete", form={"confirm": "yes"}),
    ("GET", "/hub/runs/<uuid:execution_id>"): Call("GET", "/hub/runs/{E}"),
    ("POST", "/hub/runs/<uuid:execution_id>/cancel"): Call("POST", "/hub/runs/{E}/cancel", form={}),
    ("GET", "/hub/workflows"): Call("GET", "/hub/workflows"),
    ("GET", "/hub/workflows/<uuid:workflow_id>"): Call("GET", "/hub/workflows/{W}"),
    ("POST", "/hub/workflows/<uuid:workflow_id>/validate"): Call("POST", "/hub/workflows/{W}/validate", form={}),
    ("GET", "/hub/overview"): Call("GET", "/hub/overview?window=1h"),
    ("GET", "/hub/approvals"): Call("GET", "/hub/approvals"),
    ("POST", "/hub/approvals/decide"): Call("POST", "/hub/approvals/decide",
                                            form={"execution_id": "{E}", "action": "approve"}),
    ("GET", "/hub/fix-it"): Call("GET", "/hub/fix-it"),
    ("POST", "/hub/fix-it"): Call("POST", "/hub/fix-it", form={"mode": "greedy", "window": "24h", "schedule": "{S}",
                                                              "dry_run": "yes"}),
    ("GET", "/hub/fix-it/<uuid:fixit_id>"): Call("GET", "/hub/fix-it/{F}"),
    ("GET", "/hub/audit"): Call("GET", "/hub/audit"),
    ("GET", "/api/v1/scheduler/sitrep"): Call("GET", "/api/v1/scheduler/sitrep?window=1h"),
    ("GET", TARGETS): Call("GET", TARGETS),
    ("POST", TARGETS): Call("POST", TARGETS, CHAT_TARGET),
    ("GET", TARGETS + "/<uuid:target_id>"): Call("GET", T),
    ("PUT", TARGETS + "/<uuid:target_id>"): Call("PUT", T, {**CHAT_TARGET, "name": "renamed"}),
    ("DELETE", TARGETS + "/<uuid:target_id>"): Call("DELETE", T),
    ("GET", TARGETS + "/<uuid:target_id>/deliveries"): Call("GET", T + "/deliveries"),
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/backfill"): Call(
        "POST", S + "/backfill", {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}),
    ("POST", "/api/v1/scheduler/fix-it"): Call(
        "POST", "/api/v1/scheduler/fix-it", {"mode": "greedy", "schedule_ids": ["{S}"], "dry_run": True}),
    ("GET", "/api/v1/scheduler/fix-it/<uuid:fixit_id>"): Call("GET", "/api/v1/scheduler/fix-it/{F}"),
    ("POST", "/api/v1/scheduler/approve/token/generate"): Call(
        "POST", "/api/v1/scheduler/approve/token/generate", {"execution_ids": ["{E}"]}),
    ("POST", "/api/v1/scheduler/approve"): Call("POST", "/api/v1/scheduler/approve", {"token": "{K}",
                                                                                        "action": "approve"}),
    ("GET", "/api/v1/audit"): Call("GET", "/api/v1/audit"),
    ("GET", "/api/v1/clients"): Call("GET", "/api/v1/clients"),
    ("POST", "/api/v1/clients"): Call("POST", "/api/v1/clients", {"name": "bot", "scopes": ["schedules:read"]}),
    ("GET", "/api/v1/clients/<uuid:client_id>"): Call("GET", "/api/v1/clients/{C}"),
    ("PATCH", "/api/v1/clients/<uuid:client_id>"): Call("PATCH", "/api/v1/clients/{C}", {"name": "renamed"}),
    ("DELETE", "/api/v1/clients/<uuid:client_id>"): Call("DELETE", "/api/v1/clients/{C}"),
    ("GET", "/api/v1/node-types"): Call("GET", "/api/v1/node-types"),
    ("POST", "/api/v1/events"): Call("POST", "/api/v1/events", {"type": "table.ping", "payload": {"n": 1}}),
    ("POST", "/api/v1/events/batch"): Call("POST", "/api/v1/events/batch", {"events": [{"type": "table.ping"}]}),
    ("GET", "/api/v1/events"): Call("GET", "/api/v1/events"),
}

_TABLES = {
    "workflows": ("workflow_id", "community_id = $1"),
    "workflow_schedules": ("schedule_id", "community_id = $1"),
    "workflow_executions": ("execution_id", "community_id = $1"),
    "execution_steps": ("execution_id, sequence",
                        "execution_id IN (SELECT execution_id FROM workflow_executions WHERE community_id = $1)"),
    "notification_targets": ("target_id", "community_id = $1"),
    "notification_deliveries": ("delivery_id", "community_id = $1"),
    "audit_events": ("event_id", "community_id = $1"),
    "fixits": ("fixit_id", "community_id = $1"),
    "fixit_tasks": ("fixit_id, position", "fixit_id IN (SELECT fixit_id FROM fixits WHERE community_id = $1)"),
    "approval_tokens": ("approval_id", "community_id = $1"),
    "api_clients": ("client_id", "community_id = $1"),
    "events": ("community_id, event_id", "community_id = $1"),
}


async def snapshot(dal: Any, community: int | None = None) -> dict[str, list[dict]]:
    """Every row of the tables that hold community data (or only `community`'s), for before/after comparisons."""
    out = {}
    for table, (order, where) in _TABLES.items():
        if community is None:
            rows = await dal.fetch(f"SELECT * FROM {table} ORDER BY {order}")
        else:
            rows = await dal.fetch(f"SELECT * FROM {table} WHERE {where} ORDER BY {order}", community)
        out[table] = [dict(r) for r in rows]
    return out


def diff(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[str]:
    """What changed between two snapshots, briefly (for assertion messages)."""
    changes = []
    for table, (order, _) in _TABLES.items():
        def keyed(rows: list[dict], pk: list[str] = order.split(", ")) -> dict[str, dict]:
            return {"/".join(str(r[c]) for c in pk): r for r in rows}

        b, a = keyed(before[table]), keyed(after[table])
        changes += [f"{table} {k}: removed" for k in b.keys() - a.keys()]
        changes += [f"{table} {k}: added" for k in a.keys() - b.keys()]
        changes += [f"{table} {k}: {[c for c in b[k] if b[k][c] != a[k][c]]} changed"
                    for k in b.keys() & a.keys() if b[k] != a[k]]
    return changes
