"""One cheap pass over a request body: parse it once, and refuse what PostgreSQL or the service cannot hold.

Bounds (documented in the README and docs/design.md):

* nesting: at most MAX_DEPTH (32) objects/arrays inside each other; deeper (even far deeper than Python's
  recursion limit) -> 400 `nesting_too_deep`
* arrays: at most MAX_ARRAY_ITEMS (10,000) items -> 400 `array_too_long`; objects: at most MAX_OBJECT_MEMBERS
  (10,000) members -> 400 `object_too_large`
* `\\u0000` in any key or string, at any depth (jsonb and text columns refuse NUL) -> 400 `nul_character`
* lone UTF-16 surrogates (`\\ud800`), which UTF-8 cannot encode -> 400 `invalid_unicode`
* NaN, Infinity and numbers too large for a double (`1e999`): not JSON, and jsonb refuses them -> 400
  `malformed_json` / `invalid_number`

Every refusal names the path of the offending value, e.g. `definition.nodes[2].config.url`.
The whole check is one `json.loads` plus one iterative walk over containers (strings are only inspected
when the raw bytes contain an escape that could produce NUL or a surrogate), so it costs O(body size).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
MAX_ARRAY_ITEMS = 10_000
MAX_OBJECT_MEMBERS = 10_000

# NUL and surrogates can only enter a JSON text through \u escapes: raw NUL is an invalid control character
# in a JSON string, and raw surrogates are not valid UTF-8.
_NUL_ESCAPE = re.compile(rb"\\u0000")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JsonRefused(ValueError):
    """A body (or query/path) refused with a 400; `path` names where."""

    def __init__(self, code: str, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.code = code
        self.path = path
        self.message = message


def render_path(path: tuple | None) -> str:
    """(((None, 'definition'), 'nodes'), 2) -> 'definition.nodes[2]'; the body itself is 'body'."""
    parts: list[str | int] = []
    while path is not None:
        path, key = path
        parts.append(key)
    out = ""
    for part in reversed(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + printable(part)
    if not out or out.startswith("["):
        out = "body" + out
    return out


def printable(text: str) -> str:
    """A key as it can be shown in an error: NUL and surrogates escaped, like JSON would."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def string_problem(text: str) -> tuple[str, str] | None:
    if "\x00" in text:
        return "nul_character", "contains a NUL character (\\u0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "invalid_unicode", "contains a lone UTF-16 surrogate, which is not valid Unicode"
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_body(raw: bytes) -> Any:
    """Parses a JSON body once and checks it; raises JsonRefused (or ValueError for malformed JSON)."""
    text = raw.decode("utf-8")  # RFC 8259: UTF-8 only; UnicodeDecodeError is a ValueError
    non_finite = False

    def parse_float(literal: str) -> float:
        nonlocal non_finite
        value = float(literal)
        if not math.isfinite(value):
            non_finite = True
        return value

    try:
        doc = json.loads(text, parse_constant=_refuse_constant, parse_float=parse_float)
    except RecursionError:
        raise JsonRefused("nesting_too_deep", "body",
                          f"nests objects/arrays deeper than the limit of {MAX_DEPTH}") from None
    strings = bool(_NUL_ESCAPE.search(raw) or _SURROGATE_ESCAPE.search(raw))
    # Counting brackets and commas runs at C speed and over-counts (they may sit inside strings): when even
    # the over-count is within the bounds, no container can break them and the walk is skipped.
    if strings or non_finite or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH or raw.count(b",") >= min(
            MAX_ARRAY_ITEMS, MAX_OBJECT_MEMBERS):
        check_document(doc, strings=strings, floats=non_finite)
    return doc


def check_document(doc: Any, *, strings: bool = True, floats: bool = True) -> None:
    """Iterative walk: depth and sizes always; strings/keys and floats only when they may be bad."""
    stack: list[tuple[Any, int, tuple | None]] = [(doc, 1, None)]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise JsonRefused("nesting_too_deep", render_path(path),
                                  f"nests objects/arrays deeper than the limit of {MAX_DEPTH}")
            if len(value) > MAX_OBJECT_MEMBERS:
                raise JsonRefused("object_too_large", render_path(path),
                                  f"has {len(value)} members; the limit is {MAX_OBJECT_MEMBERS}")
            items = value.items()
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise JsonRefused("nesting_too_deep", render_path(path),
                                  f"nests objects/arrays deeper than the limit of {MAX_DEPTH}")
            if len(value) > MAX_ARRAY_ITEMS:
                raise JsonRefused("array_too_long", render_path(path),
                                  f"has {len(value)} items; the limit is {MAX_ARRAY_ITEMS}")
            items = enumerate(value)
        else:
            _check_scalar(value, path, strings, floats)
            continue
        for key, item in items:
            if strings and isinstance(key, str) and (problem := string_problem(key)):
                raise JsonRefused(problem[0], render_path((path, key)), "key " + problem[1])
            if isinstance(item, (dict, list)):
                stack.append((item, depth + 1, (path, key)))
            elif strings or floats:
                _check_scalar(item, (path, key), strings, floats)


def _check_scalar(value: Any, path: tuple | None, strings: bool, floats: bool) -> None:
    if strings and isinstance(value, str):
        if problem := string_problem(value):
            raise JsonRefused(problem[0], render_path(path), problem[1])
    elif floats and isinstance(value, float) and not math.isfinite(value):
        raise JsonRefused("invalid_number", render_path(path), "is too large for a number (it overflows a double)")
