"""The aiohttp client under the engine, against real loopback servers: the SSRF guard inside the connection
(resolver answers, cached answers, literal IPs, the address actually connected to), TLS names, redirects, size
caps, retries as the server counts them, HMAC, redaction, keep-alive reuse, the DNS cache and the session's
life cycle.

Loopback is internal, so to reach a local server through a "public" name these tests use a static resolver
(name -> addresses) and, where a loopback address must count as public, an AddressPolicy subclass."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.engine import AddressPolicy, EngineLimits, RunRequest, WorkflowEngine, make_http_client, sign
from services.engine.outbound import GuardedConnector, SSRFRefused, _AttemptTimeouts, _session
from tests.engine_helpers import HMAC_SECRET, LocalServer, by_id, chain, engine, limits, node

pytestmark = pytest.mark.asyncio


def hook(url: str, **config: Any) -> dict:
    return chain(node("w", "action_webhook", url=url, **config))


def req(definition: dict, **kw: Any) -> RunRequest:
    return RunRequest("exec-o", "wf-o", definition, **kw)


class StaticResolver(AbstractResolver):
    """Answers from a table (name -> list of addresses); the table may change between lookups."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [{"hostname": host, "host": a, "port": port, "proto": 0, "flags": socket.AI_NUMERICHOST,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET} for a in self.table[host]]

    async def close(self) -> None:
        pass


