"""WorkflowEngine: runs a compiled definition (graph walking, limits, timeouts, cancellation, step records).

Execution model (dead-path elimination):
* Each scope (top level, or one loop-body iteration) is a DAG. A node becomes ready once every in-scope
  connection into it is resolved: it runs if at least one of them fired (or it is an entry node), otherwise it
  is recorded as "skipped" and all its outgoing connections are resolved as not fired. So the untaken branch of
  a condition_if is skipped, and a node joining both branches runs once.
* Ready nodes run concurrently (independent branches), each in its own task; a chain continues in the same task.
  The operation counter is a plain int on the single event loop, so it stays exact.
* execute() runs the top level in the caller's task (the root task) and waits there for the walks. A top level
  that is one plain chain (Scope.chain_start: no branches, joins or loops) is walked right in the root task.
* Any run-level stop (node failure, flow_end, limit, workflow timeout, cancel_event, task cancellation) records
  the outcome once and cancels the root task unless the stopping node's walk is the only one running; nodes
  still in flight record themselves as cancelled (or timeout) on the way out. The root task's own
  cancellations are counted and withdrawn, so only the caller's cancellation reaches the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
import marshal
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

import aiohttp

from services.engine.definition import Node, Scope, Workflow, compile_definition
from services.engine.nodes import FAILURE_PORT, HANDLERS, NO_DEFAULT_TIMEOUT, UNSET, NodeResult
from services.engine.outbound import (
    LazySession,
    Outbound,
    is_guarded,
    make_http_client,
    make_plain_client,
    redact_headers,
)
from services.engine.templates import DRY_RUN_UNSENT, TemplateScope
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
    CancelSignal,
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


_SEQUENCE = attrgetter("sequence")
_PORT_SETS: dict[str, frozenset[str]] = {}   # port name -> frozenset((port,)), shared by all runs


def _now() -> datetime:
    return datetime.now(UTC)


# One encoder for every record: json.dumps with options builds a new JSONEncoder on each call.
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _surely_fits(value: Any, limit: int) -> bool:
    """True when `value` is plain JSON (str keys, finite floats, no cycles) whose compact JSON is certainly at
    most `limit` bytes, by an upper bound that is cheaper than encoding small values. False: measure exactly."""
    budget = limit
    stack = [value]
    seen = 0
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is dict:
            seen += len(v)
            budget -= 2
            for k, x in v.items():   # leaves handled here: pushing each one costs more than the check
                if type(k) is not str:
                    return False
                leaf = type(x)
                if leaf is str:
                    budget -= (len(k) + len(x)) * 6 + 8   # worst case: every char escaped as \u00XX
                elif leaf is bool or x is None:
                    budget -= len(k) * 6 + 10
                elif leaf is int and -10**18 < x < 10**18:
                    budget -= len(k) * 6 + 25
                else:
                    budget -= len(k) * 6 + 4
                    stack.append(x)
        elif kind is list:
            seen += len(v)
            budget -= 2
            stack.extend(v)
        elif kind is str:
            budget -= len(v) * 6 + 3
        elif kind is bool or v is None:
            budget -= 6
        elif kind is int:
            if not -10**18 < v < 10**18:
                return False
            budget -= 21
        elif kind is float:
            if not math.isfinite(v):
                return False
            budget -= 26
        else:
            return False
        if budget < 0 or seen > 64:   # may not fit, or too big to be worth bounding (or a cycle)
            return False
    return True


def clip_for_record(value: Any, limit: int) -> Any:
    """`value` if it is JSON-safe and at most `limit` bytes as JSON; else a JSON-safe copy or a preview."""
    if value is None or isinstance(value, bool | int) or _surely_fits(value, limit):
        return value
    try:
        text = _RECORD_JSON.encode(value)
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


def _compile_via_json(definition: Any) -> Workflow:
    try:
        text = json.dumps(definition, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return compile_definition(definition)
    return _compile_json(text)


@lru_cache(maxsize=256)
def _compile_marshalled(dump: bytes) -> Workflow:
    return _compile_via_json(marshal.loads(dump))


def compile_cached(definition: Any) -> Workflow:
    """The compiled workflow for `definition`, from a cache when the same content was compiled before.

    The cache key is the definition's marshal dump: several times cheaper than canonical JSON (this runs once
    per execution) and exact about types (True, 1 and 1.0 differ). A miss compiles through the canonical JSON
    as before, from a private copy."""
    try:
        dump = marshal.dumps(definition)
    except ValueError:   # not plain data (dict subclasses, other objects)
        return _compile_via_json(definition)
    return _compile_marshalled(dump)


def _default_input(node: Node) -> Any:
    config = dict(node.config)
    if isinstance(config.get("headers"), dict):
        config["headers"] = redact_headers(config["headers"])
    return config


class _Finish:
    """Builds the record of one started step once it ends (timing, clipped input/output)."""

    __slots__ = ("limit", "node", "seq", "loop_index", "started", "t0")

    def __init__(self, limit: int, node: Node, seq: int, loop_index: int | None) -> None:
        self.limit = limit
        self.node = node
        self.seq = seq
        self.loop_index = loop_index
        self.started = datetime.now(UTC)
        self.t0 = time.monotonic()

    def __call__(self, status: str, inp: Any, out: Any, error: str | None, code: str | None) -> StepRecord:
        node, limit = self.node, self.limit
        return StepRecord(node.node_id, node.type, status, self.started, datetime.now(UTC),
                          int((time.monotonic() - self.t0) * 1000), clip_for_record(inp, limit),
                          clip_for_record(out, limit), error, self.seq, code, node.name, self.loop_index)


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
                      "schedule": req.schedule, "execution": req.execution, "event": req.event}
        if req.dry_run:
            self.roots[DRY_RUN_UNSENT] = set()   # sending nodes that sent nothing (templates.TemplateScope)
        self.ops = 0
        self.sequence = 0
        self.records: list[StepRecord] = []
        self.outcome: _Outcome | None = None
        self.root_task: asyncio.Task[Any] | None = None   # the task running execute(), while the graph runs
        self.cancels = 0   # how often stop() cancelled root_task
        self.walking = 0   # walks (chains of nodes) in progress, across all scopes
        self._step_lock = asyncio.Lock()

    # ---------------------------------------------------------------------------------------------- stopping

    def stop(self, outcome: _Outcome, *, from_node: bool = False) -> None:
        """Record the run's outcome once and interrupt whatever is still running.

        `from_node`: called by the node that ends the run. If its walk is the only one, nothing else is running
        and that walk returns on its own, so the root task is not cancelled (cancelling costs time and leaves
        the run's state in reference cycles through the CancelledError's traceback)."""
        if self.outcome is not None:
            return
        self.outcome = outcome
        if from_node and self.walking == 1:
            return
        if self.root_task is not None and self.root_task is not asyncio.current_task():
            self.cancels += 1
            self.root_task.cancel()

    def time_out(self) -> None:
        self.stop(_Outcome("timeout", f"workflow exceeded workflow_timeout_seconds="
                                      f"{self.limits.workflow_timeout_seconds:g}"))

    async def watch(self, cancel_event: asyncio.Event) -> None:
        await cancel_event.wait()
        self.cancelled()

    def cancelled(self) -> None:
        self.stop(_Outcome("cancelled", "cancelled"))

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
        if scope.chain_start is not None:
            # One plain chain (top level, no branches, joins or loops): only ever one walk, so a node ending the
            # run never has anything to cancel (stop(from_node=True) with walking == 1), and the walk can run
            # right here in the caller's task, without a task group or a task per walk.
            await _ScopeWalk(self, scope, tscope, None).walk(scope.chain_start)
            return
        async with asyncio.TaskGroup() as tg:
            walker = _ScopeWalk(self, scope, tscope, tg)
            for node_id in scope.nodes:
                if walker.pending[node_id] == 0:
                    tg.create_task(walker.walk(node_id))

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
                                         f" at node '{node.node_id}'", "max_total_operations", node.node_id),
                      from_node=True)
            return None
        self.ops += 1

        self.sequence += 1
        finish = _Finish(self.limits.step_io_max_bytes, node, self.sequence, loop_index)
        try:
            timeout = node.config.get("timeout_seconds") if node.type in NO_DEFAULT_TIMEOUT else None
            if timeout:
                result = await self._call_with_timeout(node, tscope, float(timeout))
            else:
                result = await HANDLERS[node.type](self, node, tscope)
        except asyncio.CancelledError:
            status, error, code, out = self._interrupted_status(node)
            self.step_state[node.node_id] = {"output": out, "status": status, "error": error}
            await self._record(finish(status, _default_input(node), out, error, code))
            raise
        except TemplateError as exc:
            msg = exc.message if exc.message.startswith("template error") else \
                f"template error in node '{node.node_id}': {exc.message}"
            return await self._failed(node, TemplateError(msg), finish)
        except NodeError as exc:
            return await self._failed(node, exc, finish)
        except Exception as exc:  # noqa: BLE001 - a handler bug must fail the node, not the engine
            log.exception("node %s (%s) crashed", node.node_id, node.type)
            return await self._failed(node, NodeError(f"internal error: {type(exc).__name__}: {exc}",
                                                      "internal_error"), finish)

        self.step_state[node.node_id] = {"output": result.output, "status": STEP_COMPLETED, "error": None}
        inp = _default_input(node) if result.input is UNSET else result.input
        out = result.output if result.recorded_output is UNSET else result.recorded_output
        record = finish(STEP_COMPLETED, inp, out, None, None)
        if self.engine.on_step is None:
            self.records.append(record)   # no callback: no need for the _record coroutine
        else:
            await self._record(record)
        if result.end_run:
            self.stop(_Outcome("end", node_id=node.node_id, output=result.run_output), from_node=True)
            return None
        ports = _PORT_SETS.get(result.port)
        if ports is None:
            ports = _PORT_SETS[result.port] = frozenset((result.port,))
        return ports

    async def _call_with_timeout(self, node: Node, tscope: TemplateScope, timeout: float) -> NodeResult:
        """A node that waits by design (delay, loop) and sets its own timeout_seconds."""
        cm = asyncio.timeout(timeout)
        try:
            async with cm:
                return await HANDLERS[node.type](self, node, tscope)
        except TimeoutError:
            if cm.expired():
                raise NodeError(f"node '{node.node_id}' timed out after {timeout:g}s", "node_timeout") from None
            raise

    async def _failed(self, node: Node, exc: NodeError,
                      finish: Callable[[str, Any, Any, str | None, str | None], StepRecord]) -> frozenset[str] | None:
        status = STEP_TIMEOUT if exc.code == "node_timeout" else STEP_FAILED
        self.step_state[node.node_id] = {"output": exc.output, "status": status, "error": exc.message}
        await self._record(finish(status, _default_input(node), exc.output, exc.message, exc.code))
        scope = self.workflow.scopes[self.workflow.scope_of[node.node_id]]
        has_error_port = "error" in scope.out.get(node.node_id, {})
        continues = has_error_port or node.config.get("continue_on_error") is True
        if isinstance(exc, LimitExceeded) or not continues:
            self.stop(_Outcome("failed", exc.message, exc.code, node.node_id), from_node=True)
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
        steps = sorted(self.records, key=_SEQUENCE)
        o = self.outcome
        if o is None or o.kind == "end":
            output = dict(self.variables) if o is None or o.output is UNSET else o.output
            return RunResult(RUN_COMPLETED, clip_for_record(output, 1 << 62), None, None, None, steps, self.ops)
        if o.kind == "timeout":
            return RunResult(RUN_TIMEOUT, None, o.error, "workflow_timeout", o.node_id, steps, self.ops)
        if o.kind == "cancelled":
            return RunResult(RUN_CANCELLED, None, o.error or "cancelled", "cancelled", None, steps, self.ops)
        return RunResult(RUN_FAILED, None, o.error, o.code or "node_failed", o.node_id, steps, self.ops)


def _given(session: aiohttp.ClientSession) -> Callable[[], aiohttp.ClientSession]:
    return lambda: session


class _ScopeWalk:
    """One execution of a scope (top level or one loop iteration): connections resolved so far, and the walks.

    A class rather than closures inside run_scope: a closure that spawns itself is a reference cycle, which
    would keep every run's state alive until the cyclic garbage collector runs."""

    __slots__ = ("run", "scope", "tscope", "tg", "pending", "fired")

    def __init__(self, run: _Run, scope: Scope, tscope: TemplateScope, tg: asyncio.TaskGroup | None) -> None:
        self.run = run
        self.scope = scope
        self.tscope = tscope
        self.tg = tg
        self.pending = dict(scope.in_degree)
        self.fired: set[str] = set()

    def resolve(self, target: str, did_fire: bool) -> bool:
        """Resolve one connection into `target`; True when that made it ready."""
        if did_fire:
            self.fired.add(target)
        self.pending[target] -= 1
        return self.pending[target] == 0

    async def walk(self, node_id: str) -> None:
        run, scope = self.run, self.scope
        run.walking += 1
        try:
            while node_id and run.outcome is None:
                active = node_id in self.fired or node_id in scope.entries
                ports = await run.step(run.workflow.nodes[node_id], active, self.tscope)
                if ports is None or run.outcome is not None:
                    return
                ready = [t for port, targets in scope.out[node_id].items() for t in targets
                         if self.resolve(t, port in ports)]
                for extra in ready[1:]:
                    assert self.tg is not None   # only chains run without a task group, and they never fork
                    self.tg.create_task(self.walk(extra))
                node_id = ready[0] if ready else ""
        finally:
            run.walking -= 1


