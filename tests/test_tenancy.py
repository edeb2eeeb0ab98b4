"""Tenancy, table-driven over every operation in the app's URL map.

Community 1 owns a workflow W1 (a 60 s run), a schedule S1, a running execution E1, a notification target T1, a
fix-it F1 and an approval token K1 (for a run G1 of an approval-gated workflow); community 2 owns W2, S2, E2, T2
and F2. With a token of
community 2 holding every scope:
- "404" probes name community 1's objects (in the path or the body): the answer is 404 and no row of any
  community changes;
- "list" probes (also filtered by community 1's ids) return only community 2's rows, and change nothing;
- "own" probes create or compute in community 2 only: community 1's rows do not change.
Afterwards the same calls are replayed by the owner (the "control"), proving that each 404 came from the
community filter and not from a malformed request. The table must name every operation (test below).

The hub's HTML routes are probed the same way with a hub session of community 2 (tests/routes.py): another
community's id is a 404 page and changes nothing; "page" probes are HTML lists that must not show community 1's
ids; "refused" probes (a form naming community 1's workflow) are answered with the form's error and write
nothing. Hub forms answer a done change with a redirect (303), so that is their control status.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

import pytest

from services.auth import SCOPES
from tests.helpers import delay_workflow, make_schedule, make_workflow, wait_for
from tests.routes import (
    CHAT_TARGET,
    FAR,
    FAR_TOO,
    HUB_FAR,
    REQUESTS,
    Call,
    Op,
    assert_covered,
    diff,
    hub_session_headers,
    snapshot,
)

# -> community 1's objects
FOREIGN = {"S": "S1", "W": "W1", "E": "E1", "D": "S3", "T": "T1", "F": "F1", "K": "K1", "C": "C1"}


@dataclass(frozen=True)
class Probe:
    op: Op
    expect: str = "404"  # "404" | "list" | "own" | "page" | "refused"
    ids: dict[str, str] = field(default_factory=lambda: dict(FOREIGN))
    call: Call | None = None  # default: REQUESTS[op]
    query: str = ""
    own: tuple[str, ...] = ()  # list probes: community 2's objects the answer must include
    control: int | None = None  # status the owner gets for the same call (run after every probe)
    control_as: int = 1
    control_ids: dict[str, str] | None = None
    id_field: str | None = None  # list probes: the items' id field (default: from the path, e.g. schedule_id)

    @property
    def request(self) -> Call:
        base = self.call or REQUESTS[self.op]
        return Call(base.method, base.path + self.query, base.body, base.headers, base.form)

    def __str__(self) -> str:
        method, path, _ = self.request.render(self.ids)
        return f"{method} {path} ({self.expect})"


def op(method: str, rule: str) -> Op:
    return (method, rule)


SCHEDULE, WORKFLOW, EXECUTION = ("/api/v1/schedules/<uuid:schedule_id>", "/api/v1/workflows/<uuid:workflow_id>",
                                 "/api/v1/executions/<uuid:execution_id>")
HUB_SCHEDULE, HUB_RUN = "/hub/schedules/<uuid:schedule_id>", "/hub/runs/<uuid:execution_id>"
HUB_WORKFLOW = "/hub/workflows/<uuid:workflow_id>"
TARGETS = "/api/v1/notification-targets"
TARGET = TARGETS + "/<uuid:target_id>"
CLIENT = "/api/v1/clients/<uuid:client_id>"

# Reads and lists first, then writes; deletes last: the controls replay in this order on the same data.
PROBES: list[Probe] = [
    Probe(op("GET", "/api/v1/schedules"), "list", own=("S2",)),
    Probe(op("GET", "/api/v1/schedules"), "list", query="?workflow_id={W}"),
    Probe(op("GET", "/api/v1/workflows"), "list", own=("W2",)),
    Probe(op("GET", "/api/v1/executions"), "list", own=("E2",)),
    Probe(op("GET", "/api/v1/executions"), "list", query="?schedule_id={S}"),
    Probe(op("GET", "/api/v1/executions"), "list", query="?workflow_id={W}"),
    Probe(op("GET", TARGETS), "list", own=("T2",)),
    Probe(op("GET", "/api/v1/clients"), "list", own=("C2",)),
    Probe(op("GET", CLIENT), control=200),
    Probe(op("PATCH", CLIENT), control=200),
    Probe(op("POST", "/api/v1/clients"), "own"),
    Probe(op("GET", TARGET), control=200),
    Probe(op("GET", TARGET + "/deliveries"), control=200),
    # Community 2's report is computed from community 2's rows only (test_sitrep.py checks the numbers).
    Probe(op("GET", "/api/v1/scheduler/sitrep"), "own"),
    Probe(op("POST", TARGETS), "own"),
    Probe(op("PUT", TARGET), control=200),
    Probe(op("GET", "/api/v1/audit"), "list", own=("S2", "W2"), id_field="target_id"),
    Probe(op("GET", "/api/v1/audit"), "list", query="?target_id={S}", id_field="target_id"),
    Probe(op("GET", "/api/v1/scheduler/fix-it/<uuid:fixit_id>"), control=200),
    # Events: each community's list shows only its own (their event_ids are the workflows' ids, see _world);
    # community 2's event of a type community 1's event schedule answers starts nothing there.
    Probe(op("GET", "/api/v1/events"), "list", own=("W2",), id_field="event_id"),
    Probe(op("GET", "/api/v1/events"), "list", query="?type=table.world", own=("W2",), id_field="event_id"),
    Probe(op("POST", "/api/v1/events"), "own"),
    Probe(op("POST", "/api/v1/events/batch"), "own"),
    Probe(op("GET", SCHEDULE), control=200),
    Probe(op("GET", SCHEDULE + "/next-runs"), control=200),
    Probe(op("GET", SCHEDULE + "/executions"), control=200),
    Probe(op("GET", "/api/v1/schedules/workflow/<uuid:workflow_id>"), control=200),
    Probe(op("GET", WORKFLOW), control=200),
    Probe(op("GET", EXECUTION), control=200),
    Probe(op("POST", WORKFLOW + "/validate"), control=200),
    Probe(op("POST", WORKFLOW + "/execute"), control=202),
    Probe(op("GET", "/hub"), "own"),
    Probe(op("GET", "/hub/schedules"), "page", own=("S2",)),
    Probe(op("GET", "/hub/schedules"), "page", query="?workflow={W}"),
    Probe(op("GET", "/hub/schedules/new"), "page", own=("W2",)),
    Probe(op("GET", "/hub/workflows"), "page", own=("W2",)),
    Probe(op("GET", HUB_SCHEDULE), control=200),
    Probe(op("GET", HUB_SCHEDULE + "/history"), control=200),
    Probe(op("GET", HUB_SCHEDULE + "/edit"), control=200),
    Probe(op("GET", HUB_RUN), control=200),
    Probe(op("GET", HUB_WORKFLOW), control=200),
    Probe(op("POST", HUB_WORKFLOW + "/validate"), control=200),
    Probe(op("POST", "/hub/preview"), "own"),
    # Phase 2 pages: community 2's report, approvals, fix-its and audit trail, never community 1's.
    Probe(op("GET", "/hub/overview"), "page", own=("S2", "E2")),
    Probe(op("GET", "/hub/approvals"), "page"),  # community 1's waits for approval (G1) until the approve control
    Probe(op("GET", "/hub/fix-it"), "page", own=("F2",)),
    Probe(op("GET", "/hub/fix-it/<uuid:fixit_id>"), control=200),
    Probe(op("GET", "/hub/audit"), "page", own=("S2", "W2")),
    Probe(op("GET", "/hub/audit"), "page", query="?target_id={S}"),
    Probe(op("POST", "/hub/fix-it"), control=303),  # limited to community 1's schedule: 404
    Probe(op("POST", "/hub/approvals/decide"), control=303),  # E1 runs: not awaiting approval, said on the page
    Probe(op("POST", "/hub/approvals/decide"), control=303,
          call=Call("POST", "/hub/approvals/decide", form={"fixit_id": "{F}", "action": "deny"})),  # a dry run
    Probe(op("POST", "/api/v1/schedules/preview"), "own"),
    Probe(op("POST", "/api/v1/workflows"), "own"),
    Probe(op("GET", "/api/v1/node-types"), "own"),  # the same catalogue for every community: no data
    # A fix-it of one's own community, limited to the other community's schedule.
    Probe(op("POST", "/api/v1/scheduler/fix-it"), control=200),
    Probe(op("POST", "/api/v1/scheduler/approve/token/generate"), control=409),  # E1 runs: not awaiting approval
    Probe(op("POST", "/api/v1/scheduler/approve/token/generate"), control=409,
          call=Call("POST", "/api/v1/scheduler/approve/token/generate", {"fixit_id": "{F}"})),  # a dry run
    Probe(op("POST", "/api/v1/scheduler/approve"), control=200),
    Probe(op("POST", SCHEDULE + "/backfill"), control=202),
    # Creating in one's own community, against the other community's workflow.
    Probe(op("POST", "/api/v1/schedules"), control=201),
    # Replacing one's own schedule, moving it onto the other community's workflow.
    Probe(op("PUT", SCHEDULE), ids={"S": "S2", "W": "W1"},
          call=Call("PUT", "/api/v1/schedules/{S}", {"workflow_id": "{W}", "schedule_config": FAR}),
          control=200, control_as=2, control_ids={"S": "S2", "W": "W2"}),
    Probe(op("PUT", SCHEDULE), control=200),
    Probe(op("PATCH", SCHEDULE), control=200),
    Probe(op("PUT", WORKFLOW), control=200),
    Probe(op("POST", SCHEDULE + "/pause"), control=200),
    Probe(op("POST", SCHEDULE + "/resume"), control=200),
    Probe(op("POST", SCHEDULE + "/snooze"), control=200),
    Probe(op("POST", SCHEDULE + "/run-now"), control=202),  # recorded as skipped: E1 still runs
    # The hub's forms: creating against the other community's workflow is the form's error, not a schedule.
    Probe(op("POST", "/hub/schedules/new"), "refused", control=303),
    Probe(op("POST", HUB_SCHEDULE + "/edit"), "refused", ids={"S": "S2", "W": "W1"}, control=303, control_as=2,
          control_ids={"S": "S2", "W": "W2"}),
    Probe(op("POST", HUB_SCHEDULE + "/edit"), control=303,
          call=Call("POST", "/hub/schedules/{S}/edit", form={**HUB_FAR, "cron_expression": "0 0 3 1 *"})),
    Probe(op("POST", HUB_SCHEDULE + "/pause"), control=303),
    Probe(op("POST", HUB_SCHEDULE + "/resume"), control=303),
    Probe(op("POST", HUB_SCHEDULE + "/snooze"), control=303),
    Probe(op("POST", HUB_SCHEDULE + "/run-now"), control=303),
    Probe(op("POST", HUB_SCHEDULE + "/cancel"), control=303),
    Probe(op("POST", HUB_SCHEDULE + "/delete"), control=303),
    Probe(op("POST", EXECUTION + "/cancel"), control=202),
    Probe(op("POST", HUB_RUN + "/cancel"), control=303),  # already cancelled by the control above: said so
    Probe(op("POST", SCHEDULE + "/cancel"), control=200),
    Probe(op("DELETE", SCHEDULE), control=200),
    Probe(op("DELETE", TARGET), control=200),
    Probe(op("DELETE", CLIENT), control=200),
    Probe(op("DELETE", WORKFLOW), control=409),  # found; the schedule the POST control created still uses it
    Probe(op("POST", "/hub/sign-out"), "own"),  # ends community 2's own session only (last: probes need it)
]


def test_every_operation_has_a_tenancy_probe(settings) -> None:
    from app import create_app

    assert_covered((p.op for p in PROBES), create_app(settings), "test_tenancy.PROBES")


def _item_ids(probe: Probe, body: dict) -> set[str]:
    """The ids of a list answer's items (`/api/v1/schedules` -> schedule_id, ...)."""
    kind = probe.op[1].rstrip("/").rsplit("/", 1)[-1]  # schedules | workflows | executions | notification-targets
    field = probe.id_field or ("target_id" if kind == "notification-targets" else kind[:-1] + "_id")
    return {str(item[field]) for item in body["items"]}


