"""WorkflowEngine: runs a compiled definition (graph walking, limits, timeouts, cancellation, step records).

Execution model (dead-path elimination):
* Each scope (top level, or one loop-body iteration) is a DAG. A node becomes ready once every in-scope
  connection into it is resolved: it runs if at least one of them fired (or it is an entry node), otherwise it
  is recorded as "skipped" and all its outgoing connections are resolved as not fired. So the untaken branch of
  a condition_if is skipped, and a node joining both branches runs once.
* Ready nodes run concurrently (independent branches), each in its own task; a chain continues in the same task.
  The operation counter is a plain int on the single event loop, so it stays exact.
* Any run-level stop (node failure, flow_end, limit, workflow timeout, cancel_event, task cancellation) records
  the outcome once and cancels the run's root task; nodes still in flight record themselves as cancelled
  (or timeout) on the way out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import httpx

from services.engine.definition import Node, Scope, Workflow, compile_definition
from services.engine.nodes import FAILURE_PORT, HANDLERS, NO_DEFAULT_TIMEOUT, UNSET, NodeResult
from services.engine.outbound import Outbound, make_http_client, redact_headers
from services.engine.templates import TemplateScope
from services.engine.types import (
    RUN_CANCELLED,
    RUN_COMPLETED,
    RUN_FAILED,
    RUN_TIMEOUT,
    STEP_CANCELLED,
    STEP_COMPLETED,
    STEP_FAILED,
    STEP_SKIPPED,
    STEP_TIMEOUT,
    DefinitionError,
    EngineLimits,
    LimitExceeded,
    NodeError,
    RunRequest,
    RunResult,
    StepRecord,
    TemplateError,
)

log = logging.getLogger("chime.engine")

OnStep = Callable[[str, StepRecord], Awaitable[None]]


@dataclass(slots=True)
class _Outcome:
    kind: str                      # "failed" | "end" | "timeout" | "cancelled"
    error: str | None = None
    code: str | None = None
    node_id: str | None = None
    output: Any = UNSET


def _now() -> datetime:
    return datetime.now(UTC)


def clip_for_record(value: Any, limit: int) -> Any:
    """`value` if it is JSON-safe and at most `limit` bytes as JSON; else a JSON-safe copy or a preview."""
    if value is None or isinstance(value, bool | int):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        safe = True
    except (TypeError, ValueError):   # datetimes, NaN, circular structures ...
        safe = False
        try:
            text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            text = json.dumps(str(value), ensure_ascii=False)
    raw = text.encode()
    if len(raw) <= limit:
        return value if safe else json.loads(text)
    preview = raw[:max(0, limit - 96)].decode("utf-8", "ignore")
    return {"truncated": True, "original_bytes": len(raw), "preview": preview}


@lru_cache(maxsize=256)
def _compile_json(text: str) -> Workflow:
    # Keyed by the definition's canonical JSON: callers usually load a fresh dict per execution. The compiled
    # workflow is built from its own parsed copy, so callers mutating their dict later cannot affect it.
    return compile_definition(json.loads(text))


def compile_cached(definition: Any) -> Workflow:
    try:
        text = json.dumps(definition, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return compile_definition(definition)
    return _compile_json(text)


def _default_input(node: Node) -> Any:
    config = dict(node.config)
    if isinstance(config.get("headers"), dict):
        config["headers"] = redact_headers(config["headers"])
    return config


class _Run:
    """State of one execution; also the RunEnv the node handlers see."""

    def __init__(self, engine: WorkflowEngine, req: RunRequest, workflow: Workflow) -> None:
        self.engine = engine
        self.request = req
        self.limits = engine.limits
        self.webhooks = engine._webhooks
        self.router = engine._router
        self.workflow = workflow
        self.variables: dict[str, Any] = dict(workflow.variables)
        self.step_state: dict[str, dict[str, Any]] = {}   # ${steps.<id>.output|status|error}
        self.roots = {"context": req.context, "variables": self.variables, "steps": self.step_state,
                      "schedule": req.schedule, "execution": req.execution}
        self.ops = 0
        self.sequence = 0
        self.records: list[StepRecord] = []
        self.outcome: _Outcome | None = None
        self.root_task: asyncio.Task[None] | None = None
        self._step_lock = asyncio.Lock()

    # ---------------------------------------------------------------------------------------------- stopping

    def stop(self, outcome: _Outcome) -> None:
        if self.outcome is not None:
            return
        self.outcome = outcome
        if self.root_task is not None and self.root_task is not asyncio.current_task():
            self.root_task.cancel()

    def _inside(self, node_id: str | None, loop_id: str) -> bool:
        scope = self.workflow.scope_of.get(node_id) if node_id else None
        while scope is not None:
            if scope == loop_id:
                return True
            scope = self.workflow.scope_of.get(scope)
        return False

    # -------------------------------------------------------------------------------------------------- graph

    async def run_scope(self, scope: Scope, tscope: TemplateScope) -> None:
        if not scope.nodes:
            return
        pending = dict(scope.in_degree)
        fired: set[str] = set()

        async with asyncio.TaskGroup() as tg:

            def resolve(target: str, did_fire: bool) -> bool:
                """Resolve one connection into `target`; True when that made it ready."""
                if did_fire:
                    fired.add(target)
                pending[target] -= 1
                return pending[target] == 0

            async def walk(node_id: str) -> None:
                while node_id and self.outcome is None:
                    active = node_id in fired or node_id in scope.entries
                    ports = await self.step(self.workflow.nodes[node_id], active, tscope)
                    if ports is None or self.outcome is not None:
                        return
                    ready = [t for port, targets in scope.out[node_id].items() for t in targets
                             if resolve(t, port in ports)]
                    for extra in ready[1:]:
                        tg.create_task(walk(extra))
                    node_id = ready[0] if ready else ""

            for node_id in scope.nodes:
                if pending[node_id] == 0:
                    tg.create_task(walk(node_id))

    async def run_loop_body(self, loop_id: str, tscope: TemplateScope) -> None:
        await self.run_scope(self.workflow.scopes[loop_id], tscope)

    # --------------------------------------------------------------------------------------------------- steps

    async def step(self, node: Node, active: bool, tscope: TemplateScope) -> frozenset[str] | None:
        """Run (or skip) one node; returns the ports that fire, or None when the run stops here."""
        loop_index = tscope.frame.index if tscope.frame else None
        if not active:
            self.sequence += 1
            now = _now()
            self.step_state[node.node_id] = {"output": None, "status": STEP_SKIPPED, "error": None}
            await self._record(StepRecord(node.node_id, node.type, STEP_SKIPPED, now, now, 0, None, None, None,
                                          self.sequence, None, node.name, loop_index))
            return frozenset()

        if self.ops >= self.limits.max_total_operations:
            self.stop(_Outcome("failed", f"run exceeded max_total_operations={self.limits.max_total_operations}"
                                         f" at node '{node.node_id}'", "max_total_operations", node.node_id))
            return None
        self.ops += 1

        self.sequence += 1
        seq = self.sequence
        started = _now()
        t0 = asyncio.get_running_loop().time()

        def finish(status: str, inp: Any, out: Any, error: str | None, code: str | None) -> StepRecord:
            ms = int((asyncio.get_running_loop().time() - t0) * 1000)
            limit = self.limits.step_io_max_bytes
            return StepRecord(node.node_id, node.type, status, started, _now(), ms, clip_for_record(inp, limit),
                              clip_for_record(out, limit), error, seq, code, node.name, loop_index)

        try:
            result = await self._call(node, tscope)
        except asyncio.CancelledError:
            status, error, code, out = self._interrupted_status(node)
            self.step_state[node.node_id] = {"output": out, "status": status, "error": error}
            await self._record(finish(status, _default_input(node), out, error, code))
            raise
        except NodeError as exc:
            return await self._failed(node, exc, finish)
        except Exception as exc:  # noqa: BLE001 - a handler bug must fail the node, not the engine
            log.exception("node %s (%s) crashed", node.node_id, node.type)
            return await self._failed(node, NodeError(f"internal error: {type(exc).__name__}: {exc}",
                                                      "internal_error"), finish)

        self.step_state[node.node_id] = {"output": result.output, "status": STEP_COMPLETED, "error": None}
        inp = _default_input(node) if result.input is UNSET else result.input
        out = result.output if result.recorded_output is UNSET else result.recorded_output
        await self._record(finish(STEP_COMPLETED, inp, out, None, None))
        if result.end_run:
            self.stop(_Outcome("end", node_id=node.node_id, output=result.run_output))
            return None
        return frozenset((result.port,))

    async def _call(self, node: Node, tscope: TemplateScope) -> NodeResult:
        handler = HANDLERS[node.type]
        timeout = node.config.get("timeout_seconds") if node.type in NO_DEFAULT_TIMEOUT else None
        try:
            if not timeout:
                return await handler(self, node, tscope)
            cm = asyncio.timeout(float(timeout))
            try:
                async with cm:
                    return await handler(self, node, tscope)
            except TimeoutError:
                if cm.expired():
                    raise NodeError(f"node '{node.node_id}' timed out after {float(timeout):g}s",
                                    "node_timeout") from None
                raise
        except TemplateError as exc:
            msg = exc.message if exc.message.startswith("template error") else \
                f"template error in node '{node.node_id}': {exc.message}"
            raise TemplateError(msg) from None

    async def _failed(self, node: Node, exc: NodeError,
                      finish: Callable[[str, Any, Any, str | None, str | None], StepRecord]) -> frozenset[str] | None:
        status = STEP_TIMEOUT if exc.code == "node_timeout" else STEP_FAILED
        self.step_state[node.node_id] = {"output": exc.output, "status": status, "error": exc.message}
        await self._record(finish(status, _default_input(node), exc.output, exc.message, exc.code))
        scope = self.workflow.scopes[self.workflow.scope_of[node.node_id]]
        has_error_port = "error" in scope.out.get(node.node_id, {})
        continues = has_error_port or node.config.get("continue_on_error") is True
        if isinstance(exc, LimitExceeded) or not continues:
            self.stop(_Outcome("failed", exc.message, exc.code, node.node_id))
            return None
        return frozenset(("error",)) if has_error_port else frozenset((FAILURE_PORT.get(node.type, "out"),))

    def _interrupted_status(self, node: Node) -> tuple[str, str | None, str | None, Any]:
        """Status of a node that was running when the run stopped (or its own loop timed out)."""
        o = self.outcome
        if o is None:
            return STEP_CANCELLED, "cancelled", "cancelled", None
        if node.type == "loop_foreach" and self._inside(o.node_id, node.node_id):
            if o.kind == "failed":
                return STEP_FAILED, f"loop body failed at node '{o.node_id}': {o.error}", o.code or "node_failed", None
            if o.kind == "end":
                return STEP_COMPLETED, None, None, {"ended_by": o.node_id}
        if o.kind == "timeout":
            return STEP_TIMEOUT, "workflow timeout", "workflow_timeout", None
        reason = {"failed": f"stopped: node '{o.node_id}' failed", "end": f"stopped: flow_end '{o.node_id}'",
                  "cancelled": "cancelled"}.get(o.kind, "cancelled")
        return STEP_CANCELLED, reason, "cancelled", None

    async def _record(self, record: StepRecord) -> None:
        self.records.append(record)
        if self.engine.on_step is None:
            return
        # Serialized so the callback sees one step at a time even when branches run concurrently.
        async with self._step_lock:
            try:
                await self.engine.on_step(self.request.execution_id, record)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - persistence trouble must not change the run's outcome
                log.exception("on_step callback failed for %s step %s", self.request.execution_id, record.node_id)

    # -------------------------------------------------------------------------------------------------- result

    def result(self) -> RunResult:
        steps = sorted(self.records, key=lambda r: r.sequence)
        o = self.outcome
        if o is None or o.kind == "end":
            output = dict(self.variables) if o is None or o.output is UNSET else o.output
            return RunResult(RUN_COMPLETED, clip_for_record(output, 1 << 62), None, None, None, steps, self.ops)
        if o.kind == "timeout":
            return RunResult(RUN_TIMEOUT, None, o.error, "workflow_timeout", o.node_id, steps, self.ops)
        if o.kind == "cancelled":
            return RunResult(RUN_CANCELLED, None, o.error or "cancelled", "cancelled", None, steps, self.ops)
        return RunResult(RUN_FAILED, None, o.error, o.code or "node_failed", o.node_id, steps, self.ops)


class WorkflowEngine:
    """Runs workflow definitions. One engine can serve many concurrent executions."""

    def __init__(self, limits: EngineLimits | None = None, *, on_step: OnStep | None = None,
                 http_client: httpx.AsyncClient | None = None,
                 router_http_client: httpx.AsyncClient | None = None,
                 http_observer: Callable[[str], Callable[[int | None], None]] | None = None) -> None:
        self.limits = limits or EngineLimits()
        self.on_step = on_step
        self._owned: list[httpx.AsyncClient] = []
        if http_client is None:
            http_client = make_http_client(self.limits.allowed_hosts)
            self._owned.append(http_client)
        if router_http_client is None:
            if http_client in self._owned:
                # The router is operator configuration, not user input: it gets a plain client, no SSRF policy.
                router_http_client = httpx.AsyncClient(trust_env=False, follow_redirects=False)
                self._owned.append(router_http_client)
            else:
                router_http_client = http_client
        common = {"max_response_bytes": self.limits.http_max_response_bytes,
                  "max_redirects": self.limits.http_max_redirects,
                  "backoff_seconds": self.limits.http_retry_backoff_seconds}
        observe = http_observer or (lambda _client: None)
        self._webhooks = Outbound(http_client, self.limits.allowed_hosts, observe=observe("webhook"), **common)
        self._router = Outbound(router_http_client, (), enforce_ssrf=False, observe=observe("router"), **common)

    @property
    def webhooks(self) -> Outbound:
        """The SSRF-guarded client user-given URLs go through (also used by notification deliveries)."""
        return self._webhooks

    @property
    def router(self) -> Outbound:
        """The client for the operator-configured router (ROUTER_URL)."""
        return self._router

    async def aclose(self) -> None:
        for client in self._owned:
            await client.aclose()
        self._owned.clear()

    async def execute(self, req: RunRequest, cancel_event: asyncio.Event | None = None) -> RunResult:
        """Run `req` to completion. Never raises for workflow problems.

        Setting `cancel_event` interrupts the running node(s) promptly and returns status "cancelled".
        Cancelling the task running execute() also stops the run and records in-flight steps, but then the
        CancelledError propagates (swallowing it would break asyncio.timeout / TaskGroup in the caller).
        """
        try:
            workflow = compile_cached(req.definition)
        except DefinitionError as exc:
            return RunResult(RUN_FAILED, None, exc.message, "invalid_definition", exc.node_id, [])
        too_deep = [loop for loop, depth in workflow.loop_depth.items() if depth > self.limits.max_loop_depth]
        if too_deep:
            return RunResult(RUN_FAILED, None, f"loop '{too_deep[0]}' is nested deeper than max_loop_depth="
                             f"{self.limits.max_loop_depth}", "max_loop_depth", too_deep[0], [])
        run = _Run(self, req, workflow)
        if workflow.empty:
            return run.result()

        root = asyncio.create_task(run.run_scope(workflow.scopes[None], TemplateScope(run.roots)))
        run.root_task = root
        cancel_wait = asyncio.create_task(cancel_event.wait()) if cancel_event is not None else None
        try:
            waiters = {root} if cancel_wait is None else {root, cancel_wait}
            done, _ = await asyncio.wait(waiters, timeout=self.limits.workflow_timeout_seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
            if root not in done:
                if cancel_wait is not None and cancel_wait in done:
                    run.stop(_Outcome("cancelled", "cancelled"))
                else:
                    run.stop(_Outcome("timeout", f"workflow exceeded workflow_timeout_seconds="
                                                 f"{self.limits.workflow_timeout_seconds:g}"))
                await asyncio.wait({root})
        except asyncio.CancelledError:
            run.stop(_Outcome("cancelled", "cancelled"))
            await asyncio.wait({root})
            raise
        finally:
            if cancel_wait is not None:
                cancel_wait.cancel()
        if not root.cancelled() and (exc := root.exception()) is not None:
            log.error("engine crashed running %s", req.execution_id, exc_info=exc)
            run.stop(_Outcome("failed", f"internal engine error: {exc}", "internal_error"))
        return run.result()
