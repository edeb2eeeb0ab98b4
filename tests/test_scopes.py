"""Scope enforcement, table-driven over every operation in the app's URL map.

REQUIRED_SCOPE says which scope each operation needs. Every operation must have an entry (a new route fails
`test_every_operation_has_a_scope`). The hub's HTML routes are here too, called with a hub session holding the
same scopes as the token (tests/routes.py); SESSION_ONLY lists the two that need a session but no scope, and
every hub route is refused without a session at all; hub pages need the scope of the API operation they mirror.
The OpenAPI document's per-operation `security` must name exactly this table's scope (it is generated from the
`@requires` declaration the controller checks), and a token lacking exactly that scope is refused.
"""

from __future__ import annotations

import re

import pytest

from services.auth import SCOPES
from tests.helpers import make_schedule, make_workflow
from tests.routes import (
    CHAT_TARGET,
    FAR,
    FAR_TOO,
    PUBLIC,
    REQUESTS,
    Op,
    assert_covered,
    diff,
    hub_session_headers,
    is_hub,
    snapshot,
)

READ, WRITE = "schedules:read", "schedules:write"
WF_READ, WF_WRITE = "workflows:read", "workflows:write"
EX_READ, EX_WRITE = "executions:read", "executions:write"
ADMIN = "admin"
OPS_READ, OPS_WRITE, APPROVE = "ops:read", "ops:write", "approvals:write"
EVENTS_WRITE, EXEC_READ = "events:write", "executions:read"
TARGETS = "/api/v1/notification-targets"
T = TARGETS + "/<uuid:target_id>"
S, W, E = "/api/v1/schedules/<uuid:schedule_id>", "/api/v1/workflows/<uuid:workflow_id>", \
    "/api/v1/executions/<uuid:execution_id>"

