"""Fix-it planning: rows in, decisions out; no database, no clock.

Every mode first skips what cannot or must not run again (deleted or inactive workflow, paused or cancelled
schedule, a cancel request, `max_retries` reached). Then:

- greedy: every remaining candidate, all now.
- conservative: transient failures only (timeout, abandoned, lease lost, connection errors, HTTP 5xx), never a
  schedule whose last `max_retries` finished runs all failed (likely permanent), at most `limit`, one every
  CONSERVATIVE_SPACING seconds.
- balanced: transient failures plus failures of workflows changed since the failure, at most `limit`, one every
  BALANCED_SPACING seconds.

A missed fire is not a failed run: greedy retries it, the other modes leave it (backfill covers outages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from services.errors import ValidationFailed

MODES = ("greedy", "conservative", "balanced")
CANDIDATE_STATUSES = ("failed", "timeout", "abandoned", "missed")
FAILING = ("failed", "timeout", "abandoned")
HARD_CAP = 1000  # candidates one fix-it looks at, whatever the mode
CONSERVATIVE_SPACING = 10.0
BALANCED_SPACING = 2.0
SPACING = {"greedy": 0.0, "conservative": CONSERVATIVE_SPACING, "balanced": BALANCED_SPACING}
MAX_WINDOW = timedelta(days=30)
_WINDOW = re.compile(r"([1-9][0-9]{0,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_CONNECTION = re.compile(r"connection error|unexpected HTTP status 5[0-9][0-9]\b")
_TRANSIENT_CODES = ("node_timeout", "lease_lost")


@dataclass
class Task:
    execution_id: UUID
    schedule_id: UUID | None
    workflow_id: UUID
    decision: str  # retry | skip
    reason: str
    delay_seconds: float = 0.0


def parse_window(text: str) -> timedelta:
    """`30m`, `24h`, `7d` (s, m, h, d), up to 30 days."""
    match = _WINDOW.fullmatch(text)
    if match is None:
        raise ValidationFailed("window", f"must be a number and a unit (s, m, h or d), e.g. 24h; got {text!r}",
                               code="invalid_window")
    window = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if window > MAX_WINDOW:
        raise ValidationFailed("window", "must be at most 30d", code="invalid_window")
    return window


def transient(row: Mapping[str, Any]) -> str | None:
    """Why this failure is likely to pass on its own, or None when it is not known to be transient."""
    status, code, error = row["status"], row["error_code"] or "", row["error"] or ""
    if status == "timeout" or code == "node_timeout":
        return "timed out"
    if status == "abandoned" or code == "lease_lost":
        return "abandoned: its instance stopped"
    if status == "failed" and _CONNECTION.search(error):
        return "connection error or HTTP 5xx"
    return None


def _blocked(row: Mapping[str, Any], max_retries: int) -> str | None:
    if row["workflow_status"] is None:
        return "workflow was deleted"
    if row["workflow_status"] != "active":
        return f"workflow is {row['workflow_status']}"
    if row["schedule_id"] is not None and row["schedule_status"] in ("paused", "cancelled", None):
        return f"schedule is {row['schedule_status'] or 'deleted'}"
    if row["cancel_requested"]:
        return "a cancel was requested for this run"
    if row["attempt"] > max_retries:
        return f"already ran {row['attempt']} times (max_retries {max_retries})"
    return None


def _workflow_changed(row: Mapping[str, Any]) -> bool:
    ended = row["finished_at"] or row["fired_at"]
    return row["workflow_updated_at"] is not None and ended is not None and row["workflow_updated_at"] > ended


def plan(mode: str, candidates: list[Mapping[str, Any]], *, max_retries: int, limit: int,
         likely_permanent: set[UUID]) -> list[Task]:
    """One task per candidate (oldest first), each `retry` (with its delay) or `skip` (with the reason)."""
    tasks: list[Task] = []
    chosen = 0
    for row in candidates:
        task = Task(row["execution_id"], row["schedule_id"], row["workflow_id"], "skip", "")
        tasks.append(task)
        blocked = _blocked(row, max_retries)
        if blocked is not None:
            task.reason = blocked
            continue
        why = transient(row)
        if mode == "greedy":
            task.decision, task.reason = "retry", why or f"{row['status']} (greedy retries every candidate)"
            continue
        if row["status"] == "missed":
            task.reason = "missed fire, not a failed run (greedy or backfill run it)"
            continue
        if mode == "conservative":
            if why is None:
                task.reason = "not a transient failure"
                continue
            if row["schedule_id"] in likely_permanent:
                task.reason = f"the schedule's last {max_retries} runs all failed (likely permanent)"
                continue
        elif why is None:
            if not _workflow_changed(row):
                task.reason = "not a transient failure, and the workflow has not changed since"
                continue
            why = "the workflow changed since this failure"
        if chosen >= limit:
            task.reason = f"over the limit of {limit} retries"
            continue
        task.decision, task.reason, task.delay_seconds = "retry", why, chosen * SPACING[mode]
        chosen += 1
    return tasks
