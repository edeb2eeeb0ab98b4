"""Failure notifications end to end: targets through the API, events from real failed runs, delivery to a real
local receiver (valid HMAC, once), retries after 500s, and no loss when the sending process is SIGKILLed."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from services import outbox
from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth
from services.scheduler.maintenance.outbox_pruner import OutboxPruner
from tests.conftest import DEFAULT_SCOPE, make_settings, reset_database
from tests.engine_helpers import LocalServer, Seen, chain, node
from tests.helpers import holds_for, wait_for

TARGETS = "/api/v1/notification-targets"
SECRET = "receiver-secret-0123456789"


class Receiver(LocalServer):
    """A real HTTP receiver: `/hook/<key>` answers 500 `failures[key]` times, then 200; while `hold` is set for a
    key, requests to it wait (a receiver that has not answered yet)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[str, int] = {}
        self.hold: dict[str, threading.Event] = {}

    def route(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, list[str]], seen: Seen) -> None:
        parts = path.strip("/").split("/")
        if parts[0] == "hook":
            key = parts[1]
            gate = self.hold.get(key)
            if gate is not None:
                gate.wait(60)
            with self.lock:
                n = self.counters[key] = self.counters.get(key, 0) + 1
            self._send(h, 500 if n <= self.failures.get(key, 0) else 200, {"n": n})
        else:
            super().route(h, path, q, seen)

    def hook(self, key: str) -> str:
        return f"{self.base}/hook/{key}"

    def hooked(self, key: str) -> list[Seen]:
        return self.seen(f"/hook/{key}")


def signature_ok(seen: Seen, secret: str = SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), seen.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, seen.headers.get("x-chime-signature", ""))


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def settings(database_url, receiver):
    return make_settings(database_url, NOTIFY_POLL_SECONDS="0.2", NOTIFY_RETRY_BASE_SECONDS="0.2",
                         NOTIFY_RETRY_MAX_SECONDS="0.4", NOTIFY_TIMEOUT_SECONDS="5", ROUTER_URL=receiver.base)


@pytest.fixture
def ops(auth):
    return auth(1, "ops:read ops:write " + DEFAULT_SCOPE)


def webhook(url: str, events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": "hook", "kind": "webhook", "url": url, "secret": SECRET,
            "events": ["execution.failed"] if events is None else events, **extra}


async def make_target(client, headers, body: dict) -> dict:
    resp = await client.post(TARGETS, headers=headers, json=body)
    assert resp.status_code == 201, await resp.get_json()
    return await resp.get_json()


async def fail_a_run(client, headers, receiver) -> str:
    """A real run that fails (its webhook node gets a 500): the writer records execution.failed in the outbox."""
    definition = chain(node("call", "action_webhook", url=f"{receiver.base}/status/500", method="POST"))
    wf = await client.post("/api/v1/workflows", headers=headers, json={"name": "failing", "definition": definition})
    run = await client.post(f"/api/v1/workflows/{(await wf.get_json())['workflow_id']}/execute", headers=headers)
    assert run.status_code == 202, await run.get_json()
    return (await run.get_json())["execution_id"]


async def deliveries(client, headers, target_id: str, **query: str) -> list[dict]:
    resp = await client.get(f"{TARGETS}/{target_id}/deliveries", headers=headers, query_string=query)
    assert resp.status_code == 200, await resp.get_json()
    return (await resp.get_json())["items"]


# --- targets ---------------------------------------------------------------------------------------------------

async def test_target_crud_keeps_the_secret_write_only(client, ops, receiver) -> None:
    created = await make_target(client, ops, webhook(receiver.hook("crud")))
    assert created["has_secret"] is True and "secret" not in created and created["version"] == 1
    tid = created["target_id"]
    got = await (await client.get(f"{TARGETS}/{tid}", headers=ops)).get_json()
    assert got == created
    listed = await (await client.get(TARGETS, headers=ops)).get_json()
    assert [t["target_id"] for t in listed["items"]] == [tid]

    body = webhook(receiver.hook("crud2"), ["execution.failed", "execution.timeout"], name="renamed")
    del body["secret"]  # keeps the stored one
    resp = await client.put(f"{TARGETS}/{tid}", headers={**ops, "If-Match": '"1"'}, json=body)
    updated = await resp.get_json()
    assert resp.status_code == 200 and resp.headers["ETag"] == '"2"', updated
    assert updated["has_secret"] and updated["name"] == "renamed" and updated["events"] == body["events"]
    assert (await client.put(f"{TARGETS}/{tid}", headers={**ops, "If-Match": '"1"'}, json=body)).status_code == 412
    assert (await client.delete(f"{TARGETS}/{tid}", headers={**ops, "If-Match": '"1"'})).status_code == 412
    assert (await client.delete(f"{TARGETS}/{tid}", headers=ops)).status_code == 200
    assert (await client.get(f"{TARGETS}/{tid}", headers=ops)).status_code == 404


