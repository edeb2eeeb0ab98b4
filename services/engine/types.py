"""Public data types of the workflow engine (limits, run request/result, step records, errors)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Step statuses.
STEP_COMPLETED = "completed"
STEP_FAILED = "failed"
STEP_SKIPPED = "skipped"
STEP_CANCELLED = "cancelled"
STEP_TIMEOUT = "timeout"

# Run statuses.
RUN_COMPLETED = "completed"
RUN_FAILED = "failed"
RUN_TIMEOUT = "timeout"
RUN_CANCELLED = "cancelled"


@dataclass(frozen=True)
class EngineLimits:
    max_loop_iterations: int = 100
    max_total_operations: int = 1000     # counted across the whole run (each node execution = 1 op, incl. loops)
    max_loop_depth: int = 10
    workflow_timeout_seconds: float = 300.0
    node_timeout_seconds: float = 30.0   # default per-node timeout; a node's config `timeout_seconds` overrides
    step_io_max_bytes: int = 4096        # step input/output truncated to this when recorded (JSON size)
    http_max_response_bytes: int = 1_048_576
    router_url: str = "http://localhost:8000"
    allowed_hosts: frozenset[str] = frozenset()   # host names or IPs allowed even if private/loopback
    http_max_redirects: int = 3          # same-host redirects only; cross-host redirects are refused
    http_retry_backoff_seconds: float = 0.25   # first retry delay; doubles per attempt, capped at 5 s
    http_max_connections: int = 200      # keep-alive pool of the engine's session, all hosts together
    http_max_connections_per_host: int = 50
    http_dns_cache_seconds: float = 10.0   # resolved addresses are reused this long (and re-checked on each use)


@dataclass
class RunRequest:
    execution_id: str
    workflow_id: str
    definition: dict
    context: dict = field(default_factory=dict)       # ${context.*}
    schedule: dict = field(default_factory=dict)      # ${schedule.*}
    execution: dict = field(default_factory=dict)     # ${execution.*}
    event: dict = field(default_factory=dict)         # ${event.*}: type, event_id, occurred_at, payload
    dry_run: bool = False                             # render everything, send nothing, sleep never
    hmac_secret: str | None = None                    # signs outbound bodies: X-Chime-Signature: sha256=<hex>
    # A dry run's stand-in output per sending node (webhook, module, chat message); an unmocked sending node's
    # missing response renders as a visible placeholder instead of failing the run (templates.DRY_RUN_UNSENT).
    mock_outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StepRecord:
    node_id: str
    node_type: str
    status: str                  # completed | failed | skipped | cancelled | timeout
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    input: Any                   # JSON-safe, truncated to step_io_max_bytes, secret headers redacted
    output: Any
    error: str | None
    sequence: int                # order in which nodes started (1-based)
    error_code: str | None = None
    node_name: str | None = None
    loop_index: int | None = None   # iteration index of the innermost enclosing loop, if any


@dataclass
class RunResult:
    status: str                  # completed | failed | timeout | cancelled
    output: Any
    error: str | None
    error_code: str | None
    error_node_id: str | None
    steps: list[StepRecord]
    operations: int = 0          # node executions counted against max_total_operations


class DefinitionError(ValueError):
    """A workflow definition is invalid. `code` is machine-readable; `node_id` names the culprit if any."""

    def __init__(self, message: str, node_id: str | None = None, code: str = "invalid_definition") -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.code = code
        self.problems: list[DefinitionError] = [self]   # validate_definition() attaches every problem found

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "node_id": self.node_id, "code": self.code}

    def __repr__(self) -> str:
        return f"DefinitionError({self.message!r}, node_id={self.node_id!r}, code={self.code!r})"


class NodeError(Exception):
    """A node failed. Raised by handlers; the runner turns it into a failed step."""

    def __init__(self, message: str, code: str = "node_failed", *, output: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.output = output   # e.g. the HTTP response that had an unexpected status


class TemplateError(NodeError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "template_error")


class LimitExceeded(NodeError):
    """A run-wide limit was hit: fails the run even when the node has continue_on_error."""


class CancelSignal(asyncio.Event):
    """An asyncio.Event that also calls back, synchronously, when set.

    Given as `cancel_event`, the engine registers a callback instead of running a watcher task per run (a task
    created, scheduled and cancelled for every execution, almost always without the event ever being set)."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        super().set()
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def add_callback(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def remove_callback(self, callback: Callable[[], None]) -> None:
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass
