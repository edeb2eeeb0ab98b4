"""Small helpers shared by the scheduler tests."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

EMPTY: dict = {}


def delay_workflow(seconds: float) -> dict[str, Any]:
    """A workflow whose run takes `seconds` (a real action_delay node)."""
    return {
        "nodes": [
            {"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
            {"node_id": "d", "type": "action_delay", "name": "wait", "config": {"seconds": seconds}},
        ],
        "connections": [{"from_node_id": "t", "to_node_id": "d"}],
    }


async def wait_for(check: Callable[[], Awaitable[Any]], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Polls `check` until it returns something truthy and returns that; fails the test with the last value otherwise.

    Use it for everything a test waits for. `timeout` is a generous ceiling (a loaded 2-core machine), not a
    latency assertion: lateness is measured in bench/, not here."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        await asyncio.sleep(interval)


async def holds_for(check: Callable[[], Awaitable[Any]], seconds: float, interval: float = 0.2) -> None:
    """Asserts that `check` stays truthy for a whole observation window of `seconds` (checked every `interval`).

    For what must NOT happen during a period (no fire while paused): the window is explicit, and the test fails
    at the first check that breaks, with its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        assert value, f"condition broke during the {seconds} s observation window (value: {value!r})"
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(interval)


async def make_workflow(client, headers, definition: dict | None = None, **extra) -> str:
    resp = await client.post("/api/v1/workflows", headers=headers,
                             json={"name": "wf", "definition": definition or {}, **extra})
    assert resp.status_code == 201, await resp.get_json()
    return (await resp.get_json())["workflow_id"]


async def make_schedule(client, headers, workflow_id: str, config: dict, **extra) -> dict:
    resp = await client.post("/api/v1/schedules", headers=headers,
                             json={"workflow_id": workflow_id, "schedule_config": config, **extra})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    return body


async def executions(dal, schedule_id: str) -> list:
    return await dal.fetch("SELECT * FROM workflow_executions WHERE schedule_id = $1 ORDER BY scheduled_for",
                           uuid.UUID(schedule_id))