@pytest.mark.parametrize(("body", "field", "code"), [
    ({**webhook("https://example.com/x"), "secret": None}, "secret", "missing_field"),
    (webhook("http://10.1.2.3/hook"), "url", "ssrf_refused"),
    (webhook("http://169.254.169.254/latest"), "url", "ssrf_refused"),
    (webhook("ftp://example.com/x"), "url", None),
    (webhook("https://example.com/x", entity_id="e"), "entity_id", "invalid_target"),
    ({"name": "c", "kind": "chat", "events": ["execution.failed"]}, "entity_id", "missing_field"),
    ({"name": "c", "kind": "chat", "entity_id": "e", "url": "https://example.com", "events": ["execution.failed"]},
     "url", "invalid_target"),
    (webhook("https://example.com/x", ["execution.failed", "execution.failed"]), "events", None),
    (webhook("https://example.com/x", []), "events", None),
    (webhook("https://example.com/x", ["execution.exploded"]), "events", None),
    ({**webhook("https://example.com/x"), "secret": "short"}, "secret", None),
])
async def test_bad_targets_are_400_and_write_nothing(client, chime, ops, body, field, code) -> None:
    resp = await client.post(TARGETS, headers=ops, json=body)
    err = await resp.get_json()
    assert resp.status_code == 400, err
    assert field in err["error"] and (code is None or err["code"] == code), err
    assert await chime.dal.fetchval("SELECT count(*) FROM notification_targets") == 0


# --- delivery ---------------------------------------------------------------------------------------------------

async def test_a_failed_run_is_delivered_once_with_a_valid_signature(client, chime, ops, receiver) -> None:
    target = await make_target(client, ops, webhook(receiver.hook("once")))
    other = await make_target(client, ops, webhook(receiver.hook("other"), ["schedule.auto_paused"]))
    off = await make_target(client, ops, webhook(receiver.hook("off"), enabled=False))
    execution_id = await fail_a_run(client, ops, receiver)

    got = await wait_for(lambda: _async(receiver.hooked("once")), timeout=15)
    seen = got[0]
    body = seen.json()
    event = await chime.dal.fetchrow("SELECT * FROM event_outbox WHERE kind = 'execution.failed'")
    assert signature_ok(seen)
    assert seen.headers["x-chime-event-id"] == body["event_id"] == str(event["event_id"])
    assert body["kind"] == "execution.failed" and body["community_id"] == 1
    assert body["payload"]["execution_id"] == execution_id and body["payload"]["status"] == "failed"

    async def logged() -> list[dict]:
        rows = await deliveries(client, ops, target["target_id"])
        return rows if rows and rows[0]["status"] == "delivered" else []

    log = (await wait_for(logged, timeout=10))[0]
    assert log["attempts"] == 1 and log["last_status"] == 200 and log["next_attempt_at"] is None
    assert log["event_id"] == body["event_id"] and log["payload"]["execution_id"] == execution_id

    # Once: no second request for it, and none for targets that did not ask for this kind or are disabled.
    await holds_for(lambda: _async(len(receiver.hooked("once")) == 1), seconds=2)
    assert receiver.hooked("other") == [] and receiver.hooked("off") == []
    assert await deliveries(client, ops, other["target_id"]) == []
    assert await deliveries(client, ops, off["target_id"]) == []


async def test_retried_after_the_receiver_answers_500(client, ops, receiver) -> None:
    receiver.failures["flaky"] = 2
    target = await make_target(client, ops, webhook(receiver.hook("flaky")))
    await fail_a_run(client, ops, receiver)

    async def delivered() -> list[dict]:
        return await deliveries(client, ops, target["target_id"], status="delivered")

    log = (await wait_for(delivered, timeout=20))[0]
    assert log["attempts"] == 3 and log["last_status"] == 200 and log["last_error"] is None
    seen = receiver.hooked("flaky")
    assert len(seen) == 3
    # Every attempt is the same event, the same signed body; attempts are numbered.
    assert len({s.body for s in seen}) == 1 and all(signature_ok(s) for s in seen)
    assert len({s.headers["x-chime-event-id"] for s in seen}) == 1
    assert [s.headers["x-chime-delivery-attempt"] for s in seen] == ["1", "2", "3"]


async def test_gives_up_after_max_attempts(app, client, chime, ops, receiver) -> None:
    receiver.failures["dead"] = 1000
    target = await make_target(client, ops, webhook(receiver.hook("dead")))
    await fail_a_run(client, ops, receiver)

    async def failed() -> list[dict]:
        return await deliveries(client, ops, target["target_id"], status="failed")

    log = (await wait_for(failed, timeout=30))[0]
    assert log["attempts"] == chime.settings.notify_max_attempts
    assert log["last_status"] == 500 and "HTTP 500" in log["last_error"]
    assert len(receiver.hooked("dead")) == chime.settings.notify_max_attempts


