"""Phase 2 pages behind one seam, now registered (controllers/hub/__init__.py) and built in controllers/hub/ops.py.

To switch one on once its service is merged: fill in its `load_*` function (call the service with the
principal, as the API's blueprint does), call `register(bp, "<name>")` from controllers/hub/__init__.py, set
`ready=True` for it in nav.py, add its routes to the tables in tests/routes.py, tests/test_tenancy.py and
tests/test_scopes.py, and give tests/test_hub_browser.py its step (approve a pending approval; dry-run a
fix-it and read its plan). Templates: templates/hub/later/<name>.html. Sign-in with an API client's id and
secret: `nav.CLIENT_SIGN_IN = True` and `authenticate_client` below (the form already has its fieldset).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from quart import Blueprint

from controllers.deps import services
from controllers.hub import ops
from controllers.hub.web import principal, render
from services.auth import Principal


async def load_overview(p: Principal) -> dict[str, Any]:
    return await ops.overview_context(p)


async def load_approvals(p: Principal) -> dict[str, Any]:
    return await ops.approvals_context(p)


async def load_fixit(p: Principal) -> dict[str, Any]:
    return await ops.fixit_context(p)


async def load_audit(p: Principal) -> dict[str, Any]:
    return await ops.audit_context(p)


async def authenticate_client(client_id: str, secret: str) -> Principal:
    """The client's community and scopes, exactly as its token would carry them (services/clients.py); wrong
    secrets count towards the same per-client limit as the token endpoint's."""
    return await services().clients.principal_for(client_id, secret)


# name -> (path, scope, loader)
LATER: dict[str, tuple[str, str, Callable[[Principal], Awaitable[dict[str, Any]]]]] = {
    "overview": ("/overview", "ops:read", load_overview),
    # Viewing is ops:read; deciding (approvals:write) and dry-running or running (ops:write) are the POST
    # routes in controllers/hub/ops.py, whose buttons the pages show only to sessions holding those scopes.
    "approvals": ("/approvals", "ops:read", load_approvals),
    "fixit": ("/fix-it", "ops:read", load_fixit),
    "audit": ("/audit", "ops:read", load_audit),
}


def register(bp: Blueprint, name: str) -> None:
    path, scope, loader = LATER[name]

    async def view():
        p = principal(scope)
        return await render(f"hub/later/{name}.html", **await loader(p))

    view.__name__ = name
    bp.add_url_rule(path, name, view, methods=["GET"])
