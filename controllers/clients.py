"""API clients of a community (scope `admin`): create (the secret is shown once), list, read, change, revoke."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request, validate_response

from controllers.deps import caller, requires, services
from controllers.idempotent import idempotent
from services.client_schemas import ClientCreated, ClientIn, ClientList, ClientOut, ClientPatch
from services.clients import client_out
from services.schemas import PageQuery

bp = Blueprint("clients", __name__, url_prefix="/api/v1/clients")


@bp.post("")
@idempotent(secret_fields=("client_secret",), created=("clients", "client_id"))
@requires("admin")
@tag(["clients"])
@validate_request(ClientIn)
@validate_response(ClientCreated, 201)
async def create_client(data: ClientIn):
    """Creates a client in the caller's community. `client_secret` is in this answer only: store it now."""
    row, secret = await services().clients.create(caller(), data.name, list(data.scopes))
    return {**client_out(row), "client_secret": secret}, 201


@bp.get("")
@requires("admin")
@tag(["clients"])
@validate_querystring(PageQuery)
@validate_response(ClientList)
async def list_clients(query_args: PageQuery):
    rows, cursor = await services().clients.list(caller(), query_args.limit, query_args.cursor)
    return {"items": [client_out(r) for r in rows], "next_cursor": cursor}


@bp.get("/<uuid:client_id>")
@requires("admin")
@tag(["clients"])
@validate_response(ClientOut)
async def get_client(client_id: UUID):
    return client_out(await services().clients.get_row(caller(), client_id))


@bp.patch("/<uuid:client_id>")
@requires("admin")
@tag(["clients"])
@validate_request(ClientPatch)
@validate_response(ClientOut)
async def patch_client(client_id: UUID, data: ClientPatch):
    """New scopes apply to tokens issued afterwards; tokens already issued keep theirs until they expire."""
    scopes = list(data.scopes) if data.scopes is not None else None
    return client_out(await services().clients.patch(caller(), client_id, data.name, scopes))


@bp.delete("/<uuid:client_id>")
@requires("admin")
@tag(["clients"])
@validate_response(ClientOut)
async def revoke_client(client_id: UUID):
    """Revokes the client: no new tokens, and its tokens fail within REVOCATION_CACHE_SECONDS."""
    return client_out(await services().clients.revoke(caller(), client_id))
