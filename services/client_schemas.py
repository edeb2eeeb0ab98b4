"""Request and response bodies of the API clients and the OAuth 2.0 token endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.auth import SCOPES

ScopeName = Literal[SCOPES]  # type: ignore[valid-type]  # the JSON Schema lists every known scope
ClientName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "welcome bot", "scopes": ["workflows:read", "schedules:read", "schedules:write"]}]})

    name: ClientName
    scopes: list[ScopeName] = Field(max_length=len(SCOPES))


class ClientPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scopes": ["schedules:read"]}]})

    name: ClientName | None = None
    scopes: list[ScopeName] | None = Field(None, max_length=len(SCOPES))


class ClientOut(BaseModel):
    client_id: UUID
    community_id: int
    name: str
    scopes: list[str]
    status: Literal["active", "revoked"]
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None


class ClientCreated(ClientOut):
    client_secret: str = Field(description="shown once: only its hash is stored")


class ClientList(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None


class TokenRequest(BaseModel):
    """RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or JSON. The credentials go in HTTP Basic
    (preferred) or in client_id/client_secret."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"grant_type": "client_credentials", "scope": "schedules:read"}]})

    grant_type: Literal["client_credentials"]
    scope: str | None = Field(None, max_length=2000, description="space-separated subset of the client's scopes")
    client_id: str | None = Field(None, max_length=200)
    client_secret: str | None = Field(None, max_length=200)


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
