"""Errors a client can cause, each with an HTTP status and a machine code."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details
        self.headers = headers or {}
        self.extra = extra or {}  # fields an operation adds to the error envelope (e.g. an approval's status)


class ValidationFailed(ApiError):
    status = 400
    code = "validation_error"

    def __init__(self, field: str, message: str, code: str | None = None) -> None:
        text = message if message.startswith(field) else f"{field}: {message}"
        super().__init__(text, code=code, details=[{"field": field, "message": message}])


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PreconditionFailed(ApiError):
    status = 412
    code = "precondition_failed"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str, error: str = "invalid_token") -> None:
        super().__init__(message, headers={"WWW-Authenticate": f'Bearer realm="chime", error="{error}"'})


class Forbidden(ApiError):
    status = 403
    code = "insufficient_scope"


class TooManyRequests(ApiError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: float, code: str | None = None) -> None:
        # Whole seconds, at least 1 (RFC 9110 delay-seconds).
        super().__init__(message, code=code, headers={"Retry-After": str(max(1, int(-(-retry_after // 1))))})
