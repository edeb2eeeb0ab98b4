"""Small, side-effect-free value operations for data_transform (`{"op": ..., "input": ...}`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from services.engine.types import NodeError

MAX_JSON_PARSE_CHARS = 1_000_000


def _text(value: Any, op: str) -> str:
    if not isinstance(value, str):
        raise NodeError(f"op '{op}' needs a string, got {type(value).__name__}")
    return value


def _seq(value: Any, op: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise NodeError(f"op '{op}' needs a list, got {type(value).__name__}")
    return list(value)


def _length(value: Any, _: Mapping[str, Any]) -> int:
    if isinstance(value, str | list | tuple | dict):
        return len(value)
    raise NodeError(f"op 'length' needs a string, list or object, got {type(value).__name__}")


def _json_parse(value: Any, _: Mapping[str, Any]) -> Any:
    text = _text(value, "json_parse")
    if len(text) > MAX_JSON_PARSE_CHARS:
        raise NodeError(f"op 'json_parse' input longer than {MAX_JSON_PARSE_CHARS} characters")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NodeError(f"op 'json_parse': invalid JSON: {exc}") from None


def _to_number(value: Any, _: Mapping[str, Any]) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise NodeError(f"op 'to_number': {value!r} is not a number") from None
    return int(number) if number.is_integer() and "." not in str(value) else number


def _keys(value: Any, _: Mapping[str, Any]) -> list[str]:
    if not isinstance(value, Mapping):
        raise NodeError(f"op 'keys' needs an object, got {type(value).__name__}")
    return list(value)


def _sum(value: Any, _: Mapping[str, Any]) -> float | int:
    items = _seq(value, "sum")
    try:
        return sum(_to_number(x, {}) for x in items)
    except NodeError as exc:
        raise NodeError(f"op 'sum': {exc.message}") from None


def _pick(index: int) -> Callable[[Any, Mapping[str, Any]], Any]:
    def pick(value: Any, _: Mapping[str, Any]) -> Any:
        items = _seq(value, "first" if index == 0 else "last")
        return items[index] if items else None
    return pick


OPS: dict[str, Callable[[Any, Mapping[str, Any]], Any]] = {
    "upper": lambda v, _: _text(v, "upper").upper(),
    "lower": lambda v, _: _text(v, "lower").lower(),
    "trim": lambda v, _: _text(v, "trim").strip(),
    "length": _length,
    "json_parse": _json_parse,
    "json_stringify": lambda v, _: json.dumps(v, default=str, separators=(",", ":")),
    "to_number": _to_number,
    "to_string": lambda v, _: v if isinstance(v, str) else json.dumps(v, default=str),
    "keys": _keys,
    "split": lambda v, a: _text(v, "split").split(str(a.get("separator", ","))),
    "join": lambda v, a: str(a.get("separator", ",")).join(
        x if isinstance(x, str) else json.dumps(x, default=str) for x in _seq(v, "join")
    ),
    "first": _pick(0),
    "last": _pick(-1),
    "sum": _sum,
}


def apply_op(op: str, value: Any, args: Mapping[str, Any]) -> Any:
    fn = OPS.get(op)
    if fn is None:
        raise NodeError(f"unknown transform op {op!r}")
    return fn(value, args)
