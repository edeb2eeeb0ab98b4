"""Prints the README's scope table (markdown) from the app's OpenAPI document: every operation and its scope.

    .venv/bin/python scripts/scope_table.py

The scopes come from each operation's `security` in /openapi.json, which services/openapi.py reads from the
`@requires(...)` declaration the controller checks, so this table is what the server enforces.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def _doc() -> dict:
    from app import create_app
    from config import load_settings

    settings = load_settings({"JWT_SECRET": "x" * 32, "DATABASE_URL": "postgresql://unused@127.0.0.1/unused"})
    app = create_app(settings)
    async with app.test_request_context("/openapi.json"):
        return app.extensions["QUART_SCHEMA"].openapi_provider.schema()


def main() -> None:
    doc = asyncio.run(_doc())
    order = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
    rows = []
    for path, methods in doc["paths"].items():
        for method, operation in sorted(methods.items(), key=lambda kv: order.get(kv[0], 9)):
            security = operation.get("security", [])
            scope = next(iter(security[0].values()))[0] if security and next(iter(security[0].values())) else None
            rows.append((scope or "", path, order.get(method, 9), f"`{method.upper()} {path}`"))
    rows.sort(key=lambda r: (r[0] == "", r[0], r[1], r[2]))
    print("| scope | operation |\n| --- | --- |")
    for scope, _, _, op in rows:
        print(f"| `{scope}` | {op} |" if scope else f"| none (public) | {op} |")


if __name__ == "__main__":
    main()
