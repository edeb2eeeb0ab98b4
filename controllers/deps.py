"""What blueprints need from the app: the services, the caller, request helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from quart import current_app, g, request
from quart_schema import DataSource, RequestSchemaValidationError
from quart_schema.validation import QUART_SCHEMA_REQUEST_ATTRIBUTE

from services.auth import SCOPES, Principal
from services.errors import PreconditionFailed
from services.openapi import OPTIONAL_BODY_ATTRIBUTE, SCOPE_ATTRIBUTE
from services.schemas import INT4_MAX

if TYPE_CHECKING:
    from services.container import Services


def services() -> Services:
    return current_app.extensions["chime"]


def caller(scope: str | None = None) -> Principal:
    """The authenticated principal (set by the auth hook); `@requires` already checked the operation's scope.
    `scope` checks one more (an operation needing two)."""
    principal: Principal = g.principal
    if scope is not None:
        principal.require(scope)
    return principal


def requires(scope: str) -> Callable:
    """The scope an operation needs: checked before anything else runs (body validation included), and recorded
    on the view for the OpenAPI document (services/openapi.py), so the document cannot drift from the check."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: add it to services.auth.SCOPES")

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal: Principal = g.principal
            principal.require(scope)
            return await func(*args, **kwargs)

        setattr(wrapper, SCOPE_ATTRIBUTE, scope)
        return wrapper

    return decorator


def if_match() -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    # ASCII digits within int4 (the version column): '²'.isdigit() is True and 10**11 overflows the column.
    if not (value.isascii() and value.isdecimal()) or len(value) > 10 or int(value) > INT4_MAX:
        raise PreconditionFailed(f"If-Match {raw!r} is not a version this API issued", code="invalid_if_match")
    return int(value)


def with_etag(body: Any, version: int, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    return body, status, {"ETag": f'"{version}"'}


def optional_body(model: type[BaseModel], *, documented_optional: bool = True) -> Callable:
    """Like quart-schema's validate_request, but an empty body means `{}` (lifecycle calls rarely need one).

    `documented_optional=False` when `{}` is never valid for the operation (snooze needs until or seconds),
    so the OpenAPI document says the body is required."""

    def decorator(func: Callable) -> Callable:
        setattr(func, QUART_SCHEMA_REQUEST_ATTRIBUTE, (model, DataSource.JSON))
        setattr(func, OPTIONAL_BODY_ATTRIBUTE, documented_optional)  # `requestBody.required: false` when True

        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = await request.get_data()
            data = (await request.get_json()) if raw else {}
            try:
                parsed = model.model_validate(data)
            except ValidationError as exc:
                raise RequestSchemaValidationError(exc) from None
            return await func(*args, data=parsed, **kwargs)

        return wrapper

    return decorator
