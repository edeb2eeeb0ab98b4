"""ApprovalService: issue approval tokens for runs or a fix-it, and decide with them.

A decision runs in one transaction: the caller's wrong-token counter is locked first (services.approvals.
attempts), then the token row; a valid token is spent and its items approved or denied (runs through
services.execution_state, a fix-it through services.fixit.service), each recorded in the audit trail. A token
that is unknown (or another community's), spent or expired answers 404 / 409 / 410 with `status`
invalid_token / already_used / expired in the error body and counts as a wrong token for its caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services import audit, execution_state
from services.approvals import attempts, tokens
from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import ApiError, Conflict, NotFound, ValidationFailed
from services.fixit import service as fixits

log = logging.getLogger("chime.ops")
REFUSALS = {  # status in the body -> (HTTP status, error code, message)
    "invalid_token": (404, "token_not_found", "no such approval token in this community"),
    "already_used": (409, "token_already_used", "this approval token was already used"),
    "expired": (410, "token_expired", "this approval token (or everything it decides) has expired"),
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _empty_decision(action: str, status: str, message: str) -> dict[str, Any]:
    return {"status": status, "action": action, "approved_tasks": [], "denied_tasks": [], "task_details": [],
            "approved_by": None, "approved_at": None, "message": message, "warnings": [], "fixit_id": None}


class ApprovalRefused(ApiError):
    """A token that cannot decide anything: the error envelope plus the decision fields, status saying why."""

    def __init__(self, status: str, action: str) -> None:
        http, code, message = REFUSALS[status]
        super().__init__(message, code=code, status=http, extra=_empty_decision(action, status, message))


class ApprovalService:
    def __init__(self, dal: AsyncDAL, *, approval_ttl_seconds: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.ttl = timedelta(seconds=approval_ttl_seconds)
        self.clock = clock

    async def generate(self, principal: Principal, execution_ids: list[UUID] | None,
                       fixit_id: UUID | None) -> dict[str, Any]:
        if (not execution_ids) == (fixit_id is None):
            raise ValidationFailed("execution_ids", "give exactly one of 'execution_ids' (non-empty) or 'fixit_id'",
                                   code="invalid_approval_request")
        now = self.clock()
        community = principal.community_id
        ids = list(dict.fromkeys(execution_ids or []))
        async with self.dal.transaction() as conn:
            if fixit_id is not None:
                fixit = await fixits.lock(conn, community, fixit_id)
                if fixit["status"] != "awaiting_approval":
                    raise Conflict(f"fix-it {fixit_id} is {fixit['status']}, not awaiting approval",
                                   code="not_awaiting_approval")
            else:
                found = {r["execution_id"]: r["status"] for r in await conn.fetch(
                    "SELECT execution_id, status FROM workflow_executions WHERE execution_id = ANY($1::uuid[])"
                    " AND community_id = $2", ids, community)}
                for eid in ids:
                    if eid not in found:
                        raise NotFound(f"execution {eid} not found", code="execution_not_found")
                for eid in ids:
                    if found[eid] != "awaiting_approval":
                        raise Conflict(f"execution {eid} is {found[eid]}, not awaiting approval",
                                       code="not_awaiting_approval")
            issued = await tokens.issue(conn, community_id=community, created_by=principal.user_id, now=now,
                                        expires_at=now + self.ttl, execution_ids=ids, fixit_id=fixit_id)
            await audit.record(conn, principal, "approval.token_generate", "approval", issued.approval_id, None, {
                "execution_ids": ids, "fixit_id": fixit_id, "expires_at": issued.expires_at}, at=now)
        return {"token": issued.token, "expires_at": issued.expires_at, "execution_ids": ids, "fixit_id": fixit_id,
                "approval_id": issued.approval_id}

    async def decide(self, principal: Principal, token: str, action: str, execution_id: UUID | None,
                     notes: str | None) -> dict[str, Any]:
        now = self.clock()
        community, actor = principal.community_id, principal.user_id
        refused: str | None = None
        async with self.dal.transaction() as conn:
            await attempts.hold(conn, community, actor, now)
            row = await tokens.find(conn, token)
            if row is None or row["community_id"] != community:
                refused = "invalid_token"
            elif row["used_at"] is not None:
                refused = "already_used"
            elif row["expires_at"] is not None and row["expires_at"] <= now:
                refused = "expired"
            else:
                if execution_id is not None and execution_id not in row["execution_ids"]:
                    raise ValidationFailed("execution_id", "is not one of the runs this token decides",
                                           code="not_in_token")
                if row["fixit_id"] is not None:
                    result = await self._decide_fixit(conn, principal, row, action, notes, now)
                else:
                    items = [execution_id] if execution_id is not None else list(row["execution_ids"])
                    result = await self._decide_runs(conn, principal, items, action, notes, now)
                if result is None:
                    refused = "expired"
                else:
                    await tokens.spend(conn, row["approval_id"], actor, action, now)
            if refused is not None:
                await attempts.failed(conn, community, actor, now)
        if refused is not None:
            log.warning("approval token refused", extra={"event_type": "ops", "action": f"approval.{action}",
                                                         "result": refused, "community_id": community})
            raise ApprovalRefused(refused, action)
        log.info("approval decided", extra={"event_type": "ops", "action": f"approval.{action}",
                                            "result": result["status"], "community_id": community,
                                            "count": len(result["approved_tasks"]) + len(result["denied_tasks"])})
        return result

    async def _decide_runs(self, conn: asyncpg.Connection, principal: Principal, items: list[UUID], action: str,
                           notes: str | None, now: datetime) -> dict[str, Any] | None:
        before = {r["execution_id"]: r["status"] for r in await conn.fetch(
            "SELECT execution_id, status FROM workflow_executions WHERE execution_id = ANY($1::uuid[])"
            " AND community_id = $2 FOR UPDATE", items, principal.community_id)}
        if before and all(s == "expired" for s in before.values()):
            return None
        if action == "approve":
            changed = await execution_state.approve(conn, principal.community_id, items, now)
        else:
            note = f"denied by {principal.user_id}" + (f": {notes}" if notes else "")
            changed = await execution_state.deny(conn, principal.community_id, items, now, note)
        after = {r["execution_id"]: r["status"] for r in changed}
        details, warnings = [], []
        for eid in items:
            if eid in after:
                details.append({"execution_id": eid, "result": "approved" if action == "approve" else "denied",
                                "status": after[eid], "reason": notes})
                await audit.record(conn, principal, f"execution.{action}", "execution", eid,
                                   {"status": "awaiting_approval", "note": None},
                                   {"status": after[eid], "note": notes}, at=now)
            else:
                state = before.get(eid, "gone")
                details.append({"execution_id": eid, "result": "skipped", "status": state if state != "gone" else None,
                                "reason": f"not awaiting approval ({state})"})
                warnings.append(f"execution {eid} was not awaiting approval ({state}); left alone")
        decided = [eid for eid in items if eid in after]
        verb = "approved" if action == "approve" else "denied"
        return {"status": verb, "action": action,
                "approved_tasks": decided if action == "approve" else [],
                "denied_tasks": decided if action == "deny" else [],
                "task_details": details, "approved_by": principal.user_id, "approved_at": now,
                "message": f"{verb} {len(decided)} of {len(items)} runs", "warnings": warnings, "fixit_id": None}

    async def _decide_fixit(self, conn: asyncpg.Connection, principal: Principal, token_row: asyncpg.Record,
                            action: str, notes: str | None, now: datetime) -> dict[str, Any] | None:
        fixit = await conn.fetchrow("SELECT * FROM fixits WHERE fixit_id = $1 AND community_id = $2 FOR UPDATE",
                                    token_row["fixit_id"], principal.community_id)
        if fixit is None or fixit["status"] == "expired":
            return None
        verb = "approved" if action == "approve" else "denied"
        result = {"status": verb, "action": action, "approved_tasks": [], "denied_tasks": [], "task_details": [],
                  "approved_by": principal.user_id, "approved_at": now, "warnings": [],
                  "fixit_id": fixit["fixit_id"]}
        if fixit["status"] != "awaiting_approval":
            result["message"] = f"fix-it {fixit['fixit_id']} is {fixit['status']}; nothing was changed"
            result["warnings"].append(result["message"])
            return result
        planned = {r["position"] for r in await conn.fetch(
            "SELECT position FROM fixit_tasks WHERE fixit_id = $1 AND decision = 'retry'", fixit["fixit_id"])}
        if action == "approve":
            tasks = [t for t in await fixits.start(conn, fixit, now, principal.user_id) if t["position"] in planned]
            started = [t for t in tasks if t["retry_execution_id"] is not None]
            result["approved_tasks"] = [t["execution_id"] for t in started]
            result["task_details"] = [{
                "execution_id": t["execution_id"], "result": "approved" if t["retry_execution_id"] else "skipped",
                "status": "pending" if t["retry_execution_id"] else None, "reason": t["reason"],
                "retry_execution_id": t["retry_execution_id"]} for t in tasks]
            result["message"] = f"fix-it {fixit['fixit_id']} approved: {len(started)} retries started"
            result["warnings"] += [f"execution {t['execution_id']}: {t['reason']}" for t in tasks
                                   if t["retry_execution_id"] is None]
        else:
            await fixits.deny(conn, fixit, now, principal.user_id, notes)
            planned = await conn.fetch("SELECT execution_id FROM fixit_tasks WHERE fixit_id = $1"
                                       " AND decision = 'retry' ORDER BY position", fixit["fixit_id"])
            result["denied_tasks"] = [t["execution_id"] for t in planned]
            result["task_details"] = [{"execution_id": t["execution_id"], "result": "denied", "status": None,
                                       "reason": notes} for t in planned]
            result["message"] = f"fix-it {fixit['fixit_id']} denied"
        after = await conn.fetchrow("SELECT status FROM fixits WHERE fixit_id = $1", fixit["fixit_id"])
        await audit.record(conn, principal, f"fixit.{action}", "fixit", fixit["fixit_id"],
                           {"status": "awaiting_approval", "note": None}, {"status": after["status"], "note": notes},
                           at=now)
        return result