async def test_chat_target_goes_through_the_router(client, ops, receiver) -> None:
    target = await make_target(client, ops, {"name": "room", "kind": "chat", "entity_id": "ops-room",
                                             "platform": "discord", "events": ["execution.failed"]})
    execution_id = await fail_a_run(client, ops, receiver)

    async def sent() -> list[Seen]:
        return [s for s in receiver.seen("/api/v1/send-message") if s.json().get("entity_id") == "ops-room"]

    seen = (await wait_for(sent, timeout=15))[0]
    message = seen.json()
    assert message["platform"] == "discord" and "execution.failed" in message["message"]
    assert execution_id in message["message"]
    assert message["metadata"]["event_id"] == seen.headers["x-chime-event-id"]
    rows = await wait_for(lambda: deliveries(client, ops, target["target_id"], status="delivered"), timeout=10)
    assert rows[0]["attempts"] == 1


async def test_outbox_and_log_are_pruned_after_retention(client, chime, ops, receiver) -> None:
    target = await make_target(client, ops, webhook(receiver.hook("prune")))
    await fail_a_run(client, ops, receiver)
    await wait_for(lambda: deliveries(client, ops, target["target_id"], status="delivered"), timeout=15)
    now = await chime.dal.fetchval("SELECT now()")
    kept = OutboxPruner(chime.dal, 7, DatabaseHealth(), clock=lambda: now + timedelta(days=6))
    await kept.run_once()
    assert await chime.dal.fetchval("SELECT count(*) FROM notification_deliveries") == 1
    pruner = OutboxPruner(chime.dal, 7, DatabaseHealth(), clock=lambda: now + timedelta(days=8))
    await pruner.run_once()
    assert await chime.dal.fetchval("SELECT count(*) FROM notification_deliveries") == 0
    assert await chime.dal.fetchval("SELECT count(*) FROM event_outbox") == 0


async def test_events_with_unfinished_deliveries_are_not_pruned(chime, ops, client, receiver) -> None:
    receiver.failures["slow-prune"] = 1000
    target = await make_target(client, ops, webhook(receiver.hook("slow-prune")))
    await fail_a_run(client, ops, receiver)
    await wait_for(lambda: deliveries(client, ops, target["target_id"]), timeout=15)
    now = await chime.dal.fetchval("SELECT now()")
    await OutboxPruner(chime.dal, 1, DatabaseHealth(), clock=lambda: now + timedelta(days=30)).run_once()
    rows = await deliveries(client, ops, target["target_id"])
    assert rows and rows[0]["payload"] is not None  # its event is still there to send


async def _async(value: Any) -> Any:
    return value


# --- a process killed before its delivery got an answer ----------------------------------------------------------

@pytest.mark.timeout(120)
async def test_not_lost_when_the_sending_process_is_killed(make_database, spawn, receiver, token) -> None:
    dsn = await make_database()
    await reset_database(dsn)
    headers = {"Authorization": f"Bearer {token(1, 'ops:read ops:write')}"}
    env = {"NOTIFY_POLL_SECONDS": "0.2", "NOTIFY_TIMEOUT_SECONDS": "3", "NOTIFY_CLAIM_SECONDS": "4"}
    receiver.hold["killed"] = gate = threading.Event()
    first = await spawn.serve("first", dsn, **env)
    dal = AsyncDAL(dsn, min_size=1, max_size=2)
    await dal.connect()
    try:
        async with httpx.AsyncClient(base_url=first.url, timeout=10) as client:
            resp = await client.post(TARGETS, headers=headers, json=webhook(receiver.hook("killed")))
            assert resp.status_code == 201, resp.text
            target_id = resp.json()["target_id"]
        async with dal.transaction() as conn:  # the event, as the writer records it with a failed run
            await outbox.emit(conn, [(1, "execution.failed", {"execution_id": str(uuid.uuid4()), "status": "failed"})])
        # The first process claimed it and is sending: the receiver holds the request unanswered. Kill it now.
        await wait_for(lambda: _async(receiver.hooked("killed")), timeout=15)
        first.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        row = await dal.fetchrow("SELECT * FROM notification_deliveries WHERE target_id = $1", uuid.UUID(target_id))
        assert row["status"] == "sending" and row["attempts"] == 1
        gate.set()
        del receiver.hold["killed"]

        await spawn.serve("second", dsn, **env)

        async def delivered():
            return await dal.fetchrow("SELECT * FROM notification_deliveries WHERE target_id = $1 AND"
                                      " status = 'delivered'", uuid.UUID(target_id))

        row = await wait_for(delivered, timeout=30)
        assert row["attempts"] == 2 and row["last_status"] == 200
        seen = receiver.hooked("killed")
        # The unanswered first attempt and the second one: the same event id, so the receiver can drop a repeat.
        assert len(seen) == 2 and len({s.headers["x-chime-event-id"] for s in seen}) == 1
        assert all(signature_ok(s) for s in seen)
        assert json.loads(seen[1].body)["payload"]["status"] == "failed"
    finally:
        gate.set()
        await dal.close()
