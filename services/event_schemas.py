"""Request and response bodies of the events endpoints (POST/GET /api/v1/events), built from the strict input
types of services/schemas.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.schemas import EventTypeName, ExecutionStatus, InputModel, QueryInt, Timestamp

MAX_BATCH = 100
# Client-chosen delivery keys: visible ASCII, so they print and compare byte for byte.
EVENT_ID_PATTERN = r"^[!-~]{1,200}$"


class EventIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"type": "member.joined", "payload": {"member": {"id": 42, "name": "Ada"}}, "event_id": "evt-2030-0001",
         "occurred_at": "2030-01-01T09:00:00Z"}]})

    type: EventTypeName
    payload: dict[str, Any] = Field(default_factory=dict)
    # The delivery key: a retry with the same event_id starts nothing twice (a uuid is generated when absent).
    event_id: str | None = Field(None, min_length=1, max_length=200, pattern=EVENT_ID_PATTERN)
    occurred_at: Timestamp | None = None


class EventBatchIn(InputModel):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class EventExecution(BaseModel):
    execution_id: UUID
    schedule_id: UUID
    status: ExecutionStatus


class EventSkip(BaseModel):
    """A schedule whose type (and filter) matched but that started no run, and why; `execution_id` when the
    fire was recorded as a `skipped` execution (overlap policy, inactive workflow)."""

    schedule_id: UUID
    reason: str
    execution_id: UUID | None = None


class EventAccepted(BaseModel):
    event_id: str
    type: str
    occurred_at: datetime
    received_at: datetime
    # True when this event_id was delivered before: the first delivery's answer, nothing started again.
    duplicate: bool
    executions: list[EventExecution]
    skipped: list[EventSkip]


class EventBatchOut(BaseModel):
    items: list[EventAccepted]


class EventOut(BaseModel):
    event_id: str
    community_id: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    received_at: datetime
    executions: list[EventExecution]
    skipped: list[EventSkip]


class EventList(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class EventQuery(InputModel):
    type: EventTypeName | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
