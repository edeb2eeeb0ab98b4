"""SSRF guard: every refusal happens before a connection is made (only loopback is ever contacted)."""

from __future__ import annotations

import ipaddress
from typing import Any

import aiohttp
import pytest

from services.engine import EngineLimits, RunRequest, WorkflowEngine
from services.engine.outbound import AddressPolicy, GuardedResolver, SSRFRefused, blocked_reason, precheck_url
from tests.engine_helpers import LocalServer, by_id, chain, engine, node

pytestmark = pytest.mark.asyncio


def hook(url: str, **config: Any) -> dict:
    return chain(node("w", "action_webhook", url=url, **config))


async def run(definition: dict, **limit_overrides: Any) -> Any:
    async with engine(**limit_overrides) as eng:
        return await eng.execute(RunRequest("e", "w", definition))


async def test_loopback_refused_when_not_allowed(server: LocalServer) -> None:
    before = len(server.seen())
    r = await run(hook(f"{server.base}/echo"), allowed_hosts=frozenset())
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "ssrf_refused", "w")
    assert "127.0.0.1" in r.error and "loopback" in r.error
    assert len(server.seen()) == before


async def test_loopback_allowed_when_listed(server: LocalServer) -> None:
    r = await run(hook(f"{server.base}/echo"))
    assert r.status == "completed", r.error


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",     # cloud metadata (link-local)
    "http://10.0.0.1/",
    "http://172.16.5.4:8080/",
    "http://192.168.1.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[::ffff:127.0.0.1]/",                   # IPv4-mapped IPv6
    "http://224.0.0.1/",
    "http://100.64.0.1/",                           # carrier-grade NAT
    "https://240.0.0.1/",                           # reserved
])
async def test_internal_literal_ips_refused(url: str) -> None:
    r = await run(hook(url), allowed_hosts=frozenset())
    assert (r.status, r.error_code) == ("failed", "ssrf_refused"), r.error


async def test_hostname_resolving_to_loopback_refused(server: LocalServer) -> None:
    before = len(server.seen())
    # 127.0.0.1 is allowed, but "localhost" is a different host as written, and it resolves to loopback.
    r = await run(hook(f"http://localhost:{server.port}/echo"))
    assert (r.status, r.error_code) == ("failed", "ssrf_refused"), r.error
    assert "localhost" in r.error
    assert len(server.seen()) == before


async def test_hostname_allowed_by_name(server: LocalServer) -> None:
    r = await run(hook(f"http://localhost:{server.port}/echo"), allowed_hosts=frozenset({"LOCALHOST"}))
    assert r.status == "completed", r.error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:70/"])
async def test_non_http_schemes_refused(url: str) -> None:
    r = await run(hook(url))
    assert (r.status, r.error_code) == ("failed", "ssrf_refused")
    assert "scheme" in r.error


async def test_templated_url_checked_at_run_time() -> None:
    d = hook("${context.target}")
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", d, context={"target": "http://169.254.169.254/"}))
    assert r.error_code == "ssrf_refused"


async def test_dry_run_reports_literal_refusal_without_sending() -> None:
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", hook("http://10.1.2.3/x"), dry_run=True))
    assert r.error_code == "ssrf_refused"


async def test_continue_on_error_does_not_bypass_guard(server: LocalServer) -> None:
    before = len(server.seen())
    r = await run(hook(f"{server.base}/echo", continue_on_error=True), allowed_hosts=frozenset())
    assert r.status == "completed" and by_id(r)["w"].error_code == "ssrf_refused"
    assert len(server.seen()) == before


async def test_guarded_backend_refuses_at_connect_time() -> None:
    # The check lives in the connection itself, so a name that resolves to an internal address at connect
    # time (DNS rebinding) is refused even if an earlier lookup looked fine.
    resolver = GuardedResolver(AddressPolicy())
    with pytest.raises(SSRFRefused):
        await resolver.resolve("localhost", 80)


async def test_caller_supplied_client_is_prechecked(server: LocalServer) -> None:
    before = len(server.seen())
    async with aiohttp.ClientSession() as client:
        eng = WorkflowEngine(EngineLimits(allowed_hosts=frozenset({"127.0.0.1"})), http_client=client)
        refused = await eng.execute(RunRequest("e", "w", hook(f"http://localhost:{server.port}/echo")))
        allowed = await eng.execute(RunRequest("e", "w", hook(f"{server.base}/echo")))
        await eng.aclose()
    assert refused.error_code == "ssrf_refused"
    assert allowed.status == "completed"
    assert len(server.seen()) == before + 1


async def test_address_policy() -> None:
    assert blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert blocked_reason(ipaddress.ip_address("2606:4700::1111")) is None
    assert blocked_reason(ipaddress.ip_address("169.254.169.254")) == "link-local"
    assert blocked_reason(ipaddress.ip_address("2002:7f00:1::")) == "loopback"     # 6to4 wrapping 127.0.0.1
    with pytest.raises(SSRFRefused):
        precheck_url("http://127.0.0.1/", frozenset())
    assert precheck_url("http://127.0.0.1/", frozenset({"127.0.0.1"})).host == "127.0.0.1"
