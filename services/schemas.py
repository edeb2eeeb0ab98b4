"""Request and response bodies (pydantic); the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ScheduleType = Literal["cron", "interval", "one_time", "rrule"]
OverlapPolicy = Literal["skip", "allow", "buffer_one", "cancel_other"]
ScheduleStatus = Literal["active", "paused", "completed", "cancelled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Bounds: every integer fits its column (int4), and the ones with a meaning get a sane maximum.
INT4_MAX = 2_147_483_647
MAX_JITTER_SECONDS = 7 * 86400          # a week of deterministic delay is already far past any real use
MAX_GRACE_SECONDS = 366 * 86400         # a catch-up window of a year
MAX_CRON_LENGTH = 200
MAX_RRULE_LENGTH = 2000
MAX_TIMEZONE_LENGTH = 64                # the longest IANA name is 32 characters

CronExpression = Annotated[str, Field(min_length=1, max_length=MAX_CRON_LENGTH)]
IntervalSeconds = Annotated[int, Field(ge=1, le=INT4_MAX)]
RRuleText = Annotated[str, Field(min_length=1, max_length=MAX_RRULE_LENGTH)]
TimezoneName = Annotated[str, Field(min_length=1, max_length=MAX_TIMEZONE_LENGTH)]
MaxExecutions = Annotated[int, Field(ge=1, le=INT4_MAX)]
JitterSeconds = Annotated[int, Field(ge=0, le=MAX_JITTER_SECONDS)]
GraceSeconds = Annotated[int, Field(ge=0, le=MAX_GRACE_SECONDS)]


class ScheduleConfig(Strict):
    schedule_type: ScheduleType
    cron_expression: CronExpression | None = None
    interval_seconds: IntervalSeconds | None = None
    scheduled_time: AwareDatetime | None = None
    rrule: RRuleText | None = None
    timezone: TimezoneName = "UTC"
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    max_executions: MaxExecutions | None = None
    jitter_seconds: JitterSeconds = 0
    grace_period_seconds: GraceSeconds = 900
    overlap_policy: OverlapPolicy = "skip"


class ScheduleConfigPatch(Strict):
    schedule_type: ScheduleType | None = None
    cron_expression: CronExpression | None = None
    interval_seconds: IntervalSeconds | None = None
    scheduled_time: AwareDatetime | None = None
    rrule: RRuleText | None = None
    timezone: TimezoneName | None = None
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    max_executions: MaxExecutions | None = None
    jitter_seconds: JitterSeconds | None = None
    grace_period_seconds: GraceSeconds | None = None
    overlap_policy: OverlapPolicy | None = None


class ScheduleCreate(Strict):
    workflow_id: UUID
    name: str | None = Field(None, max_length=200)
    schedule_config: ScheduleConfig
    context_data: dict[str, Any] | None = None


class ScheduleReplace(Strict):
    workflow_id: UUID | None = None
    name: str | None = Field(None, max_length=200)
    schedule_config: ScheduleConfig
    context_data: dict[str, Any] | None = None


class SchedulePatch(Strict):
    name: str | None = Field(None, max_length=200)
    schedule_config: ScheduleConfigPatch | None = None
    context_data: dict[str, Any] | None = None


class ScheduleOut(BaseModel):
    schedule_id: UUID
    workflow_id: UUID
    community_id: int
    name: str | None
    schedule_type: ScheduleType
    cron_expression: str | None
    interval_seconds: int | None
    scheduled_time: datetime | None
    rrule: str | None
    timezone: str
    start_at: datetime | None
    end_at: datetime | None
    is_active: bool
    status: ScheduleStatus
    paused_note: str | None
    paused_by: str | None
    paused_at: datetime | None
    snoozed_until: datetime | None
    next_execution_at: datetime | None
    last_execution_at: datetime | None
    last_execution_id: UUID | None
    last_status: str | None
    max_executions: int | None
    execution_count: int
    jitter_seconds: int
    grace_period_seconds: int
    overlap_policy: OverlapPolicy
    context_data: dict[str, Any]
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    description: str


class ScheduleList(BaseModel):
    items: list[ScheduleOut]
    next_cursor: str | None


class ScheduleListQuery(Strict):
    workflow_id: UUID | None = None
    status: ScheduleStatus | None = None
    schedule_type: ScheduleType | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class WorkflowSchedules(BaseModel):
    workflow_id: UUID
    schedules: list[ScheduleOut]
    count: int


class Removed(BaseModel):
    status: Literal["removed"]
    schedule_id: UUID


class PreviewRequest(Strict):
    schedule_config: ScheduleConfig
    after: AwareDatetime | None = None
    count: int = Field(10, ge=1, le=100)


class NextRunsQuery(Strict):
    count: int = Field(10, ge=1, le=100)
    after: AwareDatetime | None = None


class FireInstant(BaseModel):
    utc: datetime
    local: datetime


class PreviewOut(BaseModel):
    next_runs: list[FireInstant]
    description: str


class RetryConfig(Strict):
    max_retries: int = Field(0, ge=0, le=10)
    backoff: Literal["exponential_jitter", "fixed"] = "exponential_jitter"
    base_seconds: float = Field(1.0, gt=0, le=86400)
    max_seconds: float = Field(300.0, gt=0, le=7 * 86400)


class WorkflowIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    definition: dict[str, Any] = Field(default_factory=dict)
    status: Literal["active", "inactive", "archived"] = "active"
    retry_config: RetryConfig | None = None
    # Signs outbound calls (X-Chime-Signature); write-only, never returned.
    hmac_secret: str | None = Field(None, min_length=16, max_length=256)


class DefinitionCheck(Strict):
    definition: dict[str, Any] | None = None


class DefinitionVerdict(BaseModel):
    valid: bool
    problems: list[dict[str, Any]]


class ExecuteIn(Strict):
    context_data: dict[str, Any] | None = None
    dry_run: bool = False


class ExecuteOut(BaseModel):
    execution_id: UUID
    workflow_id: UUID
    status: str
    dry_run: bool


class WorkflowOut(BaseModel):
    workflow_id: UUID
    community_id: int
    name: str
    description: str
    definition: dict[str, Any]
    status: str
    retry_config: RetryConfig | None = None
    has_hmac_secret: bool = False
    created_by: str | None
    updated_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class WorkflowList(BaseModel):
    items: list[WorkflowOut]
    next_cursor: str | None


class PageQuery(Strict):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str


class ErrorOut(BaseModel):
    error: str
    code: str
    details: list[ErrorDetail] | None = None
    request_id: str | None


class Health(BaseModel):
    status: str
    module: str
    version: str
    scheduler_running: bool
    active_schedules: int | None
    uptime_seconds: float
    database_latency_ms: float | None
    instance_id: str


class Probe(BaseModel):
    status: str
    reasons: list[str] = Field(default_factory=list)


ExecutionStatus = Literal["pending", "running", "completed", "failed", "timeout", "cancelled", "skipped", "missed",
                          "abandoned"]
Trigger = Literal["schedule", "catchup", "manual", "retry"]


class StepOut(BaseModel):
    sequence: int
    node_id: str
    node_type: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    input: Any = None
    output: Any = None
    error: str | None


class ExecutionOut(BaseModel):
    execution_id: UUID
    schedule_id: UUID | None
    workflow_id: UUID
    community_id: int
    scheduled_for: datetime | None
    fired_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    status: ExecutionStatus
    trigger: Trigger
    attempt: int
    parent_execution_id: UUID | None
    error: str | None
    error_code: str | None
    error_node_id: str | None
    output: Any = None
    instance_id: str | None
    cancel_requested: bool
    dry_run: bool = False
    created_at: datetime
    steps: list[StepOut] | None = None


class ExecutionList(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None


class ExecutionListQuery(Strict):
    schedule_id: UUID | None = None
    workflow_id: UUID | None = None
    status: ExecutionStatus | None = None
    trigger: Trigger | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = None


class PauseIn(Strict):
    note: str | None = Field(None, max_length=1000)


class SnoozeIn(Strict):
    until: AwareDatetime | None = None
    seconds: int | None = Field(None, ge=1, le=366 * 86400)


class RunNowIn(Strict):
    force: bool = False


class RunNowOut(BaseModel):
    execution_id: UUID
    status: ExecutionStatus
    schedule_id: UUID