class WorkflowEngine:
    """Runs workflow definitions. One engine can serve many concurrent executions.

    By default the engine owns one guarded aiohttp session for all webhooks (created on first use, inside the
    running loop) and one plain session for the router (created once a router node runs); `aclose()` closes
    both. A caller-supplied `http_client` (best made with `make_http_client`) and `router_http_client` are used
    as they are and left open; without a `router_http_client`, the router shares `http_client`.
    """

    def __init__(self, limits: EngineLimits | None = None, *, on_step: OnStep | None = None,
                 http_client: aiohttp.ClientSession | None = None,
                 router_http_client: aiohttp.ClientSession | None = None,
                 http_observer: Callable[[str], Callable[[int | None], None]] | None = None) -> None:
        self.limits = limits = limits or EngineLimits()
        self.on_step = on_step
        pool = {"max_connections": limits.http_max_connections,
                "max_connections_per_host": limits.http_max_connections_per_host,
                "dns_cache_seconds": limits.http_dns_cache_seconds}
        self._owned: list[LazySession] = []
        # Runs in progress -> deadline. Every run gets the same workflow timeout, so insertion order is deadline
        # order and one loop timer, armed for the oldest run, serves them all (no timer per run).
        self._deadlines: dict[_Run, float] = {}
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._deadline_loop: asyncio.AbstractEventLoop | None = None
        if http_client is None:
            webhooks = LazySession(lambda: make_http_client(limits.allowed_hosts, **pool))
            self._owned.append(webhooks)
            get_webhooks, guarded = webhooks, True
        else:
            get_webhooks, guarded = _given(http_client), is_guarded(http_client)
        if router_http_client is not None:
            get_router = _given(router_http_client)
        elif http_client is None:
            # The router is operator configuration, not user input: it gets a plain session, no SSRF policy.
            router = LazySession(lambda: make_plain_client(**pool))
            self._owned.append(router)
            get_router = router
        else:
            get_router = get_webhooks
        common = {"max_response_bytes": limits.http_max_response_bytes, "max_redirects": limits.http_max_redirects,
                  "backoff_seconds": limits.http_retry_backoff_seconds}
        observe = http_observer or (lambda _client: None)
        self._webhooks = Outbound(get_webhooks, limits.allowed_hosts, guarded=guarded, observe=observe("webhook"),
                                  **common)
        self._router = Outbound(get_router, (), guarded=False, enforce_ssrf=False, observe=observe("router"),
                                **common)

    @property
    def webhooks(self) -> Outbound:
        """The SSRF-guarded client user-given URLs go through (also used by notification deliveries)."""
        return self._webhooks

    @property
    def router(self) -> Outbound:
        """The client for the operator-configured router (ROUTER_URL)."""
        return self._router

    def _track_deadline(self, run: _Run) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._deadline_loop:   # first run, or the engine moved to another loop
            self._deadline_loop, self._deadlines, self._deadline_timer = loop, {}, None
        self._deadlines[run] = deadline = loop.time() + self.limits.workflow_timeout_seconds
        if self._deadline_timer is None:
            self._deadline_timer = loop.call_at(deadline, self._deadline_due)

    def _deadline_due(self) -> None:
        """Times out every run past its deadline, then re-arms the timer for the oldest run left."""
        self._deadline_timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._deadlines:
            run, deadline = next(iter(self._deadlines.items()))
            if deadline > now:
                self._deadline_timer = loop.call_at(deadline, self._deadline_due)
                return
            del self._deadlines[run]
            run.time_out()

    async def aclose(self) -> None:
        """Close the sessions the engine created; HTTP nodes that run after this fail."""
        for session in self._owned:
            await session.aclose()
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None

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
        if cancel_event is not None and cancel_event.is_set():
            run.stop(_Outcome("cancelled", "cancelled"))
            return run.result()

        # The top-level scope runs in the caller's task (no extra task hop per run); the nodes themselves always
        # run in the scope's walk tasks, so stop() never has to cancel the task it is running in. A timeout or
        # cancel_event cancels this task while it waits for the walks; those cancellations are counted and
        # withdrawn below, the way asyncio.timeout does it, so only the caller's own cancellation propagates.
        task = asyncio.current_task()
        assert task is not None
        already_cancelling = task.cancelling()
        run.root_task = task
        self._track_deadline(run)
        watcher: asyncio.Task[None] | None = None
        on_cancel: Callable[[], None] | None = None
        if isinstance(cancel_event, CancelSignal):
            on_cancel = run.cancelled
            cancel_event.add_callback(on_cancel)
        elif cancel_event is not None:
            watcher = asyncio.create_task(run.watch(cancel_event))
        try:
            await run.run_scope(workflow.scopes[None], TemplateScope(run.roots))
        except asyncio.CancelledError:
            if task.cancelling() - run.cancels > already_cancelling:   # the caller cancelled us: propagate
                run.stop(_Outcome("cancelled", "cancelled"))
                raise
        except Exception as exc:  # noqa: BLE001 - an engine bug must fail the run, not the caller
            log.error("engine crashed running %s", req.execution_id, exc_info=exc)
            run.stop(_Outcome("failed", f"internal engine error: {exc}", "internal_error"))
        finally:
            run.root_task = None   # from now on stop() only records (and no Task <-> run reference remains)
            for _ in range(run.cancels):
                task.uncancel()
            self._deadlines.pop(run, None)   # already gone if its deadline passed
            if watcher is not None:
                watcher.cancel()
            if on_cancel is not None:
                cancel_event.remove_callback(on_cancel)
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
            run.root_task = None   # no Task <-> run reference cycle left behind
        if not root.cancelled() and (exc := root.exception()) is not None:
            log.error("engine crashed running %s", req.execution_id, exc_info=exc)
            run.stop(_Outcome("failed", f"internal engine error: {exc}", "internal_error"))
        return run.result()
