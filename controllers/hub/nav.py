"""The hub's pages, in navigation order, and the seam for the pages whose data arrives later.

A page is shown in the navigation when it is `ready` and the session holds its scope. Phase 2 pages
(Overview: the sitrep; Approvals; Fix-it; Audit) are declared here with `ready=False`: their routes and
templates are stubbed in `controllers/hub/later.py` / `templates/hub/later/` and are registered only by
`later.register(bp)` once their services exist, together with flipping `ready` here. Nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    endpoint: str
    label: str
    scope: str
    ready: bool = True


PAGES: tuple[Page, ...] = (
    Page("hub.overview", "Overview", "ops:read"),        # GET /api/v1/scheduler/sitrep; the landing page
    Page("hub.schedules", "Schedules", "schedules:read"),
    Page("hub.workflows", "Workflows", "workflows:read"),
    Page("hub.approvals", "Approvals", "ops:read"),      # deciding needs approvals:write
    Page("hub.fixit", "Fix-it", "ops:read"),             # dry-run and run need ops:write
    Page("hub.audit", "Audit", "ops:read"),              # GET /api/v1/audit
)

# Sign-in with an API client's id and secret (services/clients.py): the session gets the client's community and
# scopes, lasts at most CLIENT_TOKEN_TTL_SECONDS, and ends when the client is revoked.
CLIENT_SIGN_IN = True


def visible(scopes: frozenset[str]) -> list[Page]:
    return [p for p in PAGES if p.ready and p.scope in scopes]


def home_endpoint(scopes: frozenset[str]) -> str:
    shown = visible(scopes)
    return shown[0].endpoint if shown else "hub.schedules"
