"""Chime: schedules in PostgreSQL, each fire exactly once, on time.

    python app.py                 serve with hypercorn on PORT (default 8070)
    python app.py migrate         apply database migrations and exit
    python app.py token --community 1 --scope "schedules:read schedules:write ops:read ops:write admin"
    python app.py hub-link --community 1     print a one-time sign-in link to the hub (/hub)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from quart import Quart, Response, g, request
from quart.json.provider import DefaultJSONProvider
from quart_schema import QuartSchema, RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from config import ConfigError, Settings, load_dotenv_file, load_settings
from controllers import (
    approvals,
    audit,
    backfill,
    clients,
    cors,
    events,
    executions,
    fixit,
    health,
    hub,
    metrics,
    node_types,
    notifications,
    oauth,
    ops,
    schedules,
    workflows,
)
from controllers.hub.web import add_headers, error_page, is_hub_path
from services import jsoncodec
from services.auth import SCOPES, verify_token
from services.container import VERSION, Services
from services.errors import ApiError, Unauthorized, ValidationFailed
from services.json_guard import JsonRefused, parse_body, printable
from services.logs import request_id_var, setup_logging
from services.metrics import http_request, process_stopped
from services.openapi import PUBLIC_PATHS, ChimeOpenAPIProvider

log = logging.getLogger("chime.http")
JSON_METHODS = ("POST", "PUT", "PATCH")
# Paths that also take a form body (OAuth 2.0 token requests are application/x-www-form-urlencoded).
FORM_PATHS = frozenset({"/api/v1/oauth/token"})
# What `app.py token` and `app.py hub-link` grant unless --scope says otherwise: schedules, workflows, executions.
DEFAULT_SCOPE = "schedules:read schedules:write workflows:read workflows:write executions:read executions:write"


class ChimeJSONProvider(DefaultJSONProvider):
    """ISO 8601 with offset for times (Quart's default is an HTTP date), strings for UUIDs."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, (datetime, date)):
            return o.isoformat()
        if isinstance(o, (uuid.UUID, Decimal)):
            return str(o)
        return DefaultJSONProvider.default(o)


class OrjsonProvider(ChimeJSONProvider):
    """The same output, encoded by orjson (datetimes as ISO 8601 with offset, UUIDs as strings natively)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return jsoncodec.dumps(obj, default=self.default)


def error_body(message: str, code: str, details: list | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code, "request_id": getattr(g, "request_id", None)}
    if details:
        body["details"] = details
    return body


def refuse_nul_in_url() -> None:
    """NUL in a path segment or query parameter is refused before routing or validation sees it."""
    if "\x00" in request.path:
        raise ValidationFailed("path", "contains a NUL character (%00)", code="nul_character")
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        for key, value in request.args.items(multi=True):
            if "\x00" in key:
                raise ValidationFailed("query", f"parameter name {printable(key)!r} contains a NUL character (%00)",
                                       code="nul_character")
            if "\x00" in value:
                raise ValidationFailed(f"query.{key}", "contains a NUL character (%00)", code="nul_character")


def body_left_unread() -> bool:
    """True when a response goes out before the request body was received in full (413, or an error raised
    before the body was read): the connection then cannot carry another request."""
    if request.content_length in (None, 0) and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return False
    body = request.body
    complete = getattr(body, "_complete", None)  # quart.wrappers.request.Body
    return complete is None or not complete.is_set() or getattr(body, "_must_raise", None) is not None


# Codes kept from the semantic checks that the pydantic bounds now run first.
FIELD_CODES = {"interval_seconds": "invalid_interval", "max_executions": "invalid_max_executions",
               "jitter_seconds": "invalid_jitter", "grace_period_seconds": "invalid_grace_period"}
BOUND_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _schema_details(exc: RequestSchemaValidationError) -> tuple[str, str, list[dict[str, str]]]:
    """Pydantic errors -> (message, code, details), each naming the field path."""
    errors = getattr(exc.validation_error, "errors", None)
    if not callable(errors):
        return "request body must be a JSON object", "invalid_body", []
    details, codes = [], []
    for err in errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "body"
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            code, message = "unknown_field", "unknown field"
        elif kind == "missing":
            code, message = "missing_field", "is required"
        elif field.endswith("schedule_type"):
            code = "unknown_schedule_type"
            message = f"must be one of cron, interval, one_time, rrule (got {err.get('input')!r})"
        elif kind == "datetime_out_of_range":
            code, message = kind, err.get("msg", "is out of range")
        elif kind in BOUND_ERRORS and str(err.get("loc", ("",))[-1]) in FIELD_CODES:
            code, message = FIELD_CODES[str(err["loc"][-1])], err.get("msg", "is out of range")
        else:
            code, message = "invalid_field", err.get("msg", "is invalid")
        details.append({"field": field, "message": message})
        codes.append(code)
    if not details:
        return "request body is invalid", "invalid_body", []
    return f"{details[0]['field']}: {details[0]['message']}", codes[0], details


def create_app(settings: Settings | None = None) -> Quart:
    settings = settings or load_settings()
    app = Quart(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["QUART_SCHEMA_PYDANTIC_DUMP_OPTIONS"] = {"mode": "json"}
    QuartSchema(
        app,
        info={"title": "Chime", "version": VERSION, "description": "Workflow schedules, each fire exactly once."},
        security_schemes={"bearer": {"type": "http", "scheme": "bearer", "bearer_format": "JWT"}},
        security=[{"bearer": []}],
        openapi_provider_class=ChimeOpenAPIProvider,
    )
    app.json = OrjsonProvider(app) if settings.json_codec == "orjson" else ChimeJSONProvider(app)
    # ROLE=worker serves only the probes (and metrics): it claims and runs, scaled apart from the API.
    api = (workflows.bp, node_types.bp, schedules.bp, executions.bp, backfill.bp, fixit.bp, approvals.bp, audit.bp,
           ops.bp, notifications.bp, clients.bp, oauth.bp, events.bp, hub.bp) if settings.serves_api else ()
    for blueprint in (health.bp, *api):
        app.register_blueprint(blueprint)
    if settings.metrics_enabled:
        app.register_blueprint(metrics.bp)
    chime = Services(settings)
    app.extensions["chime"] = chime

    @app.before_serving
    async def _start() -> None:
        await chime.start()

    @app.after_serving
    async def _stop() -> None:
        try:
            await chime.stop()
        finally:
            process_stopped()  # this worker's live gauges leave the multiprocess sum

    @app.before_request
    async def _prepare() -> Response | None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex
        g.started = time.perf_counter()
        request_id_var.set(g.request_id)
        if cors.is_preflight():
            return cors.preflight(settings.cors_origins)  # no token: a browser sends none with a preflight
        if request.path.startswith("/api/v1/") and request.path not in PUBLIC_PATHS:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("missing bearer token", error="invalid_request")
            principal = verify_token(token.strip(), settings)
            chime.rate_limiter.take(principal.user_id)  # in memory, before any database work
            # An API client's token stops working once the client is revoked (cached REVOCATION_CACHE_SECONDS).
            await chime.clients.live.require(principal)
            g.principal = principal
        refuse_nul_in_url()
        if request.method in JSON_METHODS and is_hub_path(request.path):
            # The hub posts forms (parsed and NUL-checked by controllers/hub/web.form), never JSON.
            length = request.content_length
            if length is not None and length > settings.max_body_bytes:
                raise ApiError(f"request body is larger than {settings.max_body_bytes} bytes", code="body_too_large",
                               status=413)
        elif request.method in JSON_METHODS:
            length = request.content_length
            if length is not None and length > settings.max_body_bytes:
                raise ApiError(f"request body is larger than {settings.max_body_bytes} bytes", code="body_too_large",
                               status=413)
            body = await request.get_data()
            if body and request.path in FORM_PATHS and request.mimetype == "application/x-www-form-urlencoded":
                pass  # the view reads the form (controllers/oauth.py)
            elif body:
                if not request.is_json:
                    raise ApiError("request body must be application/json", code="unsupported_media_type", status=415)
                try:
                    data = parse_body(body)
                except JsonRefused as exc:
                    raise ValidationFailed(exc.path, exc.message, code=exc.code) from None
                except ValueError as exc:  # also UnicodeDecodeError
                    raise ApiError(f"request body is not valid JSON: {exc}", code="malformed_json") from None
                # The one parse is handed to validate_request/optional_body (Quart's get_json cache).
                request._cached_json = {False: data, True: data}
        return None

    @app.after_request
    async def _finish(response: Response) -> Response:
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers["X-Request-ID"] = rid
        if response.status_code == 413 or body_left_unread():
            # The rest of the body is never read: a keep-alive client must not send its next request here.
            response.headers["Connection"] = "close"
        if is_hub_path(request.path):
            add_headers(response)
        else:
            cors.add_headers(response, settings.cors_origins)
        started = getattr(g, "started", None)
        if started is not None and settings.metrics_enabled:
            rule = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
            http_request(request.method, rule, response.status_code, time.perf_counter() - started)
        if request.path not in ("/healthz", "/readyz", "/health/live", "/health/ready", "/metrics"):
            # A sign-in link's path is its secret: never logged.
            path = "/hub/link/***" if request.path.startswith("/hub/link/") else request.path
            log.info("request", extra={
                "event_type": "http", "action": f"{request.method} {path}", "result": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            })
        return response

    @app.errorhandler(ApiError)
    async def _api_error(exc: ApiError):
        if is_hub_path(request.path):
            response = await error_page(exc.status, exc.message, exc.code)
            response.headers.update(exc.headers)
            return response
        return {**exc.extra, **error_body(exc.message, exc.code, exc.details)}, exc.status, exc.headers

    @app.errorhandler(RequestSchemaValidationError)
    async def _schema_error(exc: RequestSchemaValidationError):
        message, code, details = _schema_details(exc)
        if is_hub_path(request.path):
            return await error_page(400, message, code)
        return error_body(message, code, details), 400

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException):
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}
        code = codes.get(exc.code or 500, "http_error")
        message = "request body is too large" if exc.code == 413 else (exc.description or exc.name)
        if exc.code == 400 and "JSON" in (exc.description or ""):
            code, message = "malformed_json", "request body is not valid JSON"
        # 405 says which methods the resource has (Allow), as RFC 9110 requires.
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        if is_hub_path(request.path):
            response = await error_page(exc.code or 500, message, code)
            response.headers.update(headers)
            return response
        return error_body(message, code), exc.code or 500, headers

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception):
        log.error("unhandled error", extra={"event_type": "http", "action": f"{request.method} {request.path}",
                                            "result": "error", "data": {"traceback": traceback.format_exc()}})
        if is_hub_path(request.path):
            return await error_page(500, "internal error; quote the request id when reporting it", "internal_error")
        return error_body("internal error; quote the request_id when reporting it", "internal_error"), 500

    return app


def _hypercorn_config(settings: Settings) -> Any:
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.workers = settings.workers
    config.accesslog = None
    config.graceful_timeout = settings.shutdown_grace_seconds
    config.worker_class = settings.event_loop
    return config


@contextlib.contextmanager
def metrics_directory(settings: Settings) -> Iterator[None]:
    """Several workers, one set of metrics: each worker writes its values to files in PROMETHEUS_MULTIPROC_DIR and
    the one answering a scrape sums them. The folder (given, or a fresh temporary one) is emptied before the
    workers start, since files of an earlier run would be summed in; workers read the variable when they import
    prometheus_client, so it is set here first. A worker that stops marks itself dead (after_serving); one killed
    is marked dead by the other workers' samplers (services.metrics.sweep_dead_processes); a temporary folder is
    removed at the end."""
    if not settings.metrics_enabled:
        yield
        return
    from services.metrics import MULTIPROC_ENV, prepare_directory

    given = os.environ.get(MULTIPROC_ENV)
    directory = given or tempfile.mkdtemp(prefix="chime-metrics-")
    prepare_directory(directory)
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(directory, ignore_errors=True)


def tune_gc() -> None:
    """Fewer and shorter garbage collections in a serving process, for the API's tail latency under load.

    Every run allocates many short-lived objects, and at the default threshold (700) a generation-0 collection
    runs every few runs; the modules and objects built at start-up are moved out of the collector's sight
    (freeze), and collections run every 50,000 net allocations. In the delivery benchmark (2,000 webhooks/s,
    2 workers) this took the API's GET p99 from ~86-116 to ~44-57 ms. Only serving processes do this; the
    test suite's in-process apps keep Python's defaults."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def served_app(settings: Settings | None = None) -> Quart:
    """What a serving process serves: hypercorn's workers call it with no settings (WORKERS > 1)."""
    application = create_app(settings)
    tune_gc()
    return application


def serve(settings: Settings) -> None:
    from services.embedded_pg import start_embedded

    if settings.database_url is None:
        # Start the embedded server once here, so every hypercorn worker shares it through DATABASE_URL.
        dsn, _server = start_embedded(settings.embedded_pg_dir)
        os.environ["DATABASE_URL"] = dsn
        settings = load_settings()
    if settings.workers > 1:
        from hypercorn.run import run

        config = _hypercorn_config(settings)
        config.application_path = "app:served_app()"
        with metrics_directory(settings):
            code = run(config)
        sys.exit(code)
    from hypercorn.asyncio import serve as hypercorn_serve

    if settings.metrics_enabled and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from services.metrics import prepare_directory

        prepare_directory(os.environ["PROMETHEUS_MULTIPROC_DIR"])  # set by the operator for one worker too

    main = hypercorn_serve(served_app(settings), _hypercorn_config(settings))
    if settings.event_loop == "uvloop":
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)