# The scope each operation needs. Order matters only for the controls, which replay the calls on the same data:
# reads first, deletes last.
REQUIRED_SCOPE: dict[Op, str] = {
    ("GET", "/api/v1/schedules"): READ,
    ("GET", S): READ,
    ("GET", S + "/next-runs"): READ,
    ("GET", S + "/executions"): READ,
    ("GET", "/api/v1/schedules/workflow/<uuid:workflow_id>"): READ,
    ("POST", "/api/v1/schedules/preview"): READ,
    ("GET", "/api/v1/workflows"): WF_READ,
    ("GET", W): WF_READ,
    ("POST", W + "/validate"): WF_READ,
    ("GET", "/api/v1/executions"): EX_READ,
    ("GET", E): EX_READ,
    ("GET", "/api/v1/node-types"): WF_READ,
    ("GET", "/api/v1/clients"): ADMIN,
    ("GET", "/api/v1/clients/<uuid:client_id>"): ADMIN,
    ("POST", "/api/v1/clients"): ADMIN,
    ("PATCH", "/api/v1/clients/<uuid:client_id>"): ADMIN,
    ("GET", "/api/v1/scheduler/sitrep"): OPS_READ,
    ("GET", TARGETS): OPS_READ,
    ("GET", T): OPS_READ,
    ("GET", T + "/deliveries"): OPS_READ,
    ("POST", TARGETS): OPS_WRITE,
    ("PUT", T): OPS_WRITE,
    ("GET", "/api/v1/audit"): OPS_READ,
    ("GET", "/api/v1/scheduler/fix-it/<uuid:fixit_id>"): OPS_READ,
    ("GET", "/api/v1/events"): EXEC_READ,
    ("POST", "/api/v1/events"): EVENTS_WRITE,
    ("POST", "/api/v1/events/batch"): EVENTS_WRITE,
    ("POST", "/api/v1/workflows"): WF_WRITE,
    ("PUT", W): WF_WRITE,
    ("POST", W + "/execute"): EX_WRITE,  # running a workflow starts an execution
    ("POST", "/api/v1/schedules"): WRITE,
    ("PUT", S): WRITE,
    ("PATCH", S): WRITE,
    ("POST", S + "/pause"): WRITE,
    ("POST", S + "/resume"): WRITE,
    ("POST", S + "/snooze"): WRITE,
    ("POST", S + "/run-now"): WRITE,
    ("GET", "/hub/schedules"): READ,
    ("GET", "/hub/schedules/<uuid:schedule_id>"): READ,
    ("GET", "/hub/schedules/<uuid:schedule_id>/history"): READ,
    ("POST", "/hub/preview"): READ,
    ("GET", "/hub/runs/<uuid:execution_id>"): EX_READ,
    ("GET", "/hub/workflows"): WF_READ,
    ("GET", "/hub/workflows/<uuid:workflow_id>"): WF_READ,
    ("POST", "/hub/workflows/<uuid:workflow_id>/validate"): WF_READ,
    ("GET", "/hub/overview"): OPS_READ,
    ("GET", "/hub/approvals"): OPS_READ,
    ("GET", "/hub/fix-it"): OPS_READ,
    ("GET", "/hub/fix-it/<uuid:fixit_id>"): OPS_READ,
    ("GET", "/hub/audit"): OPS_READ,
    ("POST", "/hub/fix-it"): OPS_WRITE,
    ("POST", "/hub/approvals/decide"): APPROVE,
    ("GET", "/hub/schedules/new"): WRITE,
    ("POST", "/hub/schedules/new"): WRITE,
    ("GET", "/hub/schedules/<uuid:schedule_id>/edit"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/edit"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/pause"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/resume"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/snooze"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/run-now"): WRITE,
    ("POST", "/hub/runs/<uuid:execution_id>/cancel"): EX_WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/cancel"): WRITE,
    ("POST", "/hub/schedules/<uuid:schedule_id>/delete"): WRITE,
    ("POST", E + "/cancel"): EX_WRITE,
    ("POST", S + "/backfill"): WRITE,
    ("POST", "/api/v1/scheduler/fix-it"): OPS_WRITE,
    ("POST", "/api/v1/scheduler/approve/token/generate"): APPROVE,
    ("POST", "/api/v1/scheduler/approve"): APPROVE,
    ("POST", S + "/cancel"): WRITE,
    ("DELETE", S): WRITE,
    ("DELETE", W): WF_WRITE,
    ("DELETE", T): OPS_WRITE,
    ("DELETE", "/api/v1/clients/<uuid:client_id>"): ADMIN,
}

# Hub routes that need a session but no scope: the start page (it redirects to the first page the scopes show)
# and sign-out.
SESSION_ONLY: dict[Op, str] = {("GET", "/hub"): "", ("POST", "/hub/sign-out"): ""}

KNOWN_SCOPES = sorted(set(SCOPES) | set(REQUIRED_SCOPE.values()))


def test_every_operation_has_a_scope(settings) -> None:
    from app import create_app

    app = create_app(settings)
    assert_covered({**REQUIRED_SCOPE, **SESSION_ONLY}, app, "test_scopes.REQUIRED_SCOPE + SESSION_ONLY")
    assert_covered(REQUESTS, app, "tests/routes.py REQUESTS")


async def test_public_operations_need_no_token(client) -> None:
    for method, rule in sorted(PUBLIC):
        if "<" in rule or method != "GET":
            continue  # /static/<path:filename> serves nothing by itself; POSTs are the sign-in forms (test_hub.py)
        resp = await client.open(rule, method=method)
        assert resp.status_code == 200, (method, rule, resp.status_code)


@pytest.fixture
def bearer(token, chime):
    async def make(*scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(1, ' '.join(scopes))}",
                **await hub_session_headers(chime, 1, scopes)}

    return make


async def test_each_operation_is_refused_without_its_scope(client, chime, bearer) -> None:
    owner = await bearer(*KNOWN_SCOPES)
    wf = await make_workflow(client, owner)
    sid = (await make_schedule(client, owner, wf, FAR))["schedule_id"]
    doomed = (await make_schedule(client, owner, wf, FAR_TOO))["schedule_id"]
    run = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=owner)
    target = await client.post(TARGETS, headers=owner, json=CHAT_TARGET)
    ids = {"S": sid, "W": wf, "E": (await run.get_json())["execution_id"], "D": doomed,
           "T": (await target.get_json())["target_id"]}
    fixit = await client.post("/api/v1/scheduler/fix-it", headers=owner, json={"mode": "greedy", "dry_run": True})
    ids["F"] = (await fixit.get_json())["execution_id"]
    gated = await make_workflow(client, owner, requires_approval=True)
    gated_sid = (await make_schedule(client, owner, gated, FAR))["schedule_id"]
    waiting = await (await client.post(f"/api/v1/schedules/{gated_sid}/run-now", headers=owner)).get_json()
    assert waiting["status"] == "awaiting_approval", waiting
    issued = await client.post("/api/v1/scheduler/approve/token/generate", headers=owner,
                               json={"execution_ids": [waiting["execution_id"]]})
    ids["K"] = (await issued.get_json())["token"]
    made = await client.post("/api/v1/clients", headers=owner, json={"name": "bot", "scopes": [READ]})
    ids["C"] = (await made.get_json())["client_id"]

    for op, scope in REQUIRED_SCOPE.items():
        call = REQUESTS[op]
        for held in ([s for s in KNOWN_SCOPES if s != scope], []):  # every other scope, and none at all
            before = await snapshot(chime.dal)
            status, body = await call.send(client, ids, await bearer(*held))
            assert status == 403 and body["code"] == "insufficient_scope", (op, held, status, body)
            assert scope in body["error"], (op, body)
            after = await snapshot(chime.dal)
            assert before == after, f"{op} without {scope} changed rows: {diff(before, after)}"

    # Controls: with only its scope, each call gets past the scope check (and is a valid request).
    for op, scope in REQUIRED_SCOPE.items():
        status, body = await REQUESTS[op].send(client, ids, await bearer(scope))
        assert status < 400 or status == 409, (op, scope, status, body)
        if is_hub(op) and op[0] == "POST":
            assert status == 200 or body["location"], (op, status)  # done (a redirect), not a form re-shown
    for op in SESSION_ONLY:
        status, _ = await REQUESTS[op].send(client, ids, await bearer())
        assert status == 303, (op, status)


