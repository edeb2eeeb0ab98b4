"""Every workflow node type, declared once: its config (a pydantic model), its output ports, an example.

The definition validator (definition.py) checks each node's config with these models, and
GET /api/v1/node-types publishes their JSON Schemas, so the catalogue and the validator cannot drift. What a
JSON Schema cannot say (a condition tree's meaning, a regex that compiles, nested transform ops) is checked by
the node type's `extra_checks`, in this module too.

Configs allow keys they do not declare (a node's own annotations, a module's parameters): the runner ignores
them, and the validator always did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.engine.conditions import OPERATORS, condition_problems
from services.engine.transforms import OPS

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_RETRIES = 10
COMMON_KEYS = frozenset({"continue_on_error", "timeout_seconds"})
STATUS_SPEC = r"^\s*([1-5][xX][xX]|\d{3}-\d{3}|\d{3})\s*$"
_STATUS_RANGE = re.compile(r"^([1-5])xx$|^(\d{3})-(\d{3})$|^(\d{3})$")
# A variable name: no '.', and no '${' (it would read as a template); JSON Schema regexes have no lookahead.
PLAIN_NAME = r"^([^.$]|\$+[^{.$])*\$*$"
TEMPLATE = r"\$\{"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _number(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise PydanticCustomError("invalid_config", "must be a number")
    return value


def _integer(value: Any) -> Any:
    if isinstance(value, bool | str) or (isinstance(value, float) and not value.is_integer()):
        raise PydanticCustomError("invalid_config", "must be an integer")
    return value


def _method(value: Any) -> Any:
    if not isinstance(value, str) or value.upper() not in HTTP_METHODS:
        raise PydanticCustomError("invalid_config", f"must be one of {', '.join(sorted(HTTP_METHODS))}")
    return value


def _status(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if 100 <= value <= 599:
            return value
    elif isinstance(value, str) and _STATUS_RANGE.match(value.strip().lower()):
        return value
    raise PydanticCustomError("invalid_config", "must be a status code, '2xx' or a '200-299' range")


def _header_value(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError("invalid_config", "must be a string (or a number)")
    return value


def _case_insensitive(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


PositiveNumber = Annotated[float, Field(gt=0), BeforeValidator(_number)]
Retries = Annotated[int, Field(ge=0, le=MAX_RETRIES), BeforeValidator(_integer)]
Method = Annotated[str, BeforeValidator(_method), WithJsonSchema({
    "type": "string", "pattern": "^(" + "|".join(_case_insensitive(m) for m in HTTP_METHODS) + ")$",
    "description": "an HTTP method (any case)"})]
StatusSpec = Annotated[int | str, BeforeValidator(_status), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 100, "maximum": 599}, {"type": "string", "pattern": STATUS_SPEC}]})]
HeaderValue = Annotated[str | float, BeforeValidator(_header_value), WithJsonSchema(
    {"type": ["string", "number"]})]
Template = Annotated[str, Field(pattern=TEMPLATE, description="a ${...} template")]
AnyValue = Annotated[Any, WithJsonSchema({})]  # any JSON value; strings may hold ${...} templates


class NodeConfig(BaseModel):
    """Keys every node takes."""

    model_config = ConfigDict(extra="allow")

    continue_on_error: StrictBool = Field(
        False, description="on failure, go on through the normal ports (false for condition_if)")
    timeout_seconds: PositiveNumber = Field(
        None, description="per attempt for HTTP nodes; action_delay and loop_foreach are bounded only by this")


class TriggerConfig(NodeConfig):
    pass


class HttpRetries(NodeConfig):
    retries: Retries = Field(0, description="extra attempts after a connection error or a 5xx")
    retry_non_idempotent: StrictBool = Field(False, description="also retry POST and PATCH")


class WebhookConfig(HttpRetries):
    url: str = Field(min_length=1, description="http(s) URL; may hold templates")
    method: Method = "GET"
    headers: dict[str, HeaderValue] = Field(default_factory=dict)
    body: AnyValue = Field(None, description="JSON body (objects and lists), or text")
    expected_statuses: list[StatusSpec] | None = Field(None, min_length=1,
                                                       description="statuses that succeed (default 2xx)")
    follow_redirects: StrictBool = True


class ModuleConfig(HttpRetries):
    module_name: str = Field(min_length=1)
    module_version: str | None = None
    input: AnyValue = Field(default_factory=dict)
    entity_id: AnyValue = None
    user_id: AnyValue = None


class ChatMessageConfig(HttpRetries):
    entity_id: str = Field(min_length=1, description="the recipient, as the router's send-message takes it")
    message: str = Field(min_length=1)
    platform: str | None = None
    channel: str | None = None
    metadata: AnyValue = None


class DelayConfig(NodeConfig):
    seconds: Annotated[float, Field(ge=0), BeforeValidator(_number)] | Template = Field(
        description="a non-negative number, or a template rendering to one")


class ConditionConfig(NodeConfig):
    """One leaf (`operator`, `left`, `right`) or one of `all`, `any` (non-empty lists) and `not` of conditions."""

    operator: Annotated[Any, WithJsonSchema({"enum": sorted(OPERATORS)})] = None
    left: AnyValue = None
    right: AnyValue = Field(None, description="not for is_empty")
    all: Annotated[Any, WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "object"}})] = None
    any: Annotated[Any, WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "object"}})] = None
    not_: Annotated[Any, WithJsonSchema({"type": "object"})] = Field(None, alias="not")


class VariableSetConfig(NodeConfig):
    name: str = Field(min_length=1, pattern=PLAIN_NAME, description="a run-wide variable name, without '.'")
    value: AnyValue


class TransformConfig(NodeConfig):
    """`output` (a value whose `{"$op": ...}` objects are applied), or `op` applied to `input`."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "anyOf": [{"required": ["output"]}, {"required": ["op"]}]})

    output: AnyValue = None
    op: Literal[tuple(sorted(OPS))] | None = None  # type: ignore[valid-type]
    input: AnyValue = None

    @model_validator(mode="after")
    def _output_or_op(self) -> TransformConfig:
        if "output" not in self.model_fields_set and "op" not in self.model_fields_set:
            raise PydanticCustomError("missing_config", "config.output is required")
        return self


