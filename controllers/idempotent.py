"""`@idempotent(scope)`: Idempotency-Key on a POST that creates or starts something (services/idempotency.py).

Put it right under the route decorator, above the operation's `@requires` (whose scope it reads):

    @bp.post("")
    @idempotent()
    @requires("schedules:write")
    @tag(["schedules"]) ...

The scope is checked before the key is looked up, so a token without it never gets another caller's stored
answer. Without the header the handler runs as before.

`created=(service, id_field)` on a create whose object can be deleted: a replay first re-reads the object
(`services().<service>.get_row(principal, id)`); one deleted since answers 409 `idempotency_key_resource_gone`
instead of a 201 naming an object that is no longer there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from quart import Response, current_app, request

from controllers.deps import caller, services
from services.errors import Conflict, NotFound
from services.idempotency import HEADER, REPLAYED_HEADER, REPLAYED_HEADERS, Stored, check_key, request_hash
from services.openapi import IDEMPOTENT_ATTRIBUTE, SCOPE_ATTRIBUTE

log = logging.getLogger("chime.idempotency")


def _path_with_query() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def _without_secrets(body: bytes, fields: tuple[str, ...]) -> bytes:
    """Secrets shown once (an approval token, a client secret) are not kept in the stored copy: a replay answers
    them as null, and the database never holds them in the clear."""
    if not fields:
        return body
    data = json.loads(body)
    if isinstance(data, dict):
        data.update({f: None for f in fields if f in data})
    return json.dumps(data, separators=(",", ":")).encode()


async def _check_still_there(created: tuple[str, str], principal: Any, body: bytes) -> None:
    service, field = created
    object_id = json.loads(body)[field]
    try:
        await getattr(services(), service).get_row(principal, UUID(object_id))
    except NotFound:
        raise Conflict(f"the object this Idempotency-Key created ({field} {object_id}) was deleted since; send a "
                       "new key to create another", code="idempotency_key_resource_gone") from None


def idempotent(secret_fields: tuple[str, ...] = (),
               created: tuple[str, str] | None = None) -> Callable[[Callable], Callable]:
    def decorator(func: Callable) -> Callable:
        scope = getattr(func, SCOPE_ATTRIBUTE, None)
        if scope is None:
            raise TypeError(f"@idempotent goes above @requires on {func.__name__}: it checks that scope first")
        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = request.headers.get(HEADER)
            if raw is None:
                return await func(*args, **kwargs)
            key = check_key(raw)
            principal = caller(scope)
            body = (await request.get_json()) if await request.get_data() else None
            digest = request_hash(request.method, _path_with_query(), body)
            keys = services().idempotency
            outcome = await keys.begin(principal.community_id, key, digest, principal.user_id)
            if isinstance(outcome, Stored):
                if created is not None and outcome.status == 201:
                    await _check_still_there(created, principal, outcome.body)
                log.info("idempotent replay", extra={"event_type": "idempotency", "action": "replay",
                                                     "result": outcome.status})
                response = Response(outcome.body, status=outcome.status, headers=outcome.headers)
                response.headers[REPLAYED_HEADER] = "true"
                return response
            try:
                response = await current_app.make_response(await func(*args, **kwargs))
            except BaseException:
                # An error answer wrote nothing: the key is free for a corrected retry.
                await keys.release(principal.community_id, key, outcome)
                raise
            if 200 <= response.status_code < 300:
                headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
                await keys.complete(principal.community_id, key, outcome,
                                    Stored(response.status_code, headers,
                                           _without_secrets(await response.get_data(), secret_fields)))
            else:
                await keys.release(principal.community_id, key, outcome)
            return response

        setattr(wrapper, IDEMPOTENT_ATTRIBUTE, True)
        return wrapper

    return decorator
