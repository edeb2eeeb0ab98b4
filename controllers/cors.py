"""CORS for the API (CORS_ORIGINS): the hub or a bot's browser page on another origin may call it.

Only listed origins get CORS headers (the origin echoed, never `*`, and credentials allowed); an unlisted
origin's preflight is answered without them, so the browser refuses the call. `Vary: Origin` on every API
answer once CORS is configured, so a cache never hands one origin's answer to another. The hub (/hub) is not
API: its forms are same-origin only (CSRF), so it never gets CORS headers.
"""

from __future__ import annotations

from quart import Response, request

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = "ETag, Location, Retry-After, Idempotent-Replayed, X-Request-ID"
MAX_AGE = "600"
API_PREFIXES = ("/api/", "/health")
API_PATHS = ("/healthz", "/readyz", "/openapi.json")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in API_PATHS


def is_preflight() -> bool:
    return (request.method == "OPTIONS" and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers and is_api_path(request.path))


def _vary(response: Response) -> None:
    if "origin" not in response.headers.get("Vary", "").lower():
        response.vary.add("Origin")


def preflight(origins: frozenset[str]) -> Response:
    """204 for any API path's preflight; the CORS headers only for a listed origin."""
    response = Response("", status=204)
    origin = request.headers.get("Origin", "")
    if origin in origins:
        response.headers.update({
            "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": ALLOW_METHODS, "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
        })
    _vary(response)
    return response


def add_headers(response: Response, origins: frozenset[str]) -> None:
    """On an actual (non-preflight) API answer, errors included: a listed origin may read it."""
    if not origins or not is_api_path(request.path):
        return
    origin = request.headers.get("Origin", "")
    if origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    _vary(response)
