"""Node handlers: one coroutine per node type. Each returns a NodeResult or raises NodeError.

Handlers only render templates and do the node's work; step bookkeeping, timeouts, limits and error routing live
in the runner. Outputs stay unredacted for later templates; `recorded_*` is what goes into the step record.
"""

from __future__ import annotations

import asyncio
import math
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.engine.conditions import evaluate
from services.engine.definition import COMMON_KEYS, Node
from services.engine.outbound import (
    SIGNATURE_HEADER,
    HttpCall,
    HttpResult,
    Outbound,
    encode_body,
    redact_headers,
    redact_json,
    redact_url,
)
from services.engine.templates import DRY_RUN_UNSENT, LoopFrame, TemplateScope, render
from services.engine.transforms import apply_op
from services.engine.types import EngineLimits, LimitExceeded, NodeError, RunRequest

_UNSET = object()


@dataclass(slots=True)
class NodeResult:
    output: Any = None
    input: Any = _UNSET            # recorded step input; default: the node's raw config (headers redacted)
    recorded_output: Any = _UNSET  # recorded step output when it must differ from `output` (redaction)
    port: str = "out"
    end_run: bool = False          # flow_end: stop the run, completed
    run_output: Any = None


class RunEnv(Protocol):
    """What handlers may use from the runner."""

    request: RunRequest
    limits: EngineLimits
    variables: dict[str, Any]
    roots: dict[str, Any]
    webhooks: Outbound
    router: Outbound

    async def run_loop_body(self, loop_id: str, scope: TemplateScope) -> None: ...


Handler = Callable[[RunEnv, Node, TemplateScope], Awaitable[NodeResult]]


