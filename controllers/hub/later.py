"""Phase 2 pages, stubbed behind one seam: not registered, not in the navigation, until their data exists.

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
from controllers.hub.web import principal, render
from services.auth import Principal


async def load_overview(p: Principal) -> dict[str, Any]:
    raise NotImplementedError("phase 2: services.sitrep (GET /api/v1/scheduler/sitrep)")


async def load_approvals(p: Principal) -> dict[str, Any]:
    raise NotImplementedError("phase 2: approvals service (Operations A)")


async def load_fixit(p: Principal) -> dict[str, Any]:
    raise NotImplementedError("phase 2: fix-it plans (Operations A); dry-run first, then apply")


async def load_audit(p: Principal) -> dict[str, Any]:
    raise NotImplementedError("phase 2: audit trail (GET /api/v1/audit), paginated by its cursor")


async def authenticate_client(client_id: str, secret: str) -> Principal:
    """The client's community and scopes, exactly as its token would carry them (services/clients.py); wrong
    secrets count towards the same per-client limit as the token endpoint's."""
    return await services().clients.principal_for(client_id, secret)


# name -> (path, scope, loader)
LATER: dict[str, tuple[str, str, Callable[[Principal], Awaitable[dict[str, Any]]]]] = {
    "overview": ("/overview", "ops:read", load_overview),
    "approvals": ("/approvals", "approvals:write", load_approvals),
    "fixit": ("/fix-it", "ops:write", load_fixit),
    "audit": ("/audit", "ops:read", load_audit),
}


def register(bp: Blueprint, name: str) -> None:
    path, scope, loader = LATER[name]

    async def view():
        p = principal(scope)
        return await render(f"hub/later/{name}.html", **await loader(p))

    view.__name__ = name
    bp.add_url_rule(path, name, view, methods=["GET"])
