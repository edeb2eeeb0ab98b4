"""Request and response bodies (pydantic); the OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool
from pydantic_core import PydanticCustomError

ScheduleType = Literal["cron", "interval", "one_time", "rrule", "event"]
OverlapPolicy = Literal["skip", "allow", "buffer_one", "cancel_other"]
ScheduleStatus = Literal["active", "paused", "completed", "cancelled"]


# --- Input types: exactly what the OpenAPI document says, no lax coercion ---------------------------------------
# pydantic's lax mode would take "60" or true for an integer, 0 for false, 1700000000 or "2030-01-01 09:00" for a
# date-time and a brace/URN/hyphen-less form for a uuid; a client reading the schema must not be able to rely
# on any of that, and a fuzzer rightly reports it as schema-violating input accepted.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_QUERY_INT = re.compile(r"-?[0-9]{1,19}")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):  # already parsed (a stored row being re-validated)
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2030-01-01T09:00:00Z")
    return value


# Date-times are accepted a day inside Python's range: the time computations convert to local zones (up to
# +-14 h) and step by microseconds, which overflow at the very edges (a year-1 or year-9999 instant).
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def _utc_representable(value: datetime) -> datetime:
    # 0001-01-01T00:00:00+05:00 and 9999-12-31T23:00:00-05:00 are valid RFC 3339 but have no UTC datetime at all.
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise PydanticCustomError("datetime_out_of_range",
                                  "must lie between 0001-01-02T00:00:00Z and 9999-12-31T00:00:00Z")
    return value


def _canonical_uuid(value: Any) -> Any:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValueError("must be a UUID in its canonical 8-4-4-4-12 form")
    return value


def _json_int(value: Any) -> Any:
    # JSON Schema's integer is a number with no fraction (45.0 included); strings and booleans are not numbers.
    if isinstance(value, (bool, str)):
        raise ValueError("must be an integer")
    return value


def _json_number(value: Any) -> Any:
    if isinstance(value, (bool, str)):
        raise ValueError("must be a number")
    return value


def _query_int(value: Any) -> Any:
    if isinstance(value, str) and not _QUERY_INT.fullmatch(value):
        raise ValueError("must be an integer")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_utc_representable)]
Uuid = Annotated[UUID, BeforeValidator(_canonical_uuid)]
BodyInt = Annotated[int, BeforeValidator(_json_int)]      # a JSON integer (60 or 60.0): not "60", not true
QueryInt = Annotated[int, BeforeValidator(_query_int)]    # query strings: ASCII digits only
Number = Annotated[float, BeforeValidator(_json_number)]  # a JSON number: not "1.5", not true


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Bounds: every integer fits its column (int4), and the ones with a meaning get a sane maximum.
INT4_MAX = 2_147_483_647
MAX_JITTER_SECONDS = 7 * 86400          # a week of deterministic delay is already far past any real use
MAX_GRACE_SECONDS = 366 * 86400         # a catch-up window of a year
MAX_CRON_LENGTH = 200
MAX_RRULE_LENGTH = 2000
MAX_TIMEZONE_LENGTH = 64                # the longest IANA name is 32 characters

CronExpression = Annotated[str, Field(min_length=1, max_length=MAX_CRON_LENGTH)]
IntervalSeconds = Annotated[int, Field(ge=1, le=INT4_MAX), BeforeValidator(_json_int)]
RRuleText = Annotated[str, Field(min_length=1, max_length=MAX_RRULE_LENGTH)]
TimezoneName = Annotated[str, Field(min_length=1, max_length=MAX_TIMEZONE_LENGTH)]
# (constraints before the validator: nested Annotated aliases would leak "ge"/"le" into the JSON schema)
MaxExecutions = Annotated[int, Field(ge=1, le=INT4_MAX), BeforeValidator(_json_int)]
JitterSeconds = Annotated[int, Field(ge=0, le=MAX_JITTER_SECONDS), BeforeValidator(_json_int)]
GraceSeconds = Annotated[int, Field(ge=0, le=MAX_GRACE_SECONDS), BeforeValidator(_json_int)]
# Event types are dotted names ("member.joined"); an event schedule may answer a prefix ending in '*'
# ("member.*", "member*", "*"). Bounded so the fan-out's prefix probe stays small.
MAX_EVENT_TYPE_LENGTH = 128
EVENT_TYPE_PATTERN = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
EVENT_TYPE_MATCH_PATTERN = r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.?\*)?)$"
EventTypeName = Annotated[str, Field(min_length=1, max_length=MAX_EVENT_TYPE_LENGTH, pattern=EVENT_TYPE_PATTERN)]
EventTypeMatch = Annotated[str, Field(min_length=1, max_length=MAX_EVENT_TYPE_LENGTH,
                                      pattern=EVENT_TYPE_MATCH_PATTERN)]


# Which timing field each schedule_type needs (services/timing/rules.py enforces it; the others must be absent).
TIMING_FIELDS = {"interval": "interval_seconds", "one_time": "scheduled_time", "cron": "cron_expression",
                 "rrule": "rrule", "event": "event_type"}


def _timing_variants(schema: dict[str, Any]) -> None:
    """Documents the per-type rule in the schema: one `oneOf` branch per schedule_type, requiring its own
    timing field and allowing none of the others, so clients (and fuzzers) see what is accepted."""
    props = schema["properties"]
    branches = []
    for kind, needed in TIMING_FIELDS.items():
        options = props[needed].get("anyOf", [props[needed]])
        branch_props: dict[str, Any] = {"schedule_type": {"const": kind}}
        branch_props[needed] = next(o for o in options if o.get("type") != "null")
        for other in TIMING_FIELDS.values():
            if other != needed:
                branch_props[other] = {"type": "null"}
        if kind != "event":
            branch_props["event_filter"] = {"type": "null"}  # a filter only applies to event schedules
        branches.append({"title": f"{kind} schedule", "properties": branch_props,
                         "required": ["schedule_type", needed]})
    schema["oneOf"] = branches


class ScheduleConfig(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_timing_variants)

    schedule_type: ScheduleType
    cron_expression: CronExpression | None = None
    interval_seconds: IntervalSeconds | None = None
    scheduled_time: Timestamp | None = None
    rrule: RRuleText | None = None
    timezone: TimezoneName = "UTC"
    start_at: Timestamp | None = None
    end_at: Timestamp | None = None
    max_executions: MaxExecutions | None = None
    jitter_seconds: JitterSeconds = 0
    grace_period_seconds: GraceSeconds = 900
    overlap_policy: OverlapPolicy = "skip"
    event_type: EventTypeMatch | None = None
    # A condition_if tree (services/engine/conditions.py) over ${event.*}; the event starts a run when it holds.
    event_filter: dict[str, Any] | None = None


class ScheduleConfigPatch(InputModel):
    schedule_type: ScheduleType | None = None
    cron_expression: CronExpression | None = None
    interval_seconds: IntervalSeconds | None = None
    scheduled_time: Timestamp | None = None
    rrule: RRuleText | None = None
    timezone: TimezoneName | None = None
    start_at: Timestamp | None = None
    end_at: Timestamp | None = None
    max_executions: MaxExecutions | None = None
    jitter_seconds: JitterSeconds | None = None
    grace_period_seconds: GraceSeconds | None = None
    overlap_policy: OverlapPolicy | None = None
    event_type: EventTypeMatch | None = None
    event_filter: dict[str, Any] | None = None


class ScheduleCreate(InputModel):
    # Exactly one of workflow_id (an existing workflow) or workflow (created with the schedule, in one
    # transaction); the service answers 400 invalid_workflow_choice otherwise, and the schema says so.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{
            "workflow_id": "3f2b8c1e-6d4a-4e7b-9a1c-2b5d8e0f7a61", "name": "standup",
            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 9 * * 1-5",
                                "timezone": "Europe/Berlin"},
            "context_data": {"channel": "general"}}, {
            "workflow": {"name": "welcome", "definition": {}}, "name": "welcome at nine",
            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 9 * * *"}}],
        "oneOf": [{"title": "existing workflow", "required": ["workflow_id"],
                   "properties": {"workflow": {"type": "null"}}},
                  {"title": "inline workflow", "required": ["workflow"],
                   "properties": {"workflow_id": {"type": "null"}}}],
    })

    workflow_id: Uuid | None = None
    workflow: WorkflowIn | None = None
    name: str | None = Field(None, max_length=200)
    schedule_config: ScheduleConfig
    context_data: dict[str, Any] | None = None


class ScheduleReplace(InputModel):
    workflow_id: Uuid | None = None
    name: str | None = Field(None, max_length=200)
    schedule_config: ScheduleConfig
    context_data: dict[str, Any] | None = None


class SchedulePatch(InputModel):
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
    event_type: str | None = None
    event_filter: dict[str, Any] | None = None
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


class ScheduleListQuery(InputModel):
    workflow_id: Uuid | None = None
    status: ScheduleStatus | None = None
    schedule_type: ScheduleType | None = None
    created_by: str | None = Field(None, min_length=1, max_length=200, description="exactly this creator")
    name: str | None = Field(None, min_length=1, max_length=200, description="names starting with this text")
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="asc: oldest first; desc: newest first")


class WorkflowSchedules(BaseModel):
    workflow_id: UUID
    schedules: list[ScheduleOut]
    count: int


class Removed(BaseModel):
    status: Literal["removed"]
    schedule_id: UUID


class WorkflowRemoved(BaseModel):
    status: Literal["removed"]
    workflow_id: UUID


class PreviewRequest(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "schedule_config": {"schedule_type": "interval", "interval_seconds": 3600}, "count": 3}]})

    schedule_config: ScheduleConfig
    after: Timestamp | None = None
    count: BodyInt = Field(10, ge=1, le=100)


class NextRunsQuery(InputModel):
    count: QueryInt = Field(10, ge=1, le=100)
    after: Timestamp | None = None


class FireInstant(BaseModel):
    utc: datetime
    local: datetime


class PreviewOut(BaseModel):
    next_runs: list[FireInstant]
    description: str


class RetryConfig(InputModel):
    max_retries: BodyInt = Field(0, ge=0, le=10)
    backoff: Literal["exponential_jitter", "fixed"] = "exponential_jitter"
    base_seconds: Number = Field(1.0, gt=0, le=86400)
    max_seconds: Number = Field(300.0, gt=0, le=7 * 86400)


class WorkflowIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "standup reminder", "description": "posts at 9", "definition": {}}]})

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    definition: dict[str, Any] = Field(default_factory=dict)
    status: Literal["active", "inactive", "archived"] = "active"
    retry_config: RetryConfig | None = None
    # Signs outbound calls (X-Chime-Signature); write-only, never returned.
    hmac_secret: str | None = Field(None, min_length=16, max_length=256)
    # Each run waits (awaiting_approval) until approved through POST /api/v1/scheduler/approve.
    requires_approval: StrictBool = False


class DefinitionCheck(InputModel):
    definition: dict[str, Any] | None = None


class DefinitionVerdict(BaseModel):
    valid: bool
    problems: list[dict[str, Any]]


class ExecuteIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"context_data": {"who": "ops"}, "dry_run": True}]})

    context_data: dict[str, Any] | None = None
    dry_run: StrictBool = False
    mock_outputs: dict[str, Any] | None = Field(None, max_length=1000, description=(
        "dry runs only: node_id -> the output a sending node (action_webhook, action_module, "
        "action_chat_message) stands in with, e.g. {\"post\": {\"status\": 201, \"body\": {\"id\": 7}}}"))


class ExecuteOut(BaseModel):
    execution_id: UUID
    workflow_id: UUID
    status: str
    dry_run: bool
    dry_run_warnings: list[str] = Field(default_factory=list, description=(
        "template paths into the response of a sending node without a mock: in a dry run each renders as "
        "`<dry-run: path>`"))


class WorkflowOut(BaseModel):
    workflow_id: UUID
    community_id: int
    name: str
    description: str
    definition: dict[str, Any]
    status: str
    retry_config: RetryConfig | None = None
    has_hmac_secret: bool = False
    requires_approval: bool = False
    created_by: str | None
    updated_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class NodeTypeOut(BaseModel):
    type: str
    description: str
    ports: list[str] = Field(description="output ports a connection may leave from (`from_port`)")
    config_schema: dict[str, Any] = Field(description="JSON Schema (2020-12) of the node's `config`")
    example: dict[str, Any] = Field(description="a valid `config`")


class NodeTypeList(BaseModel):
    items: list[NodeTypeOut]


class WorkflowList(BaseModel):
    items: list[WorkflowOut]
    next_cursor: str | None


class PageQuery(InputModel):
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="asc: oldest first; desc: newest first")


class WorkflowListQuery(PageQuery):
    created_by: str | None = Field(None, min_length=1, max_length=200, description="exactly this creator")
    name: str | None = Field(None, min_length=1, max_length=200, description="names starting with this text")


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
    role: str
    queue_depth: int = Field(description="runs waiting for a free MAX_CONCURRENT_WORKFLOWS slot")
    oldest_wait_ms: float = Field(description="how long the oldest of them has waited")
    running: int
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
                          "abandoned", "awaiting_approval", "expired"]
Trigger = Literal["schedule", "catchup", "manual", "retry", "backfill", "event"]


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
    schedule_name: str | None = None
    workflow_name: str | None = None
    steps: list[StepOut] | None = None


class ExecutionList(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None


class ScheduleExecutionsQuery(InputModel):
    """GET /schedules/{schedule_id}/executions: the schedule comes from the path."""

    workflow_id: Uuid | None = None
    status: ExecutionStatus | None = None
    trigger: Trigger | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="asc: oldest first; desc: newest first")


class ExecutionListQuery(InputModel):
    schedule_id: Uuid | None = None
    workflow_id: Uuid | None = None
    status: ExecutionStatus | None = None
    trigger: Trigger | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="asc: oldest first; desc: newest first")


class PauseIn(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "holiday"}]})

    note: str | None = Field(None, max_length=1000)


class SnoozeIn(InputModel):
    # Exactly one of the two (the handler answers 400 invalid_snooze otherwise), said in the schema too.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"seconds": 3600}],
        "oneOf": [{"required": ["until"], "properties": {"until": {"type": "string"}, "seconds": {"type": "null"}}},
                  {"required": ["seconds"], "properties": {"seconds": {"type": "integer"}, "until": {"type": "null"}}}],
    })

    until: Timestamp | None = None
    seconds: Annotated[int, Field(ge=1, le=366 * 86400), BeforeValidator(_json_int)] | None = None


class RunNowIn(InputModel):
    force: StrictBool = False


class RunNowOut(BaseModel):
    execution_id: UUID
    status: ExecutionStatus
    schedule_id: UUID


# --- Notification targets ----------------------------------------------------------------------------------------

EventKind = Literal["execution.failed", "execution.timeout", "execution.missed", "execution.abandoned",
                    "schedule.auto_paused", "approval.requested", "fixit.completed"]
TargetKind = Literal["webhook", "chat"]
DeliveryStatus = Literal["pending", "sending", "delivered", "failed", "cancelled"]
WEBHOOK_URL_PATTERN = r"^https?://[^\s]+$"
CHAT_FIELDS = ("entity_id", "platform", "channel")


def _unique_kinds(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat an event kind")
    return value


def _target_variants(secret_required: bool, examples: list[dict[str, Any]] | None = None) -> Any:
    """One `oneOf` branch per kind, so the document says which fields each kind takes (the API enforces it)."""

    def extra(schema: dict[str, Any]) -> None:
        props = schema["properties"]

        def field(name: str) -> dict[str, Any]:
            return next(o for o in props[name].get("anyOf", [props[name]]) if o.get("type") != "null")

        webhook = {"kind": {"const": "webhook"}, "url": field("url"), "secret": field("secret"),
                   **{f: {"type": "null"} for f in CHAT_FIELDS}}
        chat = {"kind": {"const": "chat"}, "entity_id": field("entity_id"), "url": {"type": "null"},
                "secret": {"type": "null"}}
        schema["oneOf"] = [
            {"title": "webhook target", "properties": webhook,
             "required": ["kind", "url", "secret"] if secret_required else ["kind", "url"]},
            {"title": "chat target", "properties": chat, "required": ["kind", "entity_id"]},
        ]
        if examples:
            schema["examples"] = examples

    return extra


class _TargetBody(InputModel):
    name: str = Field(min_length=1, max_length=200)
    kind: TargetKind
    # webhook: where events are POSTed, signed with `secret` (X-Chime-Signature: sha256=<hex> of the body)
    url: str | None = Field(None, max_length=2000, pattern=WEBHOOK_URL_PATTERN)
    # write-only, never returned (`has_secret` says whether one is stored)
    secret: str | None = Field(None, min_length=16, max_length=256)
    # chat: the router's send-message recipient, as the action_chat_message node takes it
    entity_id: str | None = Field(None, min_length=1, max_length=200)
    platform: str | None = Field(None, min_length=1, max_length=50)
    channel: str | None = Field(None, min_length=1, max_length=200)
    events: Annotated[list[EventKind], AfterValidator(_unique_kinds)] = Field(
        min_length=1, max_length=7, json_schema_extra={"uniqueItems": True})
    enabled: StrictBool = True


class NotificationTargetCreate(_TargetBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_target_variants(True, [
        {"name": "ops webhook", "kind": "webhook", "url": "https://ops.example.com/chime",
         "secret": "a-long-random-secret-value", "events": ["execution.failed", "schedule.auto_paused"]}]))


class NotificationTargetReplace(_TargetBody):
    """PUT: the whole target; a webhook's `secret` may be left out to keep the stored one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_target_variants(False))


