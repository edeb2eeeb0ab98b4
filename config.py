"""Settings read from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ROLES = ("all", "api", "worker")
JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256")


class ConfigError(Exception):
    """A bad setting; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    port: int = 8070
    host: str = "0.0.0.0"
    role: str = "all"
    event_loop: str = "uvloop"
    json_codec: str = "orjson"
    saturation_wait_seconds: float = 1.0
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
    hub_session_seconds: float = 8 * 3600.0
    hub_link_seconds: float = 600.0
    hub_frame_ancestors: str = "'self'"
    hub_public_url: str | None = None
    cors_origins: frozenset[str] = field(default_factory=frozenset)

    @property
    def runs_scheduler(self) -> bool:
        """`api` processes serve the API and claim nothing; `worker` and `all` claim, run and maintain."""
        return self.role != "api"

    @property
    def serves_api(self) -> bool:
        return self.role != "worker"
    metrics_enabled: bool = True
    notify_poll_seconds: float = 1.0
    notify_timeout_seconds: float = 10.0
    notify_claim_seconds: float = 30.0
    notify_max_attempts: int = 10
    notify_retry_base_seconds: float = 5.0
    notify_retry_max_seconds: float = 3600.0
    outbox_retention_days: int = 7
    # API clients (services/clients.py): token lifetime, how long a "not revoked" answer is trusted per process,
    # wrong secrets per client and minute before 429, and the key that signs client tokens under RS*/ES*.
    client_token_ttl_seconds: int = 900
    revocation_cache_seconds: float = 5.0
    client_auth_max_failures: int = 10
    jwt_private_key: str | None = None
    # Token bucket per principal and process (services/ratelimit.py); 0 disables.
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100
    event_retention_days: int = 7  # stored events (POST /api/v1/events) are deleted after this many days

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


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={env[name]!r} is not a boolean (true or false)")


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


def _frame_ancestors(raw: str | None) -> str:
    """CSP frame-ancestors sources for the hub (who may embed it): "'self'" unless set; no quotes or semicolons
    beyond the CSP keywords, so the value cannot add other directives."""
    value = (raw or "").strip() or "'self'"
    if ";" in value or "," in value or not value.isprintable():
        raise ConfigError(f"HUB_FRAME_ANCESTORS={raw!r} must be space-separated CSP sources, e.g. 'self' "
                          "https://hub.example.org")
    return value


def _cors_origins(raw: str | None) -> frozenset[str]:
    """CORS_ORIGINS: exact origins (scheme://host[:port]); `*` is refused, since credentials are allowed."""
    origins = set()
    for item in (raw or "").split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        parts = urlparse(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
            raise ConfigError(f"CORS_ORIGINS entry {item.strip()!r} is not an origin like https://hub.example.org")
        origins.add(f"{parts.scheme}://{parts.netloc.lower()}")
    return frozenset(origins)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from `env` (default: os.environ); raises ConfigError naming the bad setting."""
    env = dict(os.environ if env is None else env)
    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={env['LOG_LEVEL']!r} is not one of {', '.join(LOG_LEVELS)}")
    role = (env.get("ROLE") or "all").strip().lower()
    if role not in ROLES:
        raise ConfigError(f"ROLE={env['ROLE']!r} is not one of {', '.join(ROLES)}")
    event_loop = (env.get("EVENT_LOOP") or "uvloop").strip().lower()
    if event_loop not in ("uvloop", "asyncio"):
        raise ConfigError(f"EVENT_LOOP={env['EVENT_LOOP']!r} is not one of uvloop, asyncio")
    json_codec = (env.get("JSON_CODEC") or "orjson").strip().lower()
    if json_codec not in ("orjson", "json"):
        raise ConfigError(f"JSON_CODEC={env['JSON_CODEC']!r} is not one of orjson, json")
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
            raise ConfigError("JWT_SECRET is required (`python3 dev.py start` writes a random one to .env, "
                              "or set it yourself)")
        if len(secret) < 32:
            raise ConfigError("JWT_SECRET must be at least 32 characters")
    elif not public_key:
        raise ConfigError(f"JWT_PUBLIC_KEY (or JWT_PUBLIC_KEY_FILE) is required for JWT_ALGORITHM={algorithm}")
    private_key = _opt(env, "JWT_PRIVATE_KEY")
    private_key_file = _opt(env, "JWT_PRIVATE_KEY_FILE")
    if private_key_file:
        try:
            private_key = Path(private_key_file).read_text()
        except OSError as exc:
            raise ConfigError(f"JWT_PRIVATE_KEY_FILE={private_key_file!r} cannot be read: {exc.strerror}") from None
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
    notify_timeout = _float(env, "NOTIFY_TIMEOUT_SECONDS", 10.0, 0.1)
    # A delivery in flight is claimed for this long; past it (its process died) another process sends it again.
    notify_claim = _float(env, "NOTIFY_CLAIM_SECONDS", max(30.0, 3 * notify_timeout), 1.0)
    if notify_claim <= notify_timeout:
        raise ConfigError(f"NOTIFY_CLAIM_SECONDS={notify_claim:g} must exceed "
                          f"NOTIFY_TIMEOUT_SECONDS={notify_timeout:g}")
    allowed = frozenset(h.strip().lower() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip())
    return Settings(
        port=_int(env, "PORT", 8070, 1, 65535),
        role=role,
        event_loop=event_loop,
        json_codec=json_codec,
        saturation_wait_seconds=_float(env, "SATURATION_WAIT_SECONDS", 1.0, 0.01),
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
        hub_session_seconds=_float(env, "HUB_SESSION_SECONDS", 8 * 3600.0, 60.0),
        hub_link_seconds=_float(env, "HUB_LINK_SECONDS", 600.0, 10.0),
        hub_frame_ancestors=_frame_ancestors(env.get("HUB_FRAME_ANCESTORS")),
        hub_public_url=(_opt(env, "HUB_PUBLIC_URL") or "").rstrip("/") or None,
        cors_origins=_cors_origins(env.get("CORS_ORIGINS")),
        metrics_enabled=_bool(env, "METRICS", True),
        notify_poll_seconds=_float(env, "NOTIFY_POLL_SECONDS", 1.0, 0.05),
        notify_timeout_seconds=notify_timeout,
        notify_claim_seconds=notify_claim,
        notify_max_attempts=_int(env, "NOTIFY_MAX_ATTEMPTS", 10, 1, 100),
        notify_retry_base_seconds=_float(env, "NOTIFY_RETRY_BASE_SECONDS", 5.0, 0.01),
        notify_retry_max_seconds=_float(env, "NOTIFY_RETRY_MAX_SECONDS", 3600.0, 0.01),
        outbox_retention_days=_int(env, "OUTBOX_RETENTION_DAYS", 7, 1),
        client_token_ttl_seconds=_int(env, "CLIENT_TOKEN_TTL_SECONDS", 900, 10, 86400),
        revocation_cache_seconds=_float(env, "REVOCATION_CACHE_SECONDS", 5.0, 0.0),
        client_auth_max_failures=_int(env, "CLIENT_AUTH_MAX_FAILURES", 10, 1),
        jwt_private_key=private_key,
        rate_limit_per_second=_float(env, "RATE_LIMIT_PER_SECOND", 50.0, 0.0),
        rate_limit_burst=_int(env, "RATE_LIMIT_BURST", 100, 0),
        event_retention_days=_int(env, "EVENT_RETENTION_DAYS", 7, 1),
    )
