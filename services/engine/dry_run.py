"""What a dry run cannot know: the responses of sending nodes, which send nothing in a dry run.

`unresolved_references` lists, before the run, every template path into such a response that no mock
(`mock_outputs`) stands in for; at run time each renders as `<dry-run: path>` (templates.DRY_RUN_PLACEHOLDER).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.engine.templates import TemplateSyntaxError, check_syntax

SENDING = frozenset({"action_webhook", "action_module", "action_chat_message"})
# What an unmocked sending node's dry-run output does have: {"dry_run": true, "request": {...}}.
DRY_OUTPUT_KEYS = frozenset({"dry_run", "request"})


def sending_nodes(definition: Mapping[str, Any]) -> set[str]:
    return {n["node_id"] for n in definition.get("nodes") or []
            if isinstance(n, Mapping) and n.get("type") in SENDING and isinstance(n.get("node_id"), str)}


def unresolved_references(definition: Mapping[str, Any], mocked: set[str]) -> list[str]:
    """`steps.<id>.output.<...>` paths into an unmocked sending node's response, in definition order."""
    unsent = sending_nodes(definition) - mocked
    found: dict[str, None] = {}
    for n in definition.get("nodes") or []:
        if not isinstance(n, Mapping):
            continue
        try:
            refs = check_syntax(n.get("config") or {})
        except TemplateSyntaxError:
            continue  # a stored definition is valid; nothing to add for one that is not
        for ref in refs:
            p = ref.path
            if len(p) > 3 and p[0] == "steps" and p[1] in unsent and p[2] == "output" and p[3] not in DRY_OUTPUT_KEYS:
                found[".".join(p)] = None
    return list(found)
