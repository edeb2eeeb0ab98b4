"""The API's operations, read from the app's URL map, and one valid request for each.

Shared by the table-driven tests (test_tenancy.py, test_scopes.py). Their tables are keyed by operation, an
`Op` = (method, rule) exactly as Quart's url_map spells it; `assert_covered` fails when the app has an
operation a table lacks (a new route cannot be forgotten) or a table names one the app no longer has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Op = tuple[str, str]

# Operations that need no token and touch no community's data.
PUBLIC: frozenset[Op] = frozenset({
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/api/v1/health"), ("GET", "/openapi.json"),
    ("GET", "/docs"), ("GET", "/redocs"), ("GET", "/scalar"), ("GET", "/static/<path:filename>"),
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
    """A request with placeholders: {S} a schedule, {W} a workflow, {E} an execution, {F} a fix-it, {T} an
    approval token (filled per test)."""

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def render(self, ids: Mapping[str, str]) -> tuple[str, str, Any]:
        return self.method, _fill(self.path, ids), _fill(self.body, ids)

    async def send(self, client: Any, ids: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, Any]:
        """Sends it through a Quart test client; returns (status, JSON body or None)."""
        method, path, body = self.render(ids)
        kwargs: dict[str, Any] = {"headers": {**headers, **self.headers}}
        if body is not None:
            kwargs["json"] = body
        resp = await client.open(path, method=method, **kwargs)
        raw = await resp.get_data()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return resp.status_code, data


S, W, E = "/api/v1/schedules/{S}", "/api/v1/workflows/{W}", "/api/v1/executions/{E}"

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
    ("POST", "/api/v1/schedules/<uuid:schedule_id>/backfill"): Call(
        "POST", S + "/backfill", {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}),
    ("POST", "/api/v1/scheduler/fix-it"): Call(
        "POST", "/api/v1/scheduler/fix-it", {"mode": "greedy", "schedule_ids": ["{S}"], "dry_run": True}),
    ("GET", "/api/v1/scheduler/fix-it/<uuid:fixit_id>"): Call("GET", "/api/v1/scheduler/fix-it/{F}"),
    ("POST", "/api/v1/scheduler/approve/token/generate"): Call(
        "POST", "/api/v1/scheduler/approve/token/generate", {"execution_ids": ["{E}"]}),
    ("POST", "/api/v1/scheduler/approve"): Call("POST", "/api/v1/scheduler/approve", {"token": "{T}",
                                                                                        "action": "approve"}),
    ("GET", "/api/v1/audit"): Call("GET", "/api/v1/audit"),
}

_TABLES = {
    "workflows": ("workflow_id", "community_id = $1"),
    "workflow_schedules": ("schedule_id", "community_id = $1"),
    "workflow_executions": ("execution_id", "community_id = $1"),
    "execution_steps": ("execution_id, sequence",
                        "execution_id IN (SELECT execution_id FROM workflow_executions WHERE community_id = $1)"),
    "audit_events": ("event_id", "community_id = $1"),
    "fixits": ("fixit_id", "community_id = $1"),
    "fixit_tasks": ("fixit_id, position", "fixit_id IN (SELECT fixit_id FROM fixits WHERE community_id = $1)"),
    "approval_tokens": ("approval_id", "community_id = $1"),
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