def hub_link(settings: Settings, *, community: int, scope: str, subject: str) -> int:
    """Writes a one-time sign-in link (valid HUB_LINK_SECONDS) and prints its URL."""
    from services.auth import Principal
    from services.dal import AsyncDAL
    from services.embedded_pg import start_embedded
    from services.hub.sessions import HubSessions
    from services.migrations import apply_migrations

    try:
        dsn = settings.database_url or start_embedded(settings.embedded_pg_dir)[0]
    except ConfigError as exc:
        print(f"chime: configuration error: {exc}", file=sys.stderr)
        return 2

    async def _link() -> str:
        dal = AsyncDAL(dsn, min_size=1, max_size=1)
        await dal.connect()
        try:
            await apply_migrations(dal)
            principal = Principal(user_id=subject, community_id=community, scopes=frozenset(scope.split()))
            return await HubSessions(dal, settings.hub_session_seconds).create_link(principal,
                                                                                    settings.hub_link_seconds)
        finally:
            await dal.close()

    base = settings.hub_public_url or f"http://localhost:{settings.port}"
    print(f"{base}/hub/link/{asyncio.run(_link())}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Chime workflow schedule service")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the API and the scheduler (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    tok = sub.add_parser("token", help="mint a JWT for local use")
    tok.add_argument("--community", type=int, required=True)
    tok.add_argument("--scope", default=DEFAULT_SCOPE,
                     help="space-separated: " + " ".join(SCOPES))
    tok.add_argument("--sub", default="local-admin")
    tok.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    tok.add_argument("--private-key-file", help="PEM key for RS*/ES* algorithms")
    link = sub.add_parser("hub-link", help="print a one-time sign-in link to the hub, for local use")
    link.add_argument("--community", type=int, required=True)
    link.add_argument("--scope", default=DEFAULT_SCOPE)
    link.add_argument("--sub", default="local-admin")
    args = parser.parse_args(argv)
    load_dotenv_file()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"chime: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "token":
        from services.auth import mint_token, unknown_scopes

        if unknown := unknown_scopes(args.scope):
            print(f"chime: unknown scope(s) {', '.join(unknown)}; known: {' '.join(SCOPES)}", file=sys.stderr)
            return 2

        key = open(args.private_key_file).read() if args.private_key_file else settings.jwt_private_key
        print(mint_token(settings, community_id=args.community, scope=args.scope, subject=args.sub,
                         ttl_seconds=args.ttl, private_key=key))
        return 0
    if args.command == "hub-link":
        return hub_link(settings, community=args.community, scope=args.scope, subject=args.sub)
    if args.command == "migrate":
        from services.dal import AsyncDAL
        from services.embedded_pg import start_embedded
        from services.migrations import apply_migrations

        try:
            dsn = settings.database_url or start_embedded(settings.embedded_pg_dir)[0]
        except ConfigError as exc:
            print(f"chime: configuration error: {exc}", file=sys.stderr)
            return 2

        async def _migrate() -> list[str]:
            dal = AsyncDAL(dsn, min_size=1, max_size=1)
            await dal.connect()
            try:
                return await apply_migrations(dal)
            finally:
                await dal.close()

        applied = asyncio.run(_migrate())
        print(f"applied: {', '.join(applied) or 'nothing (up to date)'}")
        return 0
    try:
        serve(settings)
    except ConfigError as exc:  # e.g. no DATABASE_URL and no embedded PostgreSQL installed
        print(f"chime: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
