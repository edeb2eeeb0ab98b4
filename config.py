"""Settings read from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256")


class ConfigError(Exception):
    """A bad setting; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    port: int = 8070
    host: str = "0.0.0.0"
    workers: int = 1
    log_level: str = "INFO"
    database_url: str | None = None
    embedded_pg_dir: Path = ROOT / ".data" / "pg"
    db_pool_min: int = 2
    db_pool_max: int = 10
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: str = "HS256"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    instance_id: str | None = None
    horizon_seconds: float = 30.0
    lease_seconds: float = 15.0
    heartbeat_seconds: float = 3.0
    reconcile_seconds: float = 5.0
    claim_batch: int = 500
    catchup_after_seconds: float = 5.0
    execution_retention_days: int = 30
    audit_retention_days: int = 365
    approval_ttl_seconds: float = 86400.0
    backfill_rate_per_second: float = 5.0
    shutdown_grace_seconds: float = 30.0
    max_concurrent_workflows: int = 100
    max_loop_iterations: int = 100
    max_total_operations: int = 1000
    max_loop_depth: int = 10
    workflow_timeout_seconds: float = 300.0
    node_timeout_seconds: float = 30.0
    step_io_max_bytes: int = 4096
    http_max_response_bytes: int = 1_048_576
    router_url: str = "http://localhost:8000"
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_body_bytes: int = 1_048_576

    @property
    def jwt_verify_key(self) -> str:
        return self.jwt_public_key if self.jwt_algorithm.startswith(("RS", "ES")) else (self.jwt_secret or "")


def load_dotenv_file(path: Path = ROOT / ".env") -> None:
    """Load `.env` without overriding variables already set in the environment."""
    if path.exists():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ConfigError(f"{name}={raw!r} must be {bound}")
    return value


def _float(env: dict[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be >= {minimum}")
    return value


def _opt(env: dict[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    return raw or None


def _database_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("postgres", "postgresql") or not (parsed.hostname or "host=" in parsed.query):
        raise ConfigError("DATABASE_URL must look like postgresql://user:password@host:5432/dbname")
    return raw


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from `env` (default: os.environ); raises ConfigError naming the bad setting."""
    env = dict(os.environ if env is None else env)
    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={env['LOG_LEVEL']!r} is not one of {', '.join(LOG_LEVELS)}")
    algorithm = (env.get("JWT_ALGORITHM") or "").strip().upper()
    public_key = _opt(env, "JWT_PUBLIC_KEY")
    public_key_file = _opt(env, "JWT_PUBLIC_KEY_FILE")
    if public_key_file:
        try:
            public_key = Path(public_key_file).read_text()
        except OSError as exc:
            raise ConfigError(f"JWT_PUBLIC_KEY_FILE={public_key_file!r} cannot be read: {exc.strerror}") from None
    if not algorithm:
        algorithm = "RS256" if public_key else "HS256"
    if algorithm not in JWT_ALGORITHMS:
        raise ConfigError(f"JWT_ALGORITHM={algorithm!r} is not one of {', '.join(JWT_ALGORITHMS)}")
    secret = _opt(env, "JWT_SECRET")
    if algorithm.startswith("HS"):
        if not secret:
            raise ConfigError("JWT_SECRET is required (run ./run.sh once, or set it in .env)")
        if len(secret) < 32:
            raise ConfigError("JWT_SECRET must be at least 32 characters")
    elif not public_key:
        raise ConfigError(f"JWT_PUBLIC_KEY (or JWT_PUBLIC_KEY_FILE) is required for JWT_ALGORITHM={algorithm}")
    pool_min = _int(env, "DB_POOL_MIN", 2, 1)
    pool_max = _int(env, "DB_POOL_MAX", 10, 1)
    if pool_max < pool_min:
        raise ConfigError(f"DB_POOL_MAX={pool_max} must be >= DB_POOL_MIN={pool_min}")
    horizon = _float(env, "SCHEDULER_HORIZON_SECONDS", 30.0, 1.0)
    lease = _float(env, "LEASE_SECONDS", 15.0, 5.0)
    # Five heartbeats per lease: one lost heartbeat never fences (the fence falls at half the lease).
    heartbeat = _float(env, "HEARTBEAT_SECONDS", lease / 5, 0.1)
    if lease < 3 * heartbeat:
        raise ConfigError(f"LEASE_SECONDS={lease:g} must be at least 3 heartbeats (HEARTBEAT_SECONDS={heartbeat:g})")
    allowed = frozenset(h.strip().lower() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip())
    return Settings(
        port=_int(env, "PORT", 8070, 1, 65535),
        host=env.get("HOST", "0.0.0.0") or "0.0.0.0",
        workers=_int(env, "WORKERS", 1, 1, 64),
        log_level=log_level,
        database_url=_database_url(_opt(env, "DATABASE_URL")),
        embedded_pg_dir=ROOT / (env.get("EMBEDDED_PG_DIR") or ".data/pg"),
        db_pool_min=pool_min,
        db_pool_max=pool_max,
        jwt_secret=secret,
        jwt_public_key=public_key,
        jwt_algorithm=algorithm,
        jwt_issuer=_opt(env, "JWT_ISSUER"),
        jwt_audience=_opt(env, "JWT_AUDIENCE"),
        instance_id=_opt(env, "INSTANCE_ID"),
        horizon_seconds=horizon,
        lease_seconds=lease,
        heartbeat_seconds=heartbeat,
        reconcile_seconds=_float(env, "RECONCILE_SECONDS", 5.0, 0.1),
        claim_batch=_int(env, "CLAIM_BATCH", 500, 1, 10_000),
        catchup_after_seconds=_float(env, "CATCHUP_AFTER_SECONDS", 5.0, 0.0),
        execution_retention_days=_int(env, "EXECUTION_RETENTION_DAYS", 30, 1),
        audit_retention_days=_int(env, "AUDIT_RETENTION_DAYS", 365, 1),
        approval_ttl_seconds=_float(env, "APPROVAL_TTL_SECONDS", 86400.0, 1.0),
        backfill_rate_per_second=_float(env, "BACKFILL_RATE_PER_SECOND", 5.0, 0.01),
        shutdown_grace_seconds=_float(env, "SHUTDOWN_GRACE_SECONDS", 30.0, 0.0),
        max_concurrent_workflows=_int(env, "MAX_CONCURRENT_WORKFLOWS", 100, 1),
        max_loop_iterations=_int(env, "MAX_LOOP_ITERATIONS", 100, 1),
        max_total_operations=_int(env, "MAX_TOTAL_OPERATIONS", 1000, 1),
        max_loop_depth=_int(env, "MAX_LOOP_DEPTH", 10, 1),
        workflow_timeout_seconds=_float(env, "WORKFLOW_TIMEOUT_SECONDS", 300.0, 0.1),
        node_timeout_seconds=_float(env, "NODE_TIMEOUT_SECONDS", 30.0, 0.1),
        step_io_max_bytes=_int(env, "STEP_IO_MAX_BYTES", 4096, 64),
        http_max_response_bytes=_int(env, "HTTP_MAX_RESPONSE_BYTES", 1_048_576, 1024),
        router_url=(env.get("ROUTER_URL") or "http://localhost:8000").rstrip("/"),
        allowed_hosts=allowed,
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576, 1024),
    )