async def test_every_hub_page_needs_a_session(client, chime, bearer) -> None:
    """Without a session cookie (a bearer token does not count): pages redirect to sign-in, changes are 401."""
    owner = await bearer(*KNOWN_SCOPES)
    wf = await make_workflow(client, owner)
    sid = (await make_schedule(client, owner, wf, FAR))["schedule_id"]
    run = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=owner)
    ids = {"S": sid, "W": wf, "E": (await run.get_json())["execution_id"], "D": sid, "F": sid}  # F: never looked up
    token_only = {"Authorization": owner["Authorization"]}
    wrong_cookie = {**token_only, "Cookie": "chime_hub=forged", "X-CSRF-Token": owner["X-CSRF-Token"]}
    for op in [o for o in {**REQUIRED_SCOPE, **SESSION_ONLY} if is_hub(o)]:
        for headers in (token_only, wrong_cookie):
            before = await snapshot(chime.dal)
            status, body = await REQUESTS[op].send(client, ids, headers)
            if op[0] == "GET":
                assert status == 303 and body["location"].startswith("/hub/sign-in"), (op, status, body["location"])
            else:
                assert status == 401 and body["code"] == "session_required", (op, status, body["code"])
            assert before == await snapshot(chime.dal), op


def _rule_of(path: str, rules: set[Op], method: str) -> Op:
    """The url_map rule a document path comes from (`{schedule_id}` <- `<uuid:schedule_id>`)."""
    for op in rules:
        if op[0] == method and re.sub(r"<(?:[^:<>]*:)?([^<>]+)>", r"{\1}", op[1]) == path:
            return op
    raise AssertionError(f"{method} {path} is documented but not routed")


async def test_openapi_documents_each_operations_scope_and_it_is_enforced(client, chime, bearer) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    assert doc["openapi"].startswith("3.1")  # role names in a bearer requirement need OpenAPI 3.1
    owner = await bearer(*KNOWN_SCOPES)
    wf = await make_workflow(client, owner)
    sid = (await make_schedule(client, owner, wf, FAR))["schedule_id"]
    run = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=owner)
    made = await client.post("/api/v1/clients", headers=owner, json={"name": "bot", "scopes": [READ]})
    ids = {"S": sid, "W": wf, "E": (await run.get_json())["execution_id"], "D": sid, "C": (await made.get_json())[
        "client_id"], "T": "00000000-0000-0000-0000-000000000000", "F": "00000000-0000-0000-0000-000000000000",
        "K": "x" * 40}
    documented = 0
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            op = _rule_of(path, set(REQUIRED_SCOPE) | PUBLIC, method.upper())
            if op in PUBLIC:
                assert operation["security"] == [], op
                continue
            scope = REQUIRED_SCOPE[op]
            assert operation["security"] == [{"bearer": [scope]}], (op, operation["security"], scope)
            held = [s for s in KNOWN_SCOPES if s != scope]
            status, body = await REQUESTS[op].send(client, ids, {"Authorization": (await bearer(*held))[
                "Authorization"]})
            assert status == 403 and body["code"] == "insufficient_scope" and f"'{scope}'" in body["error"], (
                op, status, body)
            documented += 1
    assert documented == len([op for op in REQUIRED_SCOPE if not is_hub(op)])
