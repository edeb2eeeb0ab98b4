"""Scope enforcement, table-driven over every operation in the app's URL map.

REQUIRED_SCOPE says which scope each operation needs. Every operation must have an entry (a new route fails
`test_every_operation_has_a_scope`). When finer scopes arrive (workflows:*, executions:* are already known to
services.auth.SCOPES), change the values here: the tests derive everything else from this table.
"""

from __future__ import annotations

import pytest

from services.auth import SCOPES
from tests.helpers import make_schedule, make_workflow
from tests.routes import FAR, PUBLIC, REQUESTS, Op, assert_covered, diff, snapshot

READ, WRITE = "schedules:read", "schedules:write"
OPS_READ, OPS_WRITE, APPROVE = "ops:read", "ops:write", "approvals:write"
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
    ("GET", "/api/v1/workflows"): READ,
    ("GET", W): READ,
    ("POST", W + "/validate"): READ,
    ("GET", "/api/v1/executions"): READ,
    ("GET", E): READ,
    ("GET", "/api/v1/audit"): OPS_READ,
    ("GET", "/api/v1/scheduler/fix-it/<uuid:fixit_id>"): OPS_READ,
    ("POST", "/api/v1/workflows"): WRITE,
    ("PUT", W): WRITE,
    ("POST", W + "/execute"): WRITE,
    ("POST", "/api/v1/schedules"): WRITE,
    ("PUT", S): WRITE,
    ("PATCH", S): WRITE,
    ("POST", S + "/pause"): WRITE,
    ("POST", S + "/resume"): WRITE,
    ("POST", S + "/snooze"): WRITE,
    ("POST", S + "/run-now"): WRITE,
    ("POST", E + "/cancel"): WRITE,
    ("POST", S + "/backfill"): WRITE,
    ("POST", "/api/v1/scheduler/fix-it"): OPS_WRITE,
    ("POST", "/api/v1/scheduler/approve/token/generate"): APPROVE,
    ("POST", "/api/v1/scheduler/approve"): APPROVE,
    ("POST", S + "/cancel"): WRITE,
    ("DELETE", S): WRITE,
    ("DELETE", W): WRITE,
}

KNOWN_SCOPES = sorted(set(SCOPES) | set(REQUIRED_SCOPE.values()))


def test_every_operation_has_a_scope(settings) -> None:
    from app import create_app

    app = create_app(settings)
    assert_covered(REQUIRED_SCOPE, app, "test_scopes.REQUIRED_SCOPE")
    assert_covered(REQUESTS, app, "tests/routes.py REQUESTS")


async def test_public_operations_need_no_token(client) -> None:
    for method, rule in sorted(PUBLIC):
        if "<" in rule:
            continue  # /static/<path:filename>: nothing is served from it
        resp = await client.open(rule, method=method)
        assert resp.status_code == 200, (method, rule, resp.status_code)


@pytest.fixture
def bearer(token):
    def make(*scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(1, ' '.join(scopes))}"}

    return make


async def test_each_operation_is_refused_without_its_scope(client, chime, bearer) -> None:
    owner = bearer(*KNOWN_SCOPES)
    wf = await make_workflow(client, owner)
    sid = (await make_schedule(client, owner, wf, FAR))["schedule_id"]
    run = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=owner)
    ids = {"S": sid, "W": wf, "E": (await run.get_json())["execution_id"]}
    fixit = await client.post("/api/v1/scheduler/fix-it", headers=owner, json={"mode": "greedy", "dry_run": True})
    ids["F"] = (await fixit.get_json())["execution_id"]
    gated = await make_workflow(client, owner, requires_approval=True)
    gated_sid = (await make_schedule(client, owner, gated, FAR))["schedule_id"]
    waiting = await (await client.post(f"/api/v1/schedules/{gated_sid}/run-now", headers=owner)).get_json()
    assert waiting["status"] == "awaiting_approval", waiting
    issued = await client.post("/api/v1/scheduler/approve/token/generate", headers=owner,
                               json={"execution_ids": [waiting["execution_id"]]})
    ids["T"] = (await issued.get_json())["token"]

    for op, scope in REQUIRED_SCOPE.items():
        call = REQUESTS[op]
        for held in ([s for s in KNOWN_SCOPES if s != scope], []):  # every other scope, and none at all
            before = await snapshot(chime.dal)
            status, body = await call.send(client, ids, bearer(*held))
            assert status == 403 and body["code"] == "insufficient_scope", (op, held, status, body)
            assert scope in body["error"], (op, body)
            after = await snapshot(chime.dal)
            assert before == after, f"{op} without {scope} changed rows: {diff(before, after)}"

    # Controls: with only its scope, each call gets past the scope check (and is a valid request).
    for op, scope in REQUIRED_SCOPE.items():
        status, body = await REQUESTS[op].send(client, ids, bearer(scope))
        assert status < 400 or status == 409, (op, scope, status, body)
