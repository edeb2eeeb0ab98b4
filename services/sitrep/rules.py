"""The situation report's judgements: task statuses, immediate actions, watch items and the health rules.

Pure functions over what services/sitrep/queries.py read, so each rule is tested on its own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Chime's execution statuses as the dashboard's task statuses (docs/design.md, "Situation report").
TASK_STATUS = {
    "pending": "pending",
    "awaiting_approval": "pending",
    "running": "in_progress",
    "completed": "completed",
    "failed": "failed",
    "timeout": "failed",
    "abandoned": "failed",
    "cancelled": "cancelled",
    "skipped": "cancelled",
    "missed": "cancelled",
    "expired": "cancelled",
}
TASK_STATUSES = ("pending", "in_progress", "completed", "failed", "cancelled")
FAILED = tuple(s for s, t in TASK_STATUS.items() if t == "failed")

FAILURE_STREAK = 3            # a schedule whose last 3 runs all failed needs a look
WORKFLOW_FAILURE_RATE = 0.25  # a workflow failing a quarter of its finished runs is watched ...
WORKFLOW_MIN_RUNS = 5         # ... once it has finished at least this many in the window
LATENESS_RISE_FACTOR = 2.0    # the recent part's median lateness at least twice the window's ...
LATENESS_RISE_FLOOR_MS = 1000.0  # ... and at least a second
LATENESS_MIN_FIRES = 5        # with this many fires in the recent part and in the rest
MIN_SAMPLE = 10               # rate rules of the health status need this many runs / fires
APPROVAL_TTL_DEFAULT = 86400  # seconds, when the settings have no APPROVAL_TTL_SECONDS
OVERDUE_SECONDS = 30          # an active schedule due this long ago and not yet claimed is overdue


def recent_span(window: int) -> int:
    """The "recent" part of the window that lateness is compared on: its last quarter, at most an hour."""
    return min(window // 4, 3600)


def approval_margin(ttl: float) -> float:
    """Approvals are flagged this long before they expire: an hour, or a quarter of a short TTL."""
    return min(3600.0, ttl / 4)


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (never a made-up 1.0)."""
    return round(part / whole, 4) if whole else None


def item(kind: str, severity: str, message: str, suggested_action: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "severity": severity, "message": message, "suggested_action": suggested_action,
            **{k: v for k, v in extra.items() if v is not None}}


@dataclass
class Health:
    status: str
    crisis_mode: bool
    reasons: list[str]


def health(task: dict[str, Any], coverage: dict[str, Any], actions: list[dict], watch: list[dict]) -> Health:
    """| critical | a critical immediate action (no live scheduler, overdue fires), or coverage < 0.90, or
    success rate < 0.50 (rates once their sample reaches MIN_SAMPLE) |
    | degraded | otherwise any immediate action or watch item, or coverage < 0.99, or success rate < 0.90 |
    | healthy  | otherwise |. Crisis mode is the critical status."""
    finished = task["completed_tasks"] + task["failed_tasks"]
    success = task["success_rate"] if finished >= MIN_SAMPLE else None
    cover = coverage["coverage_rate"] if coverage["blocks_total"] >= MIN_SAMPLE else None
    critical = [f"{a['kind']}: {a['message']}" for a in actions if a["severity"] == "critical"]
    if cover is not None and cover < 0.90:
        critical.append(f"coverage {cover:.2%} < 90%")
    if success is not None and success < 0.50:
        critical.append(f"success rate {success:.2%} < 50%")
    if critical:
        return Health("critical", True, critical)
    degraded = [f"{a['kind']}: {a['message']}" for a in actions + watch]
    if cover is not None and cover < 0.99:
        degraded.append(f"coverage {cover:.2%} < 99%")
    if success is not None and success < 0.90:
        degraded.append(f"success rate {success:.2%} < 90%")
    if degraded:
        return Health("degraded", False, degraded)
    return Health("healthy", False, [])


def lateness_rising(recent_p50: float | None, window_p50: float | None, recent_n: int,
                    n: int) -> dict[str, Any] | None:
    """The median lateness of the window's recent part at least doubled against the whole window's (the recent
    part is at most a quarter of the window, so it cannot carry the window's median along) and is past a second."""
    if recent_p50 is None or window_p50 is None or recent_n < LATENESS_MIN_FIRES or n - recent_n < LATENESS_MIN_FIRES:
        return None
    if recent_p50 >= LATENESS_RISE_FLOOR_MS and recent_p50 >= LATENESS_RISE_FACTOR * max(window_p50, 1.0):
        return item("lateness_rising", "warning",
                    f"median fire lateness rose to {recent_p50:.0f} ms recently, against {window_p50:.0f} ms over the"
                    " window", "check the scheduler instances' load, the database and CLAIM_BATCH; add an instance"
                    " if they are busy")
    return None
