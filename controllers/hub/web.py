"""What the hub's views share: the session and its principal, form parsing, rendering, error pages, headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from quart import Response, g, request, url_for
from werkzeug.datastructures import MultiDict

from controllers.deps import services
from controllers.hub.nav import visible
from services.auth import Principal
from services.container import VERSION
from services.errors import ValidationFailed
from services.hub.sessions import HubSession
from services.hub.timetext import show

COOKIE = "chime_hub"
PRE_COOKIE = "chime_hub_pre"  # double-submit CSRF token of the sign-in forms (no session exists yet)
COOKIE_PATH = "/hub"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
ERROR_HEADER = "X-Chime-Error-Code"


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _environment() -> jinja2.Environment:
    """The hub's own Jinja environment, synchronous: Quart's is async (every expression of every template
    awaited), which made a 50-row schedules page take 280 ms to render instead of about 15."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=True)
    env.globals["url_for"] = url_for
    env.filters["hubtime"] = lambda value, zone="UTC", seconds=False: show(value, zone, seconds=seconds)
    env.filters["ms"] = _ms
    return env


ENV = _environment()


class View(dict):
    """A row for templates: its keys read as attributes directly (Jinja's lookup tries getattr first, and a
    failed getattr costs an exception per expression: a third of a 50-row page's render time)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def views(rows: Any) -> list[View]:
    return [View(r) for r in rows]


def is_hub_path(path: str) -> bool:
    return path == "/hub" or path.startswith("/hub/")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def session() -> HubSession:
    return g.hub_session


def principal(scope: str) -> Principal:
    """The session's principal, checked for `scope` (the server refuses what the page does not show)."""
    current: HubSession = g.hub_session
    current.principal.require(scope)
    return current.principal


def utcnow() -> datetime:
    return datetime.now(UTC)


async def form() -> MultiDict:
    """The posted form; NUL is refused like everywhere else (text columns cannot hold it)."""
    data = await request.form
    for key, value in data.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise ValidationFailed(key.replace("\x00", ""), "contains a NUL character", code="nul_character")
    return data


def cookie_secure() -> bool:
    return request.scheme == "https"


async def render(template: str, status: int = 200, headers: dict[str, str] | None = None,
                 **context: Any) -> Response:
    current: HubSession | None = getattr(g, "hub_session", None)
    scopes = current.principal.scopes if current else frozenset()
    started = time.perf_counter()
    body = ENV.get_template(template).render(
        session=current, csrf=current.csrf_token if current else "", nav=visible(scopes), request=request,
        can_write="schedules:write" in scopes, version=VERSION, now=utcnow(), endpoint=request.endpoint,
        **context)
    g.render_ms = getattr(g, "render_ms", 0.0) + (time.perf_counter() - started) * 1000
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def error_page(status: int, message: str, code: str) -> Response:
    """An ApiError or HTTP error on a hub path, as HTML (a fragment for htmx requests)."""
    template = "hub/_error_fragment.html" if is_htmx() else "hub/error.html"
    if status == 404:
        title = "Not found"
    elif status == 403:
        title = "Not allowed"
    elif status == 401:
        title = "Sign-in needed"
    else:
        title = "Something went wrong" if status >= 500 else "That did not work"
    headers = {ERROR_HEADER: code}
    if is_htmx():
        headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return await render(template, status, headers, title=title, message=message, code=code, http_status=status)


def add_headers(response: Response) -> Response:
    """Security headers for every hub response: no caching of session pages, no sniffing, a strict CSP."""
    settings = services().settings
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
        f" form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {settings.hub_frame_ancestors}")
    started = getattr(g, "started", None)
    if started is not None:
        # Server time for this page (read by bench/hub_bench.py and the browser's dev tools).
        response.headers["Server-Timing"] = (f"app;dur={(time.perf_counter() - started) * 1000:.1f}, "
                                             f"render;dur={getattr(g, 'render_ms', 0.0):.1f}")
    return response


def safe_next(target: str | None, default: str) -> str:
    """Only a path inside the hub may be a redirect target (no open redirects)."""
    if target and is_hub_path(target.split("?", 1)[0]) and "\\" not in target and not target.startswith("//"):
        return target
    return default