class NotificationTargetOut(BaseModel):
    target_id: UUID
    community_id: int
    name: str
    kind: TargetKind
    url: str | None
    has_secret: bool
    entity_id: str | None
    platform: str | None
    channel: str | None
    events: list[EventKind]
    enabled: bool
    created_by: str | None
    updated_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class NotificationTargetList(BaseModel):
    items: list[NotificationTargetOut]
    next_cursor: str | None


class NotificationTargetRemoved(BaseModel):
    status: Literal["removed"]
    target_id: UUID


class DeliveryListQuery(InputModel):
    status: DeliveryStatus | None = None
    limit: QueryInt = Field(50, ge=1, le=200)
    cursor: str | None = None
    order: Literal["asc", "desc"] = Field("asc", description="asc: oldest first; desc: newest first")


class DeliveryOut(BaseModel):
    delivery_id: UUID
    event_id: UUID
    target_id: UUID
    event_kind: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    payload: Any = None


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


# --- Situation report --------------------------------------------------------------------------------------------

TaskStatus = Literal["pending", "in_progress", "completed", "failed", "cancelled"]


class SitrepQuery(InputModel):
    window: str = Field("24h", pattern=r"^[1-9][0-9]{0,6}[smhd]$", max_length=8,
                        description="how far back: a number and s, m, h or d; 1m to 7d")
    recent: QueryInt = Field(20, ge=1, le=100, description="how many recent tasks to list")


