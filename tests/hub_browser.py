"""Helpers for the hub's browser tests: Debian's chromium driven by Playwright, axe-core, and test data.

Playwright's own browser download cannot work here, so the system chromium is launched by path. Without it
the tests skip with a line saying how to install it, except in CI (CI=true), where they fail: .ci/run
installs chromium first, so a missing browser there is a broken set-up, not a reason to skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHIME_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
INSTALL_HINT = ("the hub's browser tests need Debian's chromium and Playwright: apt-get update && apt-get install -y "
                "chromium, and .venv/bin/python -m pip install -r requirements-dev.txt")


def require_browser() -> None:
    """Skips (fails in CI) unless chromium and the playwright package are installed."""
    problems = []
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(f"no chromium at {CHROMIUM}")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed")
    if problems:
        message = f"{'; '.join(problems)}: {INSTALL_HINT}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


async def launch(playwright: Any) -> Any:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


async def sign_in(page: Any, base: str, token: str, landing: str = "/hub/schedules") -> None:
    """Signs in; the hub lands on its first page the token's scopes show (the overview with ops:read)."""
    await page.goto(f"{base}/hub")
    await page.get_by_label("Token (JWT)").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}{landing}")


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


async def screenshot(page: Any, name: str) -> None:
    """Saved to docs/screenshots/ when CHIME_SCREENSHOTS=1 (the README shows them); otherwise taken and dropped,
    so a page that cannot be drawn still fails."""
    data = await page.screenshot(full_page=True)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("CHIME_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(data)


def api(base: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


STEPS_WORKFLOW = {
    "nodes": [
        {"node_id": "start", "type": "trigger_schedule", "name": "start", "config": {}},
        {"node_id": "wait", "type": "action_delay", "name": "short wait", "config": {"seconds": 0.2}},
    ],
    "connections": [{"from_node_id": "start", "to_node_id": "wait"}],
}


def branching_workflow(dead_url: str) -> dict[str, Any]:
    """Trigger -> condition -> (true) webhook that fails | (false) end: ports, an error edge, a failing node."""
    return {
        "nodes": [
            {"node_id": "start", "type": "trigger_schedule", "name": "start", "config": {}},
            {"node_id": "check", "type": "condition_if", "name": "weekday?",
             "config": {"left": 1, "operator": "equals", "right": 1}},
            {"node_id": "call", "type": "action_webhook", "name": "notify router",
             "config": {"url": dead_url, "method": "POST", "body": {"token": "s3cret", "text": "hello"}}},
            {"node_id": "done", "type": "flow_end", "name": "done", "config": {}},
        ],
        "connections": [
            {"from_node_id": "start", "to_node_id": "check"},
            {"from_node_id": "check", "from_port": "true", "to_node_id": "call"},
            {"from_node_id": "check", "from_port": "false", "to_node_id": "done"},
            {"from_node_id": "call", "to_node_id": "done"},
        ],
    }
