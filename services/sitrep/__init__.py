"""The situation report (GET /api/v1/scheduler/sitrep): one community's scheduler, runs and fires over a window,
computed from PostgreSQL on every request (services/sitrep/queries.py), judged by services/sitrep/rules.py.

A database that cannot be read is a 503 with the reason, never a report of zeros.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from config import Settings
from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import ApiError, ValidationFailed
from services.scheduler.duty import DB_ERRORS
from services.sitrep import queries, rules
from services.sitrep.rules import TASK_STATUS, item, ratio

WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_WINDOW = 60
MAX_WINDOW = 7 * 86400  # longer views are the executions list's job (and would read more than one index page)
TIMEOUT_SECONDS = 5.0
SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?")


class DatabaseUnavailable(ApiError):
    status = 503
    code = "database_unavailable"


def parse_window(text: str) -> int:
    """`90s`, `15m`, `24h`, `7d` -> seconds, between a minute and 7 days."""
    match = re.fullmatch(r"([1-9][0-9]{0,6})([smhd])", text)
    if match is None:
        raise ValidationFailed("window", "must be a number and a unit (s, m, h or d), e.g. 24h",
                               code="invalid_window")
    seconds = int(match.group(1)) * WINDOW_UNITS[match.group(2)]
    if not MIN_WINDOW <= seconds <= MAX_WINDOW:
        raise ValidationFailed("window", f"must be between 1m and 7d (got {text})", code="invalid_window")
    return seconds


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


class SitrepService:
    def __init__(self, dal: AsyncDAL, settings: Settings) -> None:
        self.dal = dal
        # Part of the approvals work: read with a default while that setting may not exist yet.
        self.approval_ttl = float(getattr(settings, "approval_ttl_seconds", rules.APPROVAL_TTL_DEFAULT))

    async def report(self, principal: Principal, window: int, recent: int) -> dict[str, Any]:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                return await self._report(principal.community_id, window, recent)
        except TimeoutError:
            raise DatabaseUnavailable(f"database did not answer within {TIMEOUT_SECONDS:g} s",
                                      headers={"Retry-After": "5"}) from None
        except (*DB_ERRORS, ConnectionError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(f"database unreachable: {type(exc).__name__}: {str(exc)[:200]}",
                                      headers={"Retry-After": "5"}) from None
        except RuntimeError as exc:  # the pool is not connected yet (start-up waits for the database)
            raise DatabaseUnavailable(f"database unreachable: {exc}", headers={"Retry-After": "5"}) from None

    async def _report(self, community_id: int, window: int, recent: int) -> dict[str, Any]:
        """The two passes over the window (counts, lateness) run at once, on two connections that share one
        repeatable-read snapshot, so every number is of the same instant."""
        async with self.dal.connection() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            now: datetime = await conn.fetchval("SELECT now()")
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            since = now - timedelta(seconds=window)
            async with self.dal.connection() as other, other.transaction(isolation="repeatable_read", readonly=True):
                if not SNAPSHOT_ID.fullmatch(snapshot):  # a utility statement takes no parameters: check, then quote
                    raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
                await other.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                async with asyncio.TaskGroup() as group:
                    lateness = group.create_task(queries.read_lateness(
                        other, community_id, since, now - timedelta(seconds=rules.recent_span(window))))
                    data = await queries.read_all(
                        conn, community_id, since=since, recent=recent,
                        approvals_before=now - timedelta(
                            seconds=self.approval_ttl - rules.approval_margin(self.approval_ttl)),
                        overdue_before=now - timedelta(seconds=rules.OVERDUE_SECONDS))
            data["lateness"] = lateness.result()
            data["by_workflow"] = _by_workflow(data["counts"])
            failing = [w for w in data["by_workflow"] if _failure_rate_crossed(w)]
            names = await queries.workflow_names(conn, [w["workflow_id"] for w in failing])
        return self._assemble(now, window, data, failing, names)

    def _assemble(self, now: datetime, window: int, data: dict[str, Any], failing: list[dict],
                  names: dict) -> dict[str, Any]:
        task = _task_metrics(data["by_workflow"])
        fire, coverage = _fire_metrics(_fire_counts(data["counts"]), data["lateness"], data["overdue"])
        actions = self._immediate_actions(data, now)
        watch = _watch_items(data, failing, names)
        verdict = rules.health(task, coverage, actions, watch)
        recent = [_recent_task(r) for r in data["recent"]]
        seen = [t for r in data["recent"] for t in (r["finished_at"], r["started_at"], r["fired_at"]) if t]
        return {
            "timestamp": now, "last_update": max(seen) if seen else None, "window_seconds": window,
            "task_metrics": task, "fire_metrics": fire, "coverage_metrics": coverage,
            "health_status": verdict.status, "crisis_mode": verdict.crisis_mode, "health_reasons": verdict.reasons,
            "recent_tasks": recent, "immediate_actions": actions, "watch_items": watch,
            "instances": [{"instance_id": i["instance_id"], "heartbeat_at": i["heartbeat_at"],
                           "expires_at": i["expires_at"], "running": i["running"]} for i in data["instances"]],
        }

    def _immediate_actions(self, data: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        actions = []
        if data["any_active"] and not any(i["running"] for i in data["instances"]):
            actions.append(item("no_scheduler", "critical", "no scheduler instance holds a live lease; nothing fires",
                                "start a Chime instance (python app.py serve) and check it reaches the database"))
        overdue = data["overdue"]
        if overdue["overdue"]:
            actions.append(item(
                "fires_overdue", "critical",
                f"{overdue['overdue']} active schedule(s) overdue by more than {rules.OVERDUE_SECONDS} s and not"
                f" claimed (oldest due {overdue['oldest'].isoformat()})",
                "check that scheduler instances run and reach the database; see instances"))
        for s in data["streaks"]:
            actions.append(item(
                "schedule_failing", "warning",
                f"the last {rules.FAILURE_STREAK} runs of schedule {s['name'] or s['schedule_id']} failed"
                + (f": {s['last_error']}" if s["last_error"] else ""),
                "open its executions, fix the workflow or its target, or pause the schedule",
                schedule_id=s["schedule_id"]))
        for s in data["auto_paused"]:
            actions.append(item(
                "schedule_auto_paused", "warning",
                f"schedule {s['name'] or s['schedule_id']} was paused by the scheduler: {s['paused_note'] or ''}",
                "fix its timing (PUT /api/v1/schedules/{id}) and resume it", schedule_id=s["schedule_id"]))
        for e in data["abandoned"]:
            actions.append(item(
                "run_abandoned", "warning",
                f"execution {e['execution_id']} was abandoned when instance {e['instance_id']} died, and not retried",
                "run the schedule now (POST /api/v1/schedules/{id}/run-now) if that fire still matters,"
                " or give the workflow a retry_config", schedule_id=e["schedule_id"], execution_id=e["execution_id"]))
        for a in data["approvals"]:
            expires = a["created_at"] + timedelta(seconds=self.approval_ttl)
            actions.append(item(
                "approval_expiring", "warning",
                f"execution {a['execution_id']} awaits approval and expires at {expires.isoformat()}",
                "approve or reject it before it expires", schedule_id=a["schedule_id"],
                execution_id=a["execution_id"]))
        return actions


def _by_workflow(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """(workflow, status, trigger) counts -> per workflow: total and one count per task status."""
    out: dict[Any, dict[str, Any]] = {}
    for c in counts:
        w = out.setdefault(c["workflow_id"], {"workflow_id": c["workflow_id"], "total": 0,
                                              **dict.fromkeys(rules.TASK_STATUSES, 0)})
        w["total"] += c["n"]
        task = TASK_STATUS.get(c["status"])
        if task is not None:
            w[task] += c["n"]
    return list(out.values())


def _fire_counts(counts: list[dict[str, Any]]) -> dict[str, int]:
    """First attempts only: trigger schedule (claimed on time) or catchup (claimed late), run or not."""
    f = {"due": 0, "on_time": 0, "late": 0, "missed": 0, "skipped": 0}
    for c in counts:
        if c["trigger"] not in ("schedule", "catchup"):
            continue
        f["due"] += c["n"]
        if c["status"] in ("missed", "skipped"):
            f[c["status"]] += c["n"]
        else:
            f["on_time" if c["trigger"] == "schedule" else "late"] += c["n"]
    return f


def _failure_rate_crossed(w: dict[str, Any]) -> bool:
    finished = w["completed"] + w["failed"]
    return finished >= rules.WORKFLOW_MIN_RUNS and w["failed"] / finished >= rules.WORKFLOW_FAILURE_RATE


def _task_metrics(by_workflow: list[dict[str, Any]]) -> dict[str, Any]:
    total = {k: sum(w[k] for w in by_workflow) for k in ("total", *rules.TASK_STATUSES)}
    return {"total_tasks": total["total"], "active_tasks": total["in_progress"],
            "completed_tasks": total["completed"], "failed_tasks": total["failed"],
            "pending_tasks": total["pending"], "cancelled_tasks": total["cancelled"],
            "success_rate": ratio(total["completed"], total["completed"] + total["failed"])}


def _fire_metrics(f: dict[str, int], lateness: dict[str, Any],
                  overdue: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    due = f["due"] + overdue["overdue"]
    run = f["on_time"] + f["late"]
    p50, p99 = lateness["p50_p99"] or (None, None)
    fire = {"fires_due": due, "fires_on_time": f["on_time"], "fires_late": f["late"], "fires_missed": f["missed"],
            "fires_skipped": f["skipped"], "fires_overdue": overdue["overdue"],
            "lateness_ms_p50": _ms(p50), "lateness_ms_p99": _ms(p99)}
    # Deliberate skips (overlap policy, a pause or cancel, an inactive workflow) are not gaps.
    should_run = due - f["skipped"]
    coverage = {"coverage_rate": ratio(run, should_run), "blocks_covered": run, "blocks_total": should_run,
                "critical_gaps": f["missed"] + overdue["overdue"]}
    return fire, coverage


def _watch_items(data: dict[str, Any], failing: list[dict], names: dict) -> list[dict[str, Any]]:
    watch = []
    late = data["lateness"]
    rising = rules.lateness_rising(late["recent_p50"], (late["p50_p99"] or [None])[0], late["recent_n"], late["n"])
    if rising:
        watch.append(rising)
    for w in sorted(failing, key=lambda w: -w["failed"] / (w["completed"] + w["failed"]))[:20]:
        finished = w["completed"] + w["failed"]
        watch.append(item(
            "workflow_failure_rate", "warning",
            f"workflow {names.get(w['workflow_id'], w['workflow_id'])} failed {w['failed']} of its {finished}"
            f" finished runs ({w['failed'] / finished:.0%} >= {rules.WORKFLOW_FAILURE_RATE:.0%})",
            "open its failed executions (GET /api/v1/executions?workflow_id=...&status=failed)",
            workflow_id=w["workflow_id"]))
    for i in data["instances"]:
        if not i["running"]:
            watch.append(item(
                "instance_stale", "warning",
                f"instance {i['instance_id']} last renewed its lease at {i['heartbeat_at'].isoformat()}; it expired"
                f" at {i['expires_at'].isoformat()}",
                "its runs are ended and retried by the leader; check why the process stopped"))
    return watch


def _recent_task(r: dict[str, Any]) -> dict[str, Any]:
    return {"execution_id": r["execution_id"], "schedule_id": r["schedule_id"], "schedule_name": r["schedule_name"],
            "workflow_name": r["workflow_name"], "status": r["status"],
            "task_status": TASK_STATUS.get(r["status"], "pending"), "trigger": r["trigger"],
            "scheduled_for": r["scheduled_for"], "started_at": r["started_at"], "finished_at": r["finished_at"],
            "duration_ms": r["duration_ms"], "error": r["error"]}
