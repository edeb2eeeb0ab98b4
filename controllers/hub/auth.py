"""Sign-in (a JWT, or an API client's id and secret), one-time links, sign-out.

The session cookie is HttpOnly, SameSite=Strict, Path=/hub and Secure over https. The sign-in forms have no
session yet, so their CSRF token is a double-submit cookie (`chime_hub_pre`) echoed by a hidden field.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from quart import Response, redirect, request, url_for

from controllers.deps import services
from controllers.hub import later, nav
from controllers.hub.blueprint import bp
from controllers.hub.web import (
    COOKIE,
    COOKIE_PATH,
    CSRF_FIELD,
    PRE_COOKIE,
    cookie_secure,
    form,
    render,
    safe_next,
    session,
)
from services.auth import verify_token
from services.errors import ApiError, Forbidden
from services.hub.sessions import HubSession

log = logging.getLogger("chime.hub")
READ = "schedules:read"


def _set_session_cookie(response: Response, token: str, hub_session: HubSession) -> None:
    max_age = max(1, int((hub_session.expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(COOKIE, token, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=cookie_secure())
    response.delete_cookie(PRE_COOKIE, path=COOKIE_PATH)


async def _with_pre_token(template: str, status: int = 200, **context) -> Response:
    """Renders a sign-in form with a fresh double-submit token in a cookie and a hidden field."""
    pre = secrets.token_urlsafe(24)
    response = await render(template, status, pre_token=pre, client_sign_in=nav.CLIENT_SIGN_IN, **context)
    response.set_cookie(PRE_COOKIE, pre, max_age=3600, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=cookie_secure())
    return response


def _pre_token_ok(sent: str | None) -> bool:
    kept = request.cookies.get(PRE_COOKIE)
    return bool(sent and kept) and hmac.compare_digest(sent.encode(), kept.encode())


async def _token_session(raw: str) -> tuple[str, HubSession]:
    if not raw:
        raise ApiError("paste a token, or an API client's id and secret", code="missing_token", status=401)
    principal = verify_token(raw, services().settings)
    if READ not in principal.scopes:
        raise Forbidden(f"token lacks the '{READ}' scope the hub needs")
    await services().clients.live.require(principal)  # a revoked API client's token starts nothing
    # Already verified above; read only its expiry, which the session must not outlive.
    exp = jwt.decode(raw, options={"verify_signature": False})["exp"]
    return await services().hub_sessions.start(principal, "jwt", not_after=datetime.fromtimestamp(int(exp), UTC))


async def _client_session(client_id: str, secret: str) -> tuple[str, HubSession]:
    """An API client's id and secret (as at the token endpoint): a session with the client's community and
    scopes, no longer than one of its tokens would live."""
    try:
        principal = await later.authenticate_client(client_id, secret)
    except ApiError as exc:
        if exc.code == "invalid_client":
            raise ApiError("wrong client id or secret, or the client was revoked", code="invalid_client",
                           status=401) from None
        if exc.status == 429:
            raise ApiError("too many wrong secrets for this client; wait a minute", code=exc.code, status=429,
                           headers=exc.headers) from None
        raise
    if READ not in principal.scopes:
        raise Forbidden(f"the client lacks the '{READ}' scope the hub needs")
    not_after = datetime.now(UTC) + timedelta(seconds=services().settings.client_token_ttl_seconds)
    return await services().hub_sessions.start(principal, "client", not_after=not_after)


@bp.get("")
async def home():
    if session() is None:
        return redirect(url_for("hub.sign_in"), 303)
    return redirect(url_for(nav.home_endpoint(session().principal.scopes)), 303)


@bp.get("/sign-in")
async def sign_in():
    if session() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("hub.home")), 303)
    return await _with_pre_token("hub/sign_in.html", next=request.args.get("next", ""))


@bp.post("/sign-in")
async def sign_in_submit():
    data = await form()
    target = safe_next(data.get("next"), url_for("hub.home"))
    if not _pre_token_ok(data.get(CSRF_FIELD)):
        return await _with_pre_token("hub/sign_in.html", 403, next=target, error="The form expired; try again.",
                                     error_code="csrf_failed")
    raw = (data.get("token") or "").strip()
    client_id = (data.get("client_id") or "").strip()
    try:
        if nav.CLIENT_SIGN_IN and client_id:
            token, hub_session = await _client_session(client_id, data.get("client_secret") or "")
        else:
            token, hub_session = await _token_session(raw)
    except ApiError as exc:
        log.info("hub sign-in refused", extra={"event_type": "auth", "action": "hub_sign_in", "result": exc.code})
        return await _with_pre_token("hub/sign_in.html", exc.status, next=target, error=exc.message,
                                     error_code=exc.code)
    response = redirect(target, 303)
    _set_session_cookie(response, token, hub_session)
    return response


@bp.post("/sign-out")
async def sign_out():
    await services().hub_sessions.end(request.cookies.get(COOKIE))
    response = redirect(url_for("hub.sign_in"), 303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@bp.get("/link/<token>")
async def link(token: str):
    """Shows a button; only the POST uses the link (a link preview or prefetch must not spend it)."""
    live = await services().hub_sessions.link_is_live(token)
    return await _with_pre_token("hub/link.html", 200 if live else 404, live=live, token=token)


@bp.post("/link/<token>")
async def link_submit(token: str):
    data = await form()
    if not _pre_token_ok(data.get(CSRF_FIELD)):
        return await _with_pre_token("hub/link.html", 403, live=True, token=token,
                                     error="The form expired; try again.")
    started = await services().hub_sessions.redeem_link(token)
    if started is None:
        return await _with_pre_token("hub/link.html", 404, live=False, token=token)
    response = redirect(url_for("hub.home"), 303)
    _set_session_cookie(response, *started)
    return response
