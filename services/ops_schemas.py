"""Request and response bodies of the operations endpoints: fix-it, approvals, the audit trail and backfill.

Kept apart from services/schemas.py (the core API) and built from its strict input types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from services.schemas import BodyInt, ExecutionStatus, InputModel, QueryInt, Timestamp, Uuid

FixitMode = Literal["greedy", "conservative", "balanced"]
FixitStatus = Literal["completed", "running", "dry_run", "awaiting_approval", "denied", "expired"]


class FixitIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"mode": "conservative", "max_retries": 3, "auto_approve": False, "dry_run": True, "window": "24h"}]})

    mode: FixitMode
    max_retries: BodyInt = Field(3, ge=0, le=10)
    auto_approve: StrictBool = False
    dry_run: StrictBool = False
    # A number and a unit (s, m, h, d), at most 30d.
    window: str = Field("24h", pattern=r"^[1-9][0-9]{0,6}[smhd]$", max_length=8)
    schedule_ids: list[Uuid] | None = Field(None, min_length=1, max_length=100)
    limit: BodyInt = Field(100, ge=1, le=1000)


class FixitTaskOut(BaseModel):
    execution_id: UUID
    schedule_id: UUID | None
    workflow_id: UUID
    decision: Literal["retry", "skip"]
    reason: str
    retry_execution_id: UUID | None = None
    run_after: datetime | None = None
    retry_status: ExecutionStatus | None = None


class FixitOut(BaseModel):
    status: FixitStatus
    execution_id: UUID = Field(description="the fix-it's id")
    mode: FixitMode
    tasks_fixed: int
    tasks_retried: int = Field(description="retries created (planned, for dry_run and awaiting_approval)")
    tasks_skipped: int
    tasks_failed: int
    affected_tasks: list[FixitTaskOut]
    estimated_completion: datetime | None
    initiated_by: str
    initiated_at: datetime
    completed_at: datetime | None
    message: str
    warnings: list[str]
    approved_by: str | None = None
    max_retries: int
    window: str
    dry_run: bool
    auto_approve: bool
    approval_token: str | None = Field(None, description="only in the answer that created an awaiting fix-it")
    approval_expires_at: datetime | None = None


class TokenGenerateIn(InputModel):
    # Exactly one of the two (400 invalid_approval_request otherwise), said in the schema too.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"execution_ids": ["3f2b8c1e-6d4a-4e7b-9a1c-2b5d8e0f7a61"]}],
        "oneOf": [{"required": ["execution_ids"], "properties": {"fixit_id": {"type": "null"}}},
                  {"required": ["fixit_id"], "properties": {"execution_ids": {"type": "null"}}}],
    })

    execution_ids: list[Uuid] | None = Field(None, min_length=1, max_length=100)
    fixit_id: Uuid | None = None


class ApprovalTokenOut(BaseModel):
    token: str = Field(description="shown once; only its SHA-256 is stored")
    expires_at: datetime
    execution_ids: list[UUID]
    fixit_id: UUID | None
    approval_id: UUID


class ApproveIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"token": "q3Yx9xW0m6o0QzY1k7Yd1w3Vt5b2s8n4c6a0e2g4i6k", "action": "approve", "notes": "ok"}]})

    token: str = Field(min_length=1, max_length=200)
    action: Literal["approve", "deny"]
    execution_id: Uuid | None = None
    notes: str | None = Field(None, max_length=1000)


class TaskDetail(BaseModel):
    execution_id: UUID
    result: Literal["approved", "denied", "skipped"]
    status: ExecutionStatus | None
    reason: str | None = None
    retry_execution_id: UUID | None = None


class ApproveOut(BaseModel):
    status: Literal["approved", "denied"]
    action: Literal["approve", "deny"]
    approved_tasks: list[UUID]
    denied_tasks: list[UUID]
    task_details: list[TaskDetail]
    approved_by: str
    approved_at: datetime
    message: str
    warnings: list[str]
    fixit_id: UUID | None = None


class AuditQuery(InputModel):
    actor: str | None = Field(None, max_length=200)
    action: str | None = Field(None, max_length=100)
    target_id: str | None = Field(None, max_length=200)
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("desc", description="desc (default): newest first; asc: oldest first")


class AuditEventOut(BaseModel):
    event_id: UUID
    at: datetime
    actor: str
    community_id: int
    action: str
    target_type: str
    target_id: str | None
    request_id: str | None
    changes: dict[str, list[Any]] = Field(description="field -> [before, after]; secrets as \"***\"")


class AuditList(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None


class BackfillIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z", "dry_run": True}]})

    start: Timestamp
    end: Timestamp = Field(description="exclusive; not after now")
    dry_run: StrictBool = False


class BackfillFire(BaseModel):
    scheduled_for: datetime
    execution_id: UUID | None
    status: Literal["created", "exists", "planned"]
    run_after: datetime | None


class BackfillOut(BaseModel):
    schedule_id: UUID
    dry_run: bool
    start: datetime
    end: datetime
    fires: list[BackfillFire]
    created: int
    existing: int
    planned: int
    truncated: bool = Field(description="more than 1,000 fires in the range: continue from next_start")
    next_start: datetime | None
    rate_per_second: float
    awaiting_approval: bool = Field(description="the workflow requires approval: the created runs await it")
    message: str
