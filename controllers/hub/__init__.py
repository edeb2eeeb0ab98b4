"""The hub: a server-rendered dashboard at /hub (Jinja2 + htmx), calling the same services as the API.

    blueprint.py  the blueprint, its session/CSRF hook and security headers
    auth.py       sign-in (JWT; API client later), one-time links, sign-out
    schedules.py  schedules list, schedule page, new/edit form, lifecycle buttons, preview
    runs.py       a run: steps, retry chain, cancel
    workflows.py  workflows list, definition graph, validate
    later.py      the seam that registers the phase 2 pages (overview, approvals, fix-it, audit)
    ops.py        those pages' context, approve/deny, fix-it dry-run/run and its page
    nav.py        the pages in navigation order and which are ready
    forms.py      form fields <-> API bodies, field errors
    web.py        shared helpers: session, rendering, error pages, headers
"""

from controllers.hub import auth, later, ops, runs, schedules, workflows  # noqa: F401 -- registers the routes
from controllers.hub.blueprint import bp

for _name in later.LATER:
    later.register(bp, _name)

__all__ = ["bp"]