class LoopbackIsPublic(AddressPolicy):
    """Treats 127.0.0.1 as public (so a local server can stand in for one) and records every check."""

    def __init__(self, blocked: set[str] | None = None) -> None:
        super().__init__()
        self.blocked = blocked if blocked is not None else {"127.0.0.2"}
        self.checked: list[tuple[str, list[str]]] = []

    def reason(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        if str(ip) in self.blocked:
            return "blocked-for-test"
        return None if str(ip) == "127.0.0.1" else super().reason(ip)

    def check(self, host: str, addresses: Any) -> None:
        self.checked.append((host, list(addresses)))
        super().check(host, addresses)


def recording_socket_factory(connected: list[Any]) -> Any:
    """aiohttp's socket_factory hook: sees the exact address of every connection attempt."""

    def factory(addr_info: Any) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        connected.append(sockaddr[0])
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


async def engine_with(session: aiohttp.ClientSession, **overrides: Any) -> WorkflowEngine:
    return WorkflowEngine(limits(**overrides), http_client=session)


# ---------------------------------------------------------------------------------------------- SSRF, resolution


async def test_public_looking_name_resolving_to_private_address_is_refused(server: LocalServer) -> None:
    before = len(server.seen())
    resolver = StaticResolver({"api.example.com": ["127.0.0.1"], "mixed.example.com": ["8.8.8.8", "10.0.0.7"]})
    async with make_http_client(resolver=resolver) as session:
        eng = await engine_with(session, allowed_hosts=frozenset())
        r = await eng.execute(req(hook(f"http://api.example.com:{server.port}/echo")))
        mixed = await eng.execute(req(hook(f"http://mixed.example.com:{server.port}/echo")))
    assert (r.status, r.error_code) == ("failed", "ssrf_refused"), r.error
    assert "api.example.com" in r.error and "127.0.0.1" in r.error
    assert mixed.error_code == "ssrf_refused" and "10.0.0.7" in mixed.error   # one internal answer is enough
    assert resolver.lookups[:1] == ["api.example.com"]   # refused after resolving, not by a name rule
    assert len(server.seen()) == before


async def test_connection_goes_to_the_checked_address_and_rebinding_is_refused(server: LocalServer) -> None:
    resolver = StaticResolver({"svc.example.com": ["127.0.0.1"]})
    policy = LoopbackIsPublic()
    connected: list[str] = []
    connector = GuardedConnector(policy, resolver=resolver, ttl_dns_cache=0.2,
                                 socket_factory=recording_socket_factory(connected))
    async with _session(connector) as session:
        eng = await engine_with(session)
        ok = await eng.execute(req(hook(f"http://svc.example.com:{server.port}/echo")))
        assert ok.status == "completed", ok.error
        assert connected == ["127.0.0.1"]
        assert ("svc.example.com", ["127.0.0.1"]) in policy.checked
        assert server.seen("/echo")[-1].headers["host"] == f"svc.example.com:{server.port}"

    # The name now resolves elsewhere (DNS rebinding); a new session has no pooled connection or cached answer.
    resolver.table["svc.example.com"] = ["127.0.0.2"]
    connector = GuardedConnector(policy, resolver=resolver, socket_factory=recording_socket_factory(connected))
    async with _session(connector) as session:
        eng = await engine_with(session)
        rebound = await eng.execute(req(hook(f"http://svc.example.com:{server.port}/echo")))
    assert (rebound.status, rebound.error_code) == ("failed", "ssrf_refused"), rebound.error
    assert connected == ["127.0.0.1"]   # no connection attempt to the refused address


async def test_cached_answers_are_checked_again(server: LocalServer) -> None:
    # The DNS cache hands out its answer without asking the resolver; the connector checks it anyway.
    resolver = StaticResolver({"svc.example.com": ["127.0.0.1"]})
    policy = LoopbackIsPublic(blocked=set())
    connected: list[str] = []
    connector = GuardedConnector(policy, resolver=resolver, ttl_dns_cache=60,
                                 socket_factory=recording_socket_factory(connected))
    url = f"http://svc.example.com:{server.port}/big?bytes=10&length=0"   # Connection: close -> new connection
    async with _session(connector) as session:
        eng = await engine_with(session)
        first = await eng.execute(req(hook(url)))
        policy.blocked.add("127.0.0.1")          # the policy changes while the answer sits in the cache
        second = await eng.execute(req(hook(url)))
    assert first.status == "completed", first.error
    assert (second.status, second.error_code) == ("failed", "ssrf_refused"), second.error
    assert resolver.lookups == ["svc.example.com"]   # the second run used the cached answer ...
    assert connected == ["127.0.0.1"]                # ... and never connected with it


async def test_literal_ips_are_checked_inside_the_connection(server: LocalServer) -> None:
    # The engine prechecks literal IPs before sending; the connector refuses them on its own as well.
    before = len(server.seen())
    async with make_http_client() as session:
        for url in (f"{server.base}/echo", f"http://[::ffff:127.0.0.1]:{server.port}/echo",
                    f"http://[::1]:{server.port}/echo"):
            with pytest.raises(SSRFRefused):
                await session.get(url)
    assert len(server.seen()) == before


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.0.0.1", "017700000001"])
async def test_legacy_numeric_ipv4_forms_refused(host: str) -> None:
    async with engine(allowed_hosts=frozenset()) as eng:
        r = await eng.execute(req(hook(f"http://{host}/x")))
    assert (r.status, r.error_code) == ("failed", "ssrf_refused"), r.error


async def test_allowed_hosts_match_the_host_as_written(server: LocalServer) -> None:
    resolver = StaticResolver({"internal.example.com": ["127.0.0.1"]})
    async with make_http_client(["Internal.Example.com."], resolver=resolver) as session:
        eng = await engine_with(session)
        allowed = await eng.execute(req(hook(f"http://internal.example.com:{server.port}/echo")))
    assert allowed.status == "completed", allowed.error


async def test_proxies_from_the_environment_are_ignored(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://10.9.9.9:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with engine() as eng:
        r = await eng.execute(req(hook(f"{server.base}/echo", timeout_seconds=2)))
    assert r.status == "completed", r.error
    assert server.seen("/echo")[-1].headers["host"] == f"127.0.0.1:{server.port}"


# ---------------------------------------------------------------------------------------------------------- TLS


def _tls_files(tmp: Path, name: str) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for `name` signed by it: (ca, cert, key) PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chime test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def _tls_server(cert: Path, key: Path, sni: list[str | None]) -> LocalServer:
    srv = LocalServer()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    ctx.sni_callback = lambda sock, name, _ctx: sni.append(name)
    srv.httpd.socket = ctx.wrap_socket(srv.httpd.socket, server_side=True)
    return srv


async def test_tls_uses_the_original_host_name_for_sni_and_certificate(tmp_path: Path) -> None:
    ca, cert, key = _tls_files(tmp_path, "svc.example.com")
    sni: list[str | None] = []
    with _tls_server(cert, key, sni) as srv:
        resolver = StaticResolver({"svc.example.com": ["127.0.0.1"], "other.example.com": ["127.0.0.1"]})
        trusting = ssl.create_default_context(cafile=str(ca))
        connector = GuardedConnector(LoopbackIsPublic(), resolver=resolver, ssl=trusting)
        async with _session(connector) as session:
            eng = await engine_with(session)
            ok = await eng.execute(req(hook(f"https://svc.example.com:{srv.port}/echo")))
            wrong_name = await eng.execute(req(hook(f"https://other.example.com:{srv.port}/echo")))
        # The default trust store does not know the test CA: verification is on.
        async with _session(GuardedConnector(LoopbackIsPublic(), resolver=resolver)) as session:
            eng = await engine_with(session)
            untrusted = await eng.execute(req(hook(f"https://svc.example.com:{srv.port}/echo")))
    assert ok.status == "completed", ok.error
    assert sni[0] == "svc.example.com"        # SNI carries the name from the URL, not the address
    assert wrong_name.status == "failed" and "certificate" in wrong_name.error.lower(), wrong_name.error
    assert untrusted.status == "failed" and "certificate" in untrusted.error.lower(), untrusted.error
    assert len(srv.seen("/echo")) == 1


# ---------------------------------------------------------------------------------------------------- redirects


async def test_redirect_to_https_on_the_same_host_is_followed(server: LocalServer) -> None:
    # Nothing speaks TLS there, so the hop fails, but with a connection error: it was attempted, not refused.
    target = f"https://127.0.0.1:{server.port}/echo"
    async with engine() as eng:
        r = await eng.execute(req(hook(f"{server.base}/redirect?to={target}")))
    assert r.status == "failed" and r.error_code == "node_failed" and "connection error" in r.error, r.error


async def test_redirect_rules(server: LocalServer) -> None:
    async with engine(http_max_redirects=2) as eng:
        post_307 = await eng.execute(req(hook(f"{server.base}/redirect?code=307&to=/verify", method="POST",
                                              body={"keep": "me"}), hmac_secret=HMAC_SECRET))
        two_hops = await eng.execute(req(hook(f"{server.base}/redirect?to=/redirect%3Fto%3D/echo")))
        three_hops = await eng.execute(req(hook(
            f"{server.base}/redirect?to=/redirect%3Fto%3D/redirect%253Fto%253D/echo")))
        scheme = await eng.execute(req(hook(f"{server.base}/redirect?to=ftp://127.0.0.1/x")))
    assert post_307.status == "completed", post_307.error
    assert by_id(post_307)["w"].output["body"] == {"valid": True}   # same method, body and signature after 307
    assert server.seen("/verify")[-1].json() == {"keep": "me"}
    assert two_hops.status == "completed" and by_id(two_hops)["w"].output["body"]["method"] == "GET"
    assert three_hops.error_code == "too_many_redirects"
    assert scheme.error_code == "redirect_refused"


# ------------------------------------------------------------------------------------------------- size, retries


async def test_size_cap_applies_to_decoded_bytes(server: LocalServer) -> None:
    async with engine(http_max_response_bytes=1000) as eng:
        small = await eng.execute(req(hook(f"{server.base}/gzip?bytes=900")))
        bomb = await eng.execute(req(hook(f"{server.base}/gzip?bytes=200000")))   # ~250 bytes on the wire
    assert small.status == "completed" and by_id(small)["w"].output["body"] == "0" * 900
    assert (bomb.status, bomb.error_code) == ("failed", "response_too_large")


async def test_retries_as_seen_by_the_server(server: LocalServer) -> None:
    slow_before, status_before = len(server.seen("/slow")), len(server.seen("/status/404"))
    async with engine(http_retry_backoff_seconds=0.1) as eng:
        t0 = time.monotonic()
        dropped_get = await eng.execute(req(hook(f"{server.base}/drop/g1/2", retries=2)))
        elapsed = time.monotonic() - t0
        dropped_post = await eng.execute(req(hook(f"{server.base}/drop/p1/1", method="POST", retries=3)))
        opted_in = await eng.execute(req(hook(f"{server.base}/drop/p2/1", method="POST", retries=3,
                                              retry_non_idempotent=True)))
        no_retries = await eng.execute(req(hook(f"{server.base}/drop/g2/1")))
        slow = await eng.execute(req(hook(f"{server.base}/slow?seconds=1", timeout_seconds=0.2, retries=1)))
        client_error = await eng.execute(req(hook(f"{server.base}/status/404", retries=3)))
    assert dropped_get.status == "completed" and by_id(dropped_get)["w"].output["attempts"] == 3
    assert len(server.seen("/drop/g1/2")) == 3
    assert elapsed >= 0.3                                   # backoff 0.1 s, then 0.2 s
    assert dropped_post.status == "failed" and "connection error" in dropped_post.error
    assert len(server.seen("/drop/p1/1")) == 1              # POST is not retried unless the node opts in
    assert opted_in.status == "completed" and len(server.seen("/drop/p2/1")) == 2
    assert no_retries.status == "failed" and len(server.seen("/drop/g2/1")) == 1   # no hidden client retry
    assert slow.error_code == "node_timeout" and len(server.seen("/slow")) - slow_before == 2
    assert client_error.status == "failed"
    assert len(server.seen("/status/404")) - status_before == 1   # a 4xx is an answer, not retried


async def test_every_attempt_is_signed_over_the_same_bytes(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(hook(f"{server.base}/flaky/signed/1", method="PUT", retries=1,
                                       body={"é": "${context.v}"}), context={"v": [1, 2]},
                                  hmac_secret=HMAC_SECRET))
    assert r.status == "completed", r.error
    attempts = server.seen("/flaky/signed/1")
    assert len(attempts) == 2 and attempts[0].body == attempts[1].body
    assert {a.headers["x-chime-signature"] for a in attempts} == {sign(attempts[0].body, HMAC_SECRET)}


async def test_secrets_stay_out_of_errors_and_records(server: LocalServer) -> None:
    async with engine() as eng:
        down = await eng.execute(req(hook("http://user:pw@127.0.0.1:9/x?token=t0p&page=1")))
        ok = await eng.execute(req(hook(f"http://user:pw@127.0.0.1:{server.port}/echo?token=t0p",
                                        headers={"X-Session": "s1"})))
    assert "t0p" not in down.error and "pw" not in down.error and "page=1" in down.error
    dumped = repr([(s.input, s.output, s.error) for s in ok.steps])
    assert "t0p" not in dumped and "s1" not in dumped and ":pw@" not in dumped
    assert server.seen("/echo")[-1].headers["x-session"] == "s1"           # the server got the real values
    assert server.seen("/echo")[-1].headers["authorization"].startswith("Basic ")
    assert server.seen("/echo")[-1].headers["accept-encoding"] == "identity"


# --------------------------------------------------------------------------------- keep-alive, DNS cache, session


async def test_keep_alive_connections_are_reused(server: LocalServer) -> None:
    async with engine() as eng:
        for _ in range(10):
            r = await eng.execute(req(hook(f"{server.base}/echo?seq")))
            assert r.status == "completed", r.error
        for _ in range(2):   # two waves of 20 concurrent runs: the second one finds 20 idle connections
            results = await asyncio.gather(*(eng.execute(req(hook(f"{server.base}/echo?par"))) for _ in range(20)))
            assert all(r.status == "completed" for r in results)
    seen = server.seen("/echo")[-50:]
    sequential, first, second = ({s.peer for s in part} for part in (seen[:10], seen[10:30], seen[30:]))
    assert len(sequential) == 1                    # 10 runs one after another: one connection
    assert second <= first | sequential            # the second wave opened no new connection
    assert len(first | second | sequential) <= 20


async def test_connections_per_host_are_limited(server: LocalServer) -> None:
    async with engine(http_max_connections_per_host=3) as eng:
        results = await asyncio.gather(*(eng.execute(req(hook(f"{server.base}/slow?seconds=0.1")))
                                         for _ in range(9)))
    assert all(r.status == "completed" for r in results)
    assert len({s.peer for s in server.seen("/slow")[-9:]}) <= 3


async def test_dns_cache_expires_after_its_ttl(server: LocalServer) -> None:
    resolver = StaticResolver({"svc.example.com": ["127.0.0.1"]})
    url = f"http://svc.example.com:{server.port}/big?bytes=10&length=0"   # Connection: close -> new connection
    async with make_http_client(["svc.example.com"], resolver=resolver, dns_cache_seconds=0.3) as session:
        eng = await engine_with(session)
        for _ in range(3):
            assert (await eng.execute(req(hook(url)))).status == "completed"
        assert resolver.lookups == ["svc.example.com"]
        await asyncio.sleep(0.4)
        assert (await eng.execute(req(hook(url)))).status == "completed"
    assert resolver.lookups == ["svc.example.com", "svc.example.com"]


async def test_one_lazy_session_per_engine_closed_by_aclose(server: LocalServer) -> None:
    # Built outside any event loop, as a process may do at import time; the session appears on first use.
    eng = await asyncio.to_thread(WorkflowEngine, EngineLimits(allowed_hosts=frozenset({"127.0.0.1"})))
    webhooks = eng._owned[0]
    assert webhooks._session is None
    first = await eng.execute(req(hook(f"{server.base}/echo")))
    session = webhooks._session
    second = await eng.execute(req(hook(f"{server.base}/echo")))
    assert first.status == second.status == "completed"
    assert webhooks._session is session and session is not None and not session.closed
    await eng.aclose()
    assert session.closed
    after = await eng.execute(req(hook(f"{server.base}/echo")))
    assert after.status == "failed" and "shut down" in after.error


async def test_attempt_timeouts_share_timers_but_keep_their_own_deadlines() -> None:
    timeouts = _AttemptTimeouts()

    async def attempt(seconds: float, work: float, after: float = 0.0) -> tuple[str, float]:
        await asyncio.sleep(after)
        t0 = time.monotonic()
        try:
            async with timeouts.attempt(seconds):
                await asyncio.sleep(work)
        except TimeoutError:
            return "timeout", time.monotonic() - t0
        return "done", time.monotonic() - t0

    me = asyncio.current_task()
    assert me is not None
    before = me.cancelling()
    results = await asyncio.gather(attempt(0.2, 5), attempt(0.2, 5, after=0.1), attempt(0.2, 0.05),
                                   attempt(0.4, 5), attempt(0.1, 5, after=0.05))
    expected = [("timeout", 0.2), ("timeout", 0.2), ("done", 0.05), ("timeout", 0.4), ("timeout", 0.1)]
    for (outcome, took), (want, seconds) in zip(results, expected, strict=True):
        assert outcome == want and seconds - 0.01 <= took < seconds + 0.3, (results, expected)
    assert await attempt(0.2, 0.01) == ("done", pytest.approx(0.01, abs=0.2))   # the timer is armed again

    # The caller's own cancellation inside an attempt stays a cancellation, not a timeout.
    task = asyncio.create_task(attempt(5, 10))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert me.cancelling() == before
