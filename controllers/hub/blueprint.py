"""The hub blueprint and its request hook: every page needs a live session, every change its CSRF token."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, g, redirect, request, url_for

from controllers.deps import services
from controllers.hub.web import COOKIE, CSRF_FIELD, CSRF_HEADER, error_page, is_htmx
from services.clients import SUBJECT_PREFIX
from services.errors import Forbidden

bp = Blueprint("hub", __name__, url_prefix="/hub")

# Endpoints reachable without a session (they start one).
PUBLIC_ENDPOINTS = frozenset({"hub.sign_in", "hub.sign_in_submit", "hub.link", "hub.link_submit"})
SAFE_METHODS = ("GET", "HEAD")


@bp.before_request
async def load_session() -> Response | None:
    current = await services().hub_sessions.load(request.cookies.get(COOKIE))
    if current is not None and current.auth_kind == "client" and not await services().clients.live.is_live(
            current.principal.user_id.removeprefix(SUBJECT_PREFIX), current.principal.community_id):
        # The API client was revoked (seen within REVOCATION_CACHE_SECONDS): its sessions end too.
        await services().hub_sessions.end(request.cookies.get(COOKIE))
        current = None
    g.hub_session = current
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current is None:
        target = request.full_path.rstrip("?") if request.method in SAFE_METHODS else ""
        sign_in = url_for("hub.sign_in") + (f"?next={quote(target, safe='/')}" if target else "")
        if is_htmx():
            response = await error_page(401, "your session has ended; sign in again", "session_required")
            response.headers["HX-Redirect"] = sign_in
            return response
        if request.method in SAFE_METHODS:
            return redirect(sign_in, 303)
        return await error_page(401, "sign in first: this needs a hub session", "session_required")
    g.principal = current.principal
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.form).get(CSRF_FIELD)
        if not current.csrf_ok(sent):
            raise Forbidden("the form's CSRF token is missing or wrong; reload the page and try again",
                            code="csrf_failed")
    return None

