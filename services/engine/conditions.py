"""condition_if evaluation: leaf comparisons plus all/any/not nesting.

Leaves render their `left`/`right` templates lazily, so `any` short-circuits past branches whose data is absent.
Comparisons coerce only between numbers and numeric strings (and bools and "true"/"false"), since template
interpolation turns numbers into strings; anything else compares as-is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from services.engine.templates import TemplateScope, render_in_node
from services.engine.types import NodeError

OPERATORS = frozenset({
    "equals", "not_equals", "gt", "lt", "ge", "le", "contains", "not_contains", "matches_regex", "in_list", "is_empty",
})
UNARY = frozenset({"is_empty"})
MAX_DEPTH = 32
MISSING, INVALID = "missing_config", "invalid_config"
# Python's re can backtrack catastrophically; bounding pattern and subject keeps the worst case small.
MAX_REGEX_PATTERN = 512
MAX_REGEX_SUBJECT = 10_000


def condition_problems(cond: Any, where: str = "condition", depth: int = 0) -> list[tuple[str, str]]:
    """Static problems of a condition tree as (code, message); empty when valid."""
    if depth > MAX_DEPTH:
        return [(INVALID, f"{where}: nested deeper than {MAX_DEPTH}")]
    if not isinstance(cond, Mapping):
        return [(INVALID, f"{where}: must be an object")]
    kinds = [k for k in ("all", "any", "not", "operator") if k in cond]
    if not kinds:
        return [(MISSING, f"{where}: missing 'operator' (or 'all' / 'any' / 'not')")]
    if len(kinds) > 1:
        return [(INVALID, f"{where}: use only one of 'operator', 'all', 'any', 'not' (got {', '.join(kinds)})")]
    kind = kinds[0]
    if kind in ("all", "any"):
        items = cond[kind]
        if not isinstance(items, list) or not items:
            return [(INVALID, f"{where}.{kind}: must be a non-empty list")]
        out: list[tuple[str, str]] = []
        for i, sub in enumerate(items):
            out.extend(condition_problems(sub, f"{where}.{kind}[{i}]", depth + 1))
        return out
    if kind == "not":
        return condition_problems(cond["not"], f"{where}.not", depth + 1)
    op = cond["operator"]
    if op not in OPERATORS:
        return [(INVALID, f"{where}: unknown operator {op!r} (expected one of {', '.join(sorted(OPERATORS))})")]
    problems = []
    if "left" not in cond:
        problems.append((MISSING, f"{where}: missing 'left'"))
    if op not in UNARY and "right" not in cond:
        problems.append((MISSING, f"{where}: operator '{op}' needs 'right'"))
    if op == "matches_regex" and isinstance(cond.get("right"), str) and "${" not in cond["right"]:
        try:
            _compile(cond["right"])
        except NodeError as exc:
            problems.append((INVALID, f"{where}: {exc.message}"))
    return problems


def evaluate(cond: Mapping[str, Any], scope: TemplateScope, node_id: str, trace: list[dict[str, Any]]) -> bool:
    """Evaluate a validated condition; each evaluated leaf is appended to `trace` (recorded as step input)."""
    if "all" in cond:
        return all(evaluate(c, scope, node_id, trace) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, scope, node_id, trace) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], scope, node_id, trace)
    op = cond["operator"]
    left = render_in_node(cond.get("left"), scope, node_id)
    right = render_in_node(cond.get("right"), scope, node_id) if op not in UNARY else None
    result = compare(op, left, right)
    trace.append({"left": left, "operator": op, "right": right, "result": result})
    return result


def compare(op: str, left: Any, right: Any) -> bool:
    if op == "equals":
        return _eq(left, right)
    if op == "not_equals":
        return not _eq(left, right)
    if op in ("gt", "lt", "ge", "le"):
        a, b = _ordered_pair(left, right, op)
        return {"gt": a > b, "lt": a < b, "ge": a >= b, "le": a <= b}[op]
    if op in ("contains", "not_contains"):
        found = _contains(left, right)
        return found if op == "contains" else not found
    if op == "matches_regex":
        if not isinstance(right, str):
            raise NodeError(f"matches_regex needs a string pattern, got {type(right).__name__}")
        subject = left if isinstance(left, str) else ("" if left is None else str(left))
        if len(subject) > MAX_REGEX_SUBJECT:
            raise NodeError(f"matches_regex subject longer than {MAX_REGEX_SUBJECT} characters")
        return _compile(right).search(subject) is not None
    if op == "in_list":
        if isinstance(right, str):   # "a,b,c" is accepted as a list for hand-written configs
            right = [s.strip() for s in right.split(",")]
        if not isinstance(right, list | tuple):
            raise NodeError(f"in_list needs a list on the right, got {type(right).__name__}")
        return any(_eq(left, item) for item in right)
    if op == "is_empty":
        return left is None or (isinstance(left, str | list | tuple | dict) and len(left) == 0)
    raise NodeError(f"unknown operator {op!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _eq(a: Any, b: Any) -> bool:
    if type(a) is type(b):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        other = b if isinstance(a, bool) else a
        flag = a if isinstance(a, bool) else b
        return isinstance(other, str) and other.strip().lower() == ("true" if flag else "false")
    if isinstance(a, int | float) or isinstance(b, int | float):
        na, nb = _number(a), _number(b)
        return na is not None and nb is not None and na == nb
    return a == b


def _ordered_pair(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na, nb
    if isinstance(a, str) and isinstance(b, str):   # e.g. ISO timestamps compare correctly as text
        return a, b
    raise NodeError(f"cannot compare {type(a).__name__} and {type(b).__name__} with '{op}'")


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return (item if isinstance(item, str) else str(item)) in container
    if isinstance(container, list | tuple):
        return any(_eq(x, item) for x in container)
    if isinstance(container, Mapping):
        return str(item) in container
    if container is None:
        return False
    raise NodeError(f"'contains' needs a string, list or object on the left, got {type(container).__name__}")


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_REGEX_PATTERN:
        raise NodeError(f"regex longer than {MAX_REGEX_PATTERN} characters")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise NodeError(f"invalid regex {pattern!r}: {exc}") from None