class Credentials:
    """Each community's token and hub session, holding every scope; `renew` starts new sessions (the last probe
    signs community 2 out)."""

    def __init__(self, token, chime) -> None:
        self.token, self.chime, self.sessions = token, chime, {}

    async def renew(self) -> None:
        self.sessions = {c: await hub_session_headers(self.chime, c, SCOPES) for c in (1, 2)}

    def __call__(self, community: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(community, ' '.join(SCOPES))}", **self.sessions[community]}


@pytest.fixture
async def headers_of(token, chime) -> Credentials:
    credentials = Credentials(token, chime)
    await credentials.renew()
    return credentials


async def _world(client, chime, headers_of) -> dict[str, str]:
    one, two = headers_of(1), headers_of(2)
    ids = {"W1": await make_workflow(client, one, delay_workflow(60)), "W2": await make_workflow(client, two)}
    ids["S1"] = (await make_schedule(client, one, ids["W1"], FAR))["schedule_id"]
    ids["S2"] = (await make_schedule(client, two, ids["W2"], FAR))["schedule_id"]
    ids["S3"] = (await make_schedule(client, one, ids["W1"], FAR_TOO))["schedule_id"]  # the hub cancels, deletes it
    for n, h in (("1", one), ("2", two)):
        resp = await client.post("/api/v1/notification-targets", headers=h, json=CHAT_TARGET)
        assert resp.status_code == 201, await resp.get_json()
        ids["T" + n] = (await resp.get_json())["target_id"]
    for n, h in (("1", one), ("2", two)):
        resp = await client.post("/api/v1/clients", headers=h, json={"name": f"bot {n}", "scopes": ["admin"]})
        assert resp.status_code == 201, await resp.get_json()
        ids["C" + n] = (await resp.get_json())["client_id"]
        resp = await client.post("/api/v1/events", headers=h, json={"type": "table.world", "event_id": ids["W" + n]})
        assert resp.status_code == 202, await resp.get_json()
    # Answers the probes' "table.ping" events; an empty workflow, so its runs (there must be none) end at once.
    await make_schedule(client, one, await make_workflow(client, one),
                        {"schedule_type": "event", "event_type": "table.*"})
    for n, h in (("1", one), ("2", two)):
        resp = await client.post("/api/v1/scheduler/fix-it", headers=h, json={"mode": "greedy", "dry_run": True})
        assert resp.status_code == 200, await resp.get_json()
        ids["F" + n] = (await resp.get_json())["execution_id"]
    gated = await make_workflow(client, one, requires_approval=True)
    gated_run = await (await client.post(
        f"/api/v1/schedules/{(await make_schedule(client, one, gated, FAR))['schedule_id']}/run-now",
        headers=one)).get_json()
    issued = await client.post("/api/v1/scheduler/approve/token/generate", headers=one,
                               json={"execution_ids": [gated_run["execution_id"]]})
    assert issued.status_code == 201, await issued.get_json()
    ids["K1"] = (await issued.get_json())["token"]
    ids["G1"] = gated_run["execution_id"]
    for n, h in (("1", one), ("2", two)):
        resp = await client.post(f"/api/v1/schedules/{ids['S' + n]}/run-now", headers=h)
        assert resp.status_code == 202, await resp.get_json()
        ids["E" + n] = (await resp.get_json())["execution_id"]

    async def settled() -> bool:
        # E1 runs (its 60 s delay) with its trigger step recorded, E2 (an empty workflow) is done: nothing moves.
        e1 = await chime.dal.fetchrow("SELECT status FROM workflow_executions WHERE execution_id = $1",
                                      uuid.UUID(ids["E1"]))
        steps = await chime.dal.fetchval("SELECT count(*) FROM execution_steps WHERE execution_id = $1",
                                         uuid.UUID(ids["E1"]))
        e2 = await chime.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1",
                                      uuid.UUID(ids["E2"]))
        return e1["status"] == "running" and steps == 1 and e2 == "completed"

    await wait_for(settled, timeout=15)
    return ids


