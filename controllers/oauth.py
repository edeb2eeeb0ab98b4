"""`POST /api/v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Public (no bearer)."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from quart import Blueprint, request
from quart_schema import DataSource, tag, validate_response
from quart_schema.validation import QUART_SCHEMA_REQUEST_ATTRIBUTE

from controllers.deps import services
from services.client_schemas import AccessTokenOut, TokenRequest
from services.clients import OAuthError, invalid_client
from services.openapi import ALSO_JSON_ATTRIBUTE, error_responses

bp = Blueprint("oauth", __name__, url_prefix="/api/v1/oauth")
FIELDS = ("grant_type", "scope", "client_id", "client_secret")
MAX_FIELD = 2000


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


async def _parameters() -> dict[str, str]:
    """The request's parameters, from a form or a JSON object; each at most once (RFC 6749 §3.2)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        form = await request.form
        params: dict[str, str] = {}
        for key in FIELDS:
            values = form.getlist(key)
            if len(values) > 1:
                raise invalid_request(f"parameter {key!r} is given more than once")
            if values:
                params[key] = values[0]
        return params
    data = await request.get_json(silent=True) if await request.get_data() else {}
    if not isinstance(data, dict):
        raise invalid_request("the body must be a form (application/x-www-form-urlencoded) or a JSON object")
    params = {}
    for key in FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid_request(f"parameter {key!r} must be a string")
        params[key] = value
    return params


def _basic_credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None  # not client authentication (a stray bearer token): the body's credentials are used
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid_client("the Basic credentials are not base64 of client_id:client_secret") from None
    client_id, sep, secret = raw.partition(":")
    if not sep:
        raise invalid_client("the Basic credentials are not base64 of client_id:client_secret")
    # RFC 6749 §2.3.1: both are form-urlencoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)


@bp.post("/token")
@tag(["clients"])
@error_responses(401, 429)
@validate_response(AccessTokenOut, 200)
async def issue_token() -> Any:
    """Exchanges an API client's id and secret for a short-lived bearer token (client credentials).

    Errors follow RFC 6749 §5.2 (`error` is invalid_request, invalid_client, invalid_scope or
    unsupported_grant_type, with `error_description`); too many wrong secrets for a client in a minute: 429."""
    params = await _parameters()
    for key, value in params.items():
        if len(value) > MAX_FIELD or "\x00" in value:
            raise invalid_request(f"parameter {key!r} is too long or contains a NUL character")
    grant = params.get("grant_type")
    if grant is None:
        raise invalid_request("grant_type is required (client_credentials)")
    if grant != "client_credentials":
        raise OAuthError("unsupported_grant_type", "only the client_credentials grant is supported")
    basic = _basic_credentials()
    if basic is not None and ("client_id" in params or "client_secret" in params):
        raise invalid_request("send the credentials either with HTTP Basic or in the body, not both")
    client_id, secret = basic or (params.get("client_id"), params.get("client_secret"))
    if not client_id or not secret:
        raise invalid_client("client_id and client_secret are required")
    row = await services().clients.authenticate(client_id, secret)
    return services().clients.issue_token(row, params.get("scope")), 200, {"Cache-Control": "no-store",
                                                                             "Pragma": "no-cache"}


# Documented as a form (quart-schema) and, by services/openapi.py, as JSON too; parsed by hand above so the
# errors are RFC 6749's.
setattr(issue_token, QUART_SCHEMA_REQUEST_ATTRIBUTE, (TokenRequest, DataSource.FORM))
setattr(issue_token, ALSO_JSON_ATTRIBUTE, True)