async def trigger(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    return NodeResult(output={"triggered": True, "trigger": node.type}, input=None)


# ---------------------------------------------------------------------------------------------------------- HTTP


def _status_ok(status: int, specs: list[Any] | None) -> bool:
    if not specs:
        return 200 <= status <= 299
    for spec in specs:
        if isinstance(spec, int):
            if status == spec:
                return True
            continue
        spec = spec.strip().lower()
        if spec.endswith("xx") and status // 100 == int(spec[0]):
            return True
        if "-" in spec:
            low, high = (int(x) for x in spec.split("-"))
            if low <= status <= high:
                return True
        elif spec.isdigit() and int(spec) == status:
            return True
    return False


def _timeout(env: RunEnv, node: Node) -> float:
    return float(node.config.get("timeout_seconds") or env.limits.node_timeout_seconds)


def _recorded_request(call: HttpCall, body: Any, signed: bool) -> dict[str, Any]:
    headers = redact_headers(call.headers)
    if signed:
        headers[SIGNATURE_HEADER] = "***"
    return {"method": call.method, "url": redact_url(call.url), "headers": headers, "body": redact_json(body)}


async def _http(env: RunEnv, node: Node, outbound: Outbound, call: HttpCall, body: Any,
                expected: list[Any] | None, with_headers: bool) -> NodeResult:
    req = env.request
    signed = req.hmac_secret is not None
    recorded_in = _recorded_request(call, body, signed)
    if req.dry_run:
        # Static URL checks still run so a dry run reports refused targets; nothing is resolved or sent.
        outbound.precheck(call.url)
        if node.node_id in req.mock_outputs:
            return NodeResult(output=req.mock_outputs[node.node_id], input=recorded_in)
        env.roots[DRY_RUN_UNSENT].add(node.node_id)
        out = {"dry_run": True, "request": recorded_in}
        return NodeResult(output=out, input=recorded_in)
    result: HttpResult = await outbound.send(call, hmac_secret=req.hmac_secret, execution_id=req.execution_id)
    output: dict[str, Any] = {"status": result.status}
    recorded: dict[str, Any] = {"status": result.status}
    if with_headers:
        output["headers"] = result.headers
        recorded["headers"] = redact_headers(result.headers)
    output["body"] = result.body
    recorded["body"] = redact_json(result.body)
    if result.attempts > 1:
        recorded["attempts"] = result.attempts
    if not _status_ok(result.status, expected):
        raise NodeError(f"unexpected HTTP status {result.status} from {call.method} {redact_url(call.url)}",
                        output=recorded)
    return NodeResult(output=output, input=recorded_in, recorded_output=recorded)


async def webhook(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    c = node.config
    url = render(c.get("url"), scope)
    if not isinstance(url, str):
        raise NodeError(f"url must render to a string, got {type(url).__name__}")
    headers = {str(k): str(v) for k, v in (render(c.get("headers") or {}, scope)).items()}
    body = render(c.get("body"), scope)
    content = encode_body(body, headers)
    call = HttpCall(
        method=str(c.get("method", "GET")).upper(), url=url, headers=headers, content=content,
        timeout=_timeout(env, node), retries=int(c.get("retries", 0)),
        retry_non_idempotent=bool(c.get("retry_non_idempotent", False)),
        follow_redirects=bool(c.get("follow_redirects", True)),
    )
    return await _http(env, node, env.webhooks, call, body, c.get("expected_statuses"), with_headers=True)


def _router_call(env: RunEnv, node: Node, path: str, payload: dict[str, Any]) -> HttpCall:
    headers: dict[str, str] = {}
    return HttpCall(
        method="POST", url=env.limits.router_url.rstrip("/") + path, headers=headers,
        content=encode_body(payload, headers), timeout=_timeout(env, node),
        retries=int(node.config.get("retries", 0)),
        retry_non_idempotent=bool(node.config.get("retry_non_idempotent", False)),
    )


async def module(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    c = node.config
    payload = {
        "module_name": render(c.get("module_name"), scope),
        "module_version": render(c.get("module_version"), scope),
        "input": render(c.get("input", {}), scope),
        "entity_id": render(c.get("entity_id"), scope),
        "user_id": render(c.get("user_id"), scope),
    }
    call = _router_call(env, node, "/api/v1/execute-module", payload)
    return await _http(env, node, env.router, call, payload, None, with_headers=False)


async def chat_message(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    c = node.config
    payload: dict[str, Any] = {"entity_id": render(c.get("entity_id"), scope), "message": render(c["message"], scope)}
    for key in ("platform", "channel", "metadata"):
        if key in c:
            payload[key] = render(c[key], scope)
    call = _router_call(env, node, "/api/v1/send-message", payload)
    return await _http(env, node, env.router, call, payload, None, with_headers=False)


# ------------------------------------------------------------------------------------------------- flow and data


async def delay(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    raw = render(node.config.get("seconds"), scope)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise NodeError(f"seconds must be a number, got {raw!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise NodeError(f"seconds must be a non-negative number, got {raw!r}")
    if not env.request.dry_run:
        await asyncio.sleep(seconds)   # cancellation interrupts the sleep immediately
    return NodeResult(output={"slept_seconds": 0.0 if env.request.dry_run else seconds}, input={"seconds": seconds})


async def condition(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    cond = {k: v for k, v in node.config.items() if k not in COMMON_KEYS}
    trace: list[dict[str, Any]] = []
    result = evaluate(cond, scope, node.node_id, trace)
    return NodeResult(output={"result": result}, input={"evaluated": trace}, port="true" if result else "false")


async def variable_set(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    name = node.config["name"]
    value = render(node.config.get("value"), scope)
    env.variables[name] = value
    return NodeResult(output={"name": name, "value": value})


def _transform(value: Any, scope: TemplateScope) -> Any:
    if type(value) is dict or (type(value) is not str and isinstance(value, Mapping)):
        if "$op" in value:
            args = {k: render(v, scope) for k, v in value.items() if k not in ("$op", "input")}
            return apply_op(value["$op"], _transform(value.get("input"), scope), args)
        return {k: _transform(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_transform(v, scope) for v in value]
    return render(value, scope)


async def transform(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    c = node.config
    if "op" in c:
        args = {k: render(v, scope) for k, v in c.items() if k not in ("op", "input", *COMMON_KEYS)}
        output = apply_op(c["op"], _transform(c.get("input"), scope), args)
    else:
        output = _transform(c.get("output"), scope)
    return NodeResult(output=output)


async def foreach(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    items = render(node.config.get("items"), scope)
    if isinstance(items, tuple):
        items = list(items)
    if not isinstance(items, list):
        raise NodeError(f"items must render to a list, got {type(items).__name__}")
    limit = env.limits.max_loop_iterations
    if len(items) > limit:
        # Refused before the first iteration: a half-run loop is worse than none.
        raise LimitExceeded(f"loop '{node.node_id}' has {len(items)} items, more than max_loop_iterations={limit}",
                            "max_loop_iterations")
    var = node.config.get("item_variable", "item")
    parent = scope.frame
    base: Mapping[str, Any] = parent.variables if parent else env.variables
    for index, item in enumerate(items):
        frame = LoopFrame(node.node_id, var, item, index, len(items), parent, ChainMap({var: item}, base))
        await env.run_loop_body(node.node_id, scope.child(frame))
    return NodeResult(output={"iterations": len(items)}, input={"items_count": len(items), "item_variable": var})


async def end(env: RunEnv, node: Node, scope: TemplateScope) -> NodeResult:
    has_output = "output" in node.config
    output = render(node.config["output"], scope) if has_output else None
    return NodeResult(output=output, end_run=True, run_output=output if has_output else _UNSET)


HANDLERS: dict[str, Handler] = {
    "trigger_schedule": trigger,
    "trigger_manual": trigger,
    "action_webhook": webhook,
    "action_module": module,
    "action_chat_message": chat_message,
    "action_delay": delay,
    "condition_if": condition,
    "data_variable_set": variable_set,
    "data_transform": transform,
    "loop_foreach": foreach,
    "flow_end": end,
}

# Nodes that wait by design: the default node timeout does not apply, only an explicit config timeout_seconds.
# HTTP nodes apply their timeout per attempt inside Outbound instead.
SELF_TIMED = frozenset({"action_webhook", "action_module", "action_chat_message"})
NO_DEFAULT_TIMEOUT = frozenset({"action_delay", "loop_foreach"})
FAILURE_PORT = {"condition_if": "false", "loop_foreach": "out"}   # where continue_on_error continues
UNSET = _UNSET