async def test_other_community_cannot_see_or_touch_anything(app, client, chime, headers_of) -> None:
    world = await _world(client, chime, headers_of)
    community1_ids = {world[k] for k in ("S1", "W1", "E1", "S3", "T1", "F1", "C1", "G1")}
    for probe in PROBES:
        ids = {k: world[v] for k, v in probe.ids.items()}
        before = await snapshot(chime.dal, community=1 if probe.expect == "own" else None)
        status, body = await probe.request.send(client, ids, headers_of(2))
        after = await snapshot(chime.dal, community=1 if probe.expect == "own" else None)
        assert before == after, f"{probe} changed rows it must not touch: {diff(before, after)}"
        if probe.expect == "404":
            assert status == 404 and body["code"].endswith("not_found"), (str(probe), status, body)
        elif probe.expect == "page":
            assert status == 200, (str(probe), status)
            named = {world[v] for v in probe.ids.values()} if probe.query else set()
            shown = {i for i in community1_ids - named if i in body["html"]}
            assert not shown, f"{probe} shows community 1's {shown}"
            assert all(world[name] in body["html"] for name in probe.own), str(probe)
        elif probe.expect == "refused":
            errors = re.findall(r"notice error.*?</div>", body["html"], re.S)
            assert status == 400 and "no such workflow in this community" in body["html"], (str(probe), status, errors)
        elif probe.expect == "list":
            assert status == 200, (str(probe), status, body)
            got = _item_ids(probe, body)
            assert not got & community1_ids, f"{probe} returned community 1's {got & community1_ids}"
            assert all(item["community_id"] == 2 for item in body["items"]), str(probe)
            assert {world[name] for name in probe.own} <= got, (str(probe), got)
        else:
            assert 200 <= status < 400, (str(probe), status, body)
            assert (body or {}).get("community_id", 2) == 2, (str(probe), body)

    # Controls: the same calls by the owner succeed, so each 404 above was the community filter at work.
    await headers_of.renew()
    for probe in PROBES:
        if probe.expect == "own":
            continue
        ids = {k: world[v] for k, v in (probe.control_ids or probe.ids).items()}
        status, body = await probe.request.send(client, ids, headers_of(probe.control_as))
        if probe.expect == "page":
            assert status == 200 and any(i in body["html"] for i in community1_ids), f"control of {probe}"
        elif probe.expect == "list":
            got = _item_ids(probe, body)
            mine = community1_ids & got
            assert status == 200 and mine, f"control of {probe}: the owner should see its rows, got {got}"
        else:
            assert status == probe.control, f"control of {probe}: {status} {body}"