class ForeachConfig(NodeConfig):
    items: list[Any] | Template = Field(description="a list, or a template rendering to one")
    item_variable: str = Field("item", min_length=1, pattern=PLAIN_NAME)


class EndConfig(NodeConfig):
    output: AnyValue = Field(None, description="the run's output (rendered)")


def _condition_checks(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    return condition_problems({k: v for k, v in config.items() if k not in COMMON_KEYS})


def _nested_ops(value: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(value, Mapping):
        if "$op" in value and value["$op"] not in OPS:
            out.append(("invalid_config", f"unknown transform op {value['$op']!r}"))
        for v in value.values():
            _nested_ops(v, out, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _nested_ops(v, out, depth + 1)


def _transform_checks(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    _nested_ops(config.get("output"), out)
    return out


@dataclass(frozen=True)
class NodeType:
    type: str
    description: str
    config: type[NodeConfig]
    ports: tuple[str, ...]
    example: dict[str, Any]
    extra_checks: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None

    def schema(self) -> dict[str, Any]:
        return self.config.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")


NODE_TYPES: dict[str, NodeType] = {t.type: t for t in (
    NodeType("trigger_schedule", "Entry point of a scheduled run.", TriggerConfig, ("out",), {}),
    NodeType("trigger_manual", "Entry point of a manual run (execute, run-now).", TriggerConfig, ("out",), {}),
    NodeType("action_webhook", "Sends an HTTP request; output {status, headers, body}.", WebhookConfig,
             ("out", "error"), {"url": "https://hooks.example.org/notify", "method": "POST",
                                "body": {"text": "Hello ${context.channel}"}, "expected_statuses": ["2xx"],
                                "retries": 2}),
    NodeType("action_module", "Runs a bot module through the router (execute-module).", ModuleConfig,
             ("out", "error"), {"module_name": "welcome", "input": {"user": "${context.user_id}"}}),
    NodeType("action_chat_message", "Sends a chat message through the router (send-message).",
             ChatMessageConfig, ("out", "error"), {"entity_id": "general", "message": "Stand-up in 5 minutes"}),
    NodeType("action_delay", "Waits.", DelayConfig, ("out", "error"), {"seconds": 30}),
    NodeType("condition_if", "Takes the true or the false port.", ConditionConfig, ("true", "false", "error"),
             {"left": "${context.attempts}", "operator": "gt", "right": 3},
             _condition_checks),
    NodeType("data_variable_set", "Sets a run-wide variable.", VariableSetConfig, ("out", "error"),
             {"name": "greeting", "value": "Hello ${context.user_name}"}),
    NodeType("data_transform", "Computes a value from templates and ops.", TransformConfig, ("out", "error"),
             {"output": {"name": {"$op": "upper", "input": "${context.user_name}"}}}, _transform_checks),
    NodeType("loop_foreach", "Runs the nodes on its body port once per item.", ForeachConfig,
             ("body", "out", "error"), {"items": "${context.members}", "item_variable": "member"}),
    NodeType("flow_end", "Ends the run; its output is the run's output.", EndConfig, (),
             {"output": {"done": True}}),
)}


def config_problems(node_type: str, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(code, message) for each problem of a node's config: missing_config or invalid_config."""
    spec = NODE_TYPES[node_type]
    out: list[tuple[str, str]] = []
    try:
        spec.config.model_validate(dict(config))
    except ValidationError as exc:
        for err in exc.errors():
            # Union branches add tags like 'function-before[...]' to the location: only names and indices count.
            where = "config" + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in err["loc"]
                                       if isinstance(p, int) or _NAME.fullmatch(p))
            kind = err["type"]
            if kind == "missing":
                out.append(("missing_config", f"{where} is required"))
            elif kind in ("missing_config", "invalid_config"):
                message = err["msg"]
                out.append((kind, message if message.startswith("config") else f"{where} {message}"))
            else:
                out.append(("invalid_config", f"{where}: {err['msg']}"))
    if spec.extra_checks is not None:
        out.extend(spec.extra_checks(config))
    return list(dict.fromkeys(out))  # a union reports each branch: one line per distinct problem
