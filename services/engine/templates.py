"""`${root.dotted.path}` templates: parsing, validation and safe substitution (plain lookups, never eval).

Rules:
* Roots: context, variables, steps, schedule, execution, loop.
* A string that is exactly one `${...}` yields the looked-up value with its type (list, dict, number ...);
  otherwise each value is stringified into the text (strings as-is, numbers via str(), everything else as JSON).
* Path segments index mappings by key and lists by a decimal index (`${steps.n1.output.items.0}`).
* `$${` is a literal `${`.
* A missing key raises TemplateError naming the path up to the missing segment.
"""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from services.engine.types import TemplateError

ROOTS = frozenset({"context", "variables", "steps", "schedule", "execution", "event", "loop"})
# In a dry run's roots (never a template root): the sending nodes that sent nothing. A path into such a node's
# missing response renders as DRY_RUN_PLACEHOLDER instead of failing, so the rest of the run can be tried.
DRY_RUN_UNSENT = "__dry_run_unsent__"
DRY_RUN_PLACEHOLDER = "<dry-run: {}>"


class TemplateSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Ref:
    path: tuple[str, ...]


Part = str | Ref


@lru_cache(maxsize=4096)
def parse_template(text: str) -> tuple[Part, ...]:
    """Split `text` into literal strings and Refs. Cached: definitions are re-run many times."""
    parts: list[Part] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        start = text.find("$", i)
        if start < 0:
            buf.append(text[i:])
            break
        buf.append(text[i:start])
        if text.startswith("$${", start):
            buf.append("${")
            i = start + 3
            continue
        if not text.startswith("${", start):
            buf.append("$")
            i = start + 1
            continue
        end = text.find("}", start + 2)
        if end < 0:
            raise TemplateSyntaxError(f"unclosed '${{' at position {start} in {_clip(text)!r}")
        inner = text[start + 2:end].strip()
        if not inner:
            raise TemplateSyntaxError(f"empty '${{}}' at position {start} in {_clip(text)!r}")
        if "${" in inner or "{" in inner or "$" in inner:
            raise TemplateSyntaxError(f"nested or unclosed template at position {start} in {_clip(text)!r}")
        segments = tuple(inner.split("."))
        if any(not s or any(c.isspace() for c in s) for s in segments):
            raise TemplateSyntaxError(f"bad path '{inner}' in {_clip(text)!r}")
        if segments[0] not in ROOTS:
            raise TemplateSyntaxError(
                f"unknown root '{segments[0]}' in '${{{inner}}}' (expected one of {', '.join(sorted(ROOTS))})"
            )
        if joined := "".join(buf):
            parts.append(joined)
        buf = []
        parts.append(Ref(segments))
        i = end + 1
    if buf and (joined := "".join(buf)):
        parts.append(joined)
    return tuple(parts)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def iter_strings(value: Any) -> Iterator[str]:
    """Every string leaf of a JSON-like value (dict keys are never templated)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from iter_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_strings(v)


def check_syntax(value: Any) -> list[Ref]:
    """Validate every template in `value`; return the references found. Raises TemplateSyntaxError."""
    refs: list[Ref] = []
    for s in iter_strings(value):
        if "$" in s:
            refs.extend(p for p in parse_template(s) if isinstance(p, Ref))
    return refs


@dataclass(slots=True)
class LoopFrame:
    """One iteration of a loop_foreach; frames chain outwards for nested loops."""

    node_id: str
    item_variable: str
    item: Any
    index: int
    count: int
    parent: LoopFrame | None
    variables: ChainMap = field(default_factory=ChainMap)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id, "item": self.item, "index": self.index, "count": self.count,
            "parent": self.parent.as_dict() if self.parent else None,
        }


class TemplateScope:
    """What `${...}` can see. Loop item variables shadow run variables only inside their loop body."""

    __slots__ = ("_roots", "frame")

    def __init__(self, roots: dict[str, Any], frame: LoopFrame | None = None) -> None:
        self._roots = roots
        self.frame = frame

    def child(self, frame: LoopFrame) -> TemplateScope:
        return TemplateScope(self._roots, frame)

    def root(self, name: str) -> Any:
        if name == "variables" and self.frame is not None:
            return self.frame.variables
        if name == "loop":
            if self.frame is None:
                raise KeyError(name)
            return self.frame.as_dict()
        return self._roots[name]

    def lookup(self, path: tuple[str, ...]) -> Any:
        try:
            cur = self.root(path[0])
        except KeyError:
            raise TemplateError(f"'{path[0]}' not found") from None
        if len(path) == 1 and isinstance(cur, dict):
            return dict(cur)   # never hand out the live run state: storing it back would make a cycle
        for i, seg in enumerate(path[1:], start=1):
            if (type(cur) is dict or isinstance(cur, Mapping)) and seg in cur:   # dict first: ABCs are slow
                cur = cur[seg]
            elif isinstance(cur, list | tuple) and seg.isdigit() and int(seg) < len(cur):
                cur = cur[int(seg)]
            else:
                unsent = self._roots.get(DRY_RUN_UNSENT)
                if unsent and i >= 3 and path[0] == "steps" and path[1] in unsent and path[2] == "output":
                    return DRY_RUN_PLACEHOLDER.format(".".join(path))
                raise TemplateError(f"'{'.'.join(path[:i + 1])}' not found")
        if type(cur) in _PLAIN:   # the isinstance(ChainMap) check below goes through the slow ABC machinery
            return cur
        return dict(cur) if isinstance(cur, ChainMap) else cur


def stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    try:
        return json.dumps(value, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        return str(value)


def render_string(text: str, scope: TemplateScope) -> Any:
    if "$" not in text:
        return text
    try:
        parts = parse_template(text)
    except TemplateSyntaxError as exc:   # normally caught by validation; kept for unvalidated callers
        raise TemplateError(str(exc)) from None
    if len(parts) == 1 and isinstance(parts[0], Ref):
        return scope.lookup(parts[0].path)
    return "".join(p if isinstance(p, str) else stringify(scope.lookup(p.path)) for p in parts)


_SCALARS = frozenset({int, float, bool, type(None)})
_PLAIN = frozenset({str, int, float, bool, type(None), dict, list})


def render(value: Any, scope: TemplateScope) -> Any:
    """Render every string leaf of a JSON-like value; containers are copied, never mutated."""
    # Exact types first: isinstance() against the Mapping ABC is slow and this runs for every config value.
    kind = type(value)
    if kind is str:
        return render_string(value, scope)
    if kind is dict:
        return {k: render(v, scope) for k, v in value.items()}
    if kind in _SCALARS:
        return value
    if isinstance(value, str):
        return render_string(value, scope)
    if isinstance(value, Mapping):
        return {k: render(v, scope) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, scope) for v in value]
    return value


def render_in_node(value: Any, scope: TemplateScope, node_id: str) -> Any:
    """render() with the node named in the error, e.g. "template error in node 'n3': 'context.x' not found"."""
    try:
        return render(value, scope)
    except TemplateError as exc:
        raise TemplateError(f"template error in node '{node_id}': {exc.message}") from None