class TaskMetrics(BaseModel):
    total_tasks: int
    active_tasks: int
    completed_tasks: int
    failed_tasks: int
    pending_tasks: int
    cancelled_tasks: int
    success_rate: float | None = Field(description="completed / (completed + failed); null with no finished run")


class FireMetrics(BaseModel):
    fires_due: int
    fires_on_time: int
    fires_late: int
    fires_missed: int
    fires_skipped: int
    fires_overdue: int
    lateness_ms_p50: float | None
    lateness_ms_p99: float | None


class CoverageMetrics(BaseModel):
    coverage_rate: float | None
    blocks_covered: int
    blocks_total: int
    critical_gaps: int


class RecentTask(BaseModel):
    execution_id: UUID
    schedule_id: UUID | None
    schedule_name: str | None
    workflow_name: str | None
    status: ExecutionStatus
    task_status: TaskStatus
    trigger: Trigger
    scheduled_for: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    error: str | None


class SitrepItem(BaseModel):
    kind: str
    severity: Literal["critical", "warning", "info"]
    message: str
    suggested_action: str
    schedule_id: UUID | None = None
    execution_id: UUID | None = None
    workflow_id: UUID | None = None


class InstanceOut(BaseModel):
    instance_id: str
    heartbeat_at: datetime
    expires_at: datetime
    running: bool


class Sitrep(BaseModel):
    timestamp: datetime
    last_update: datetime | None
    window_seconds: int
    task_metrics: TaskMetrics
    fire_metrics: FireMetrics
    coverage_metrics: CoverageMetrics
    health_status: Literal["healthy", "degraded", "critical"]
    crisis_mode: bool
    health_reasons: list[str]
    recent_tasks: list[RecentTask]
    immediate_actions: list[SitrepItem]
    watch_items: list[SitrepItem]
    instances: list[InstanceOut]


ScheduleCreate.model_rebuild()  # `workflow: WorkflowIn` is defined further down
