"""Outbound HTTP for workflow nodes (aiohttp): SSRF guard, HMAC signing, timeouts, size caps, redirects, retries.

Client. One aiohttp session per engine (so per process in the service), created lazily inside the running loop
(`LazySession`) and closed by `WorkflowEngine.aclose()`. Its connector keeps keep-alive pools per host
(`limit` in total, `limit_per_host` each; idle connections close after KEEPALIVE_SECONDS) and a DNS cache with
a short TTL (`dns_cache_seconds`). Cookies are never stored (one workflow's cookies must not reach another's
requests), proxies and .netrc from the environment are ignored (trust_env=False: a proxy would bypass the
guard). The router gets a second, plain session, created only once a router node runs.

SSRF guard. Only http/https. A host is refused when any address it resolves to is loopback, link-local,
private, unspecified, multicast, reserved or otherwise not globally routable (IPv4-mapped / 6to4 / Teredo
embeddings are unwrapped), unless the host as written in the URL is in `allowed_hosts`.
The check runs inside the connection (`GuardedConnector`): its resolver (`GuardedResolver`) resolves the name
and checks every address, and the connector checks again the exact list it is about to connect to, whether it
comes from that resolver, from the DNS cache or is a literal IP. aiohttp connects only to addresses from that
list, so there is no window for DNS rebinding, and TLS still uses the original host name for SNI and
certificate checks (aiohttp passes the URL's host as `server_hostname`). Literal IPs (also legacy forms such as
`127.1` or `2130706433`) and schemes are checked before a request is built as well, for clear errors. A
caller-supplied session without a `GuardedConnector` is checked up front instead (a time-of-check/time-of-use
gap: prefer `make_http_client`).

Redirects: only to the same host (http->https allowed), at most `max_redirects` hops; a redirect to another host
fails the node with `redirect_refused` so a public endpoint cannot bounce us to an internal one.
Retries: only on timeouts, connection errors and 5xx, and only for idempotent methods unless the node opts in,
with exponential backoff. The client never re-sends on its own (aiohttp's re-send of idempotent requests on a
dropped keep-alive connection is off), so the server sees exactly the attempts the step records.
HMAC: `X-Chime-Signature` over the exact body bytes sent, on every attempt and redirect hop.
Timeouts: `timeout` bounds each attempt as a whole (connection pool wait, DNS, connect, TLS, the whole body);
attempts with the same timeout share one loop timer (`_AttemptTimeouts`, asyncio.timeout's rules otherwise).
Size: bodies are streamed and the node fails once more than `max_response_bytes` arrive (`response_too_large`).
We ask for `Accept-Encoding: identity`, so the cap also bounds memory (a compressed reply is still decoded
chunk by chunk and the cap applies to the decoded bytes, a residual risk we accept).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from services.engine.types import NodeError

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SIGNATURE_HEADER = "X-Chime-Signature"
USER_AGENT = "chime-workflow-engine/1"
MAX_BACKOFF_SECONDS = 5.0
_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
                           SIGNATURE_HEADER.lower()})
_SECRET_PARTS = ("secret", "token", "key", "password", "passwd", "auth", "signature", "session")
REDACTED = "***"
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})

# Connection pool and DNS cache defaults (EngineLimits carries the values the engine uses).
MAX_CONNECTIONS = 200
MAX_CONNECTIONS_PER_HOST = 50
DNS_CACHE_SECONDS = 10.0
# Idle keep-alive connections are closed after this, before common server keep-alive timeouts (Node: 5 s), so a
# server rarely closes one just as a request is sent on it (that request would fail as a connection error).
KEEPALIVE_SECONDS = 4.0


class SSRFRefused(NodeError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "ssrf_refused")


# ------------------------------------------------------------------------------------------------ address policy


def normalize_host(host: str) -> str:
    """Canonical form of a host as written: lower case, no brackets or trailing dot, IDNA (punycode)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host.isascii():
        try:
            host = URL.build(scheme="http", host=host).raw_host or host
        except (ValueError, TypeError):
            pass
    return host


def normalize_hosts(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize_host(h) for h in hosts if h)


def blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be contacted, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if embedded is not None and (reason := blocked_reason(embedded)):
                return reason
    for attr in ("is_loopback", "is_link_local", "is_private", "is_unspecified", "is_multicast", "is_reserved"):
        if getattr(ip, attr):
            return attr[3:].replace("_", "-")
    if not ip.is_global:   # e.g. 100.64.0.0/10 carrier-grade NAT, documentation ranges
        return "non-global"
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(normalize_host(host).split("%", 1)[0])
    except ValueError:
        return None


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a legacy numeric IPv4 form (`127.1`, `2130706433`, `0x7f.0.0.1`) stands for, if it is one."""
    if not host or ":" in host or not all(c in "0123456789abcdefx." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


class AddressPolicy:
    """Which (host as written, addresses) pairs may be contacted; subclass and override `reason` in tests."""

    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed = normalize_hosts(allowed_hosts)

    def reason(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        return blocked_reason(ip)

    def check(self, host: str, addresses: Sequence[str]) -> None:
        """Raise SSRFRefused unless `host` is allowed or every one of `addresses` is public."""
        if normalize_host(host) in self.allowed:
            return
        for address in addresses:
            ip = _ip(address)
            reason = "unparseable address" if ip is None else self.reason(ip)
            if reason:
                raise SSRFRefused(f"refusing to contact '{host}': it resolves to {address} ({reason})")


async def resolve_checked(host: str, port: int, allowed: frozenset[str]) -> list[str]:
    """Resolve `host` and return its addresses, refusing if any of them is internal (and host not allowed).

    Only for sessions without a GuardedConnector (checked up front, then resolved again by the client)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(normalize_host(host), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise NodeError(f"cannot resolve host '{host}': {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise NodeError(f"host '{host}' has no addresses")
    AddressPolicy(allowed).check(host, addresses)
    return addresses


class GuardedResolver(AbstractResolver):
    """Resolves with `inner` (default: getaddrinfo in a thread) and refuses answers with internal addresses.

    A refused answer raises, so it never enters the connector's DNS cache."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        try:
            results = await self._inner.resolve(host, port, family)
        except OSError as exc:
            raise NodeError(f"cannot resolve host '{host}': {exc}") from None
        if not results:
            raise NodeError(f"host '{host}' has no addresses")
        self._policy.check(host, [r["host"] for r in results])
        return results

    async def close(self) -> None:
        await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """TCPConnector whose every new connection goes only to addresses that passed the AddressPolicy."""

    def __init__(self, policy: AddressPolicy, *, resolver: AbstractResolver | None = None, **kwargs: Any) -> None:
        self._guard_resolver = GuardedResolver(policy, resolver)
        super().__init__(resolver=self._guard_resolver, **kwargs)
        self.policy = policy

    async def _resolve_host(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        # The single place where aiohttp turns (host, port) into the addresses it will connect to: fresh
        # answers from GuardedResolver, cached answers and literal IPs all pass here, so check the exact list.
        results = await super()._resolve_host(host, port, traces=traces)
        self.policy.check(host, [r["host"] for r in results])
        return results

    async def close(self, **kwargs: Any) -> None:
        await super().close(**kwargs)
        await self._guard_resolver.close()


def _session(connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(
        connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None),
        raise_for_status=False, auto_decompress=True)
    # aiohttp re-sends an idempotent request once when a reused connection drops, even after the server read
    # it. Attempts are counted (and retried only as the node allows) here, so turn that off; aiohttp has no
    # public switch, its own test client sets the same attribute. tests/test_engine_outbound.py covers it.
    session._retry_connection = False
    return session


def make_http_client(allowed_hosts: Iterable[str] = (), *, max_connections: int = MAX_CONNECTIONS,
                     max_connections_per_host: int = MAX_CONNECTIONS_PER_HOST,
                     dns_cache_seconds: float = DNS_CACHE_SECONDS, resolver: AbstractResolver | None = None,
                     policy: AddressPolicy | None = None) -> aiohttp.ClientSession:
    """An aiohttp session whose every connection passes the SSRF guard (use this rather than a plain session).

    Call it inside the running event loop; the caller closes it. `resolver` replaces getaddrinfo (the guard
    still checks its answers); `policy` replaces AddressPolicy(allowed_hosts)."""
    # ttl_dns_cache is annotated as int but aiohttp compares it with monotonic time, so fractions work.
    connector = GuardedConnector(policy or AddressPolicy(allowed_hosts), resolver=resolver, limit=max_connections,
                                 limit_per_host=max_connections_per_host, ttl_dns_cache=dns_cache_seconds,
                                 keepalive_timeout=KEEPALIVE_SECONDS)
    return _session(connector)


def make_plain_client(*, max_connections: int = MAX_CONNECTIONS,
                      max_connections_per_host: int = MAX_CONNECTIONS_PER_HOST,
                      dns_cache_seconds: float = DNS_CACHE_SECONDS) -> aiohttp.ClientSession:
    """The same session without the guard: only for the operator-configured router."""
    connector = aiohttp.TCPConnector(limit=max_connections, limit_per_host=max_connections_per_host,
                                     ttl_dns_cache=dns_cache_seconds, keepalive_timeout=KEEPALIVE_SECONDS)
    return _session(connector)


def is_guarded(session: aiohttp.ClientSession) -> bool:
    return isinstance(session.connector, GuardedConnector)


class LazySession:
    """Creates its session on first use, inside the running loop; `aclose()` closes it for good."""

    def __init__(self, factory: Callable[[], aiohttp.ClientSession]) -> None:
        self._factory = factory
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __call__(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            if self._closed:
                raise NodeError("the workflow engine is shut down")
            session = self._session = self._factory()
        return session

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None


@lru_cache(maxsize=1024)   # webhook URLs repeat from run to run; refusals raise and are never cached
def precheck_url(url: str, allowed: frozenset[str], enforce: bool = True) -> URL:
    """Scheme and literal-IP checks that need no network (hostnames are checked when connecting)."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError) as exc:
        raise NodeError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise SSRFRefused(f"refusing URL scheme '{parsed.scheme or '(none)'}' (only http and https)")
    raw_host = parsed.raw_host
    if not raw_host:
        raise NodeError(f"URL {url!r} has no host")
    if not raw_host.isprintable() or any(c.isspace() for c in raw_host):
        raise NodeError(f"invalid URL {url!r}: bad host {raw_host!r}")
    host = normalize_host(raw_host)
    if host in allowed or not enforce:
        return parsed
    ip = _ip(host) or _numeric_ipv4(host)
    if ip is not None and (reason := blocked_reason(ip)):
        raise SSRFRefused(f"refusing to contact {host} ({reason})")
    return parsed


# ----------------------------------------------------------------------------------------------- signing, redaction


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@lru_cache(maxsize=4096)   # header names and JSON keys repeat from run to run
def is_secret_name(name: str) -> bool:
    lower = name.lower()
    return lower in _SECRET_NAMES or any(part in lower for part in _SECRET_PARTS)


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (REDACTED if is_secret_name(k) else v) for k, v in headers.items()}


def redact_json(value: Any, depth: int = 0) -> Any:
    """Copy of a JSON-like value with secret-looking keys ("password", "api_key", ...) masked, for records."""
    if depth > 32 or type(value) in _JSON_SCALARS:
        return value
    if type(value) is dict or isinstance(value, Mapping):
        return {k: (REDACTED if isinstance(k, str) and is_secret_name(k) and not isinstance(v, Mapping | list)
                    else redact_json(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, depth + 1) for v in value]
    return value


def redact_url(url: str) -> str:
    """Hide userinfo and secret-looking query parameters (?api_key=..., ?token=...)."""
    if "@" not in url and "?" not in url:
        return url   # nothing to hide (the common case): keep it exactly as written
    try:
        parsed = URL(url)
        if parsed.raw_user is not None or parsed.raw_password is not None:
            parsed = parsed.with_password(None).with_user(REDACTED)
        if parsed.raw_query_string:
            pairs = parse_qsl(parsed.raw_query_string, keep_blank_values=True)
            if any(is_secret_name(k) for k, _ in pairs):
                query = urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="*")
                parsed = parsed.with_query(query)
        return str(parsed)
    except Exception:  # noqa: BLE001 - recording must never fail on a malformed URL
        return url


# ------------------------------------------------------------------------------------------------------ requests


@dataclass(slots=True)
class HttpCall:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    timeout: float = 30.0
    retries: int = 0
    retry_non_idempotent: bool = False
    follow_redirects: bool = True


@dataclass(slots=True)
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any
    url: str
    attempts: int


_BODY_JSON = json.JSONEncoder(default=str, separators=(",", ":"))   # one encoder: json.dumps builds one per call


def encode_body(body: Any, headers: dict[str, str]) -> bytes:
    """Serialize a rendered body; sets Content-Type unless the node configured one."""
    if body is None:
        return b""
    has_type = any(k.lower() == "content-type" for k in headers)
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        if not has_type:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return body.encode()
    if not has_type:
        headers["Content-Type"] = "application/json"
    return _BODY_JSON.encode(body).encode()


def prepare_headers(call: HttpCall, hmac_secret: str | None, execution_id: str | None) -> dict[str, str]:
    # lower-cased name -> (name as given, value): a node's header replaces a same-named default regardless of case.
    merged = {"user-agent": ("User-Agent", USER_AGENT), "accept-encoding": ("Accept-Encoding", "identity")}
    if execution_id:
        merged["x-chime-execution-id"] = ("X-Chime-Execution-Id", execution_id)
    for k, v in call.headers.items():
        value = str(v)
        if "\r" in value or "\n" in value or "\r" in k or "\n" in k:
            raise NodeError(f"header {k!r} contains a line break")
        lower = k.lower()
        merged.pop(lower, None)   # re-inserted last, in the node's order
        merged[lower] = (k, value)
    if hmac_secret is not None:
        merged.pop(SIGNATURE_HEADER.lower(), None)
        merged[SIGNATURE_HEADER.lower()] = (SIGNATURE_HEADER, sign(call.content, hmac_secret))
    return dict(merged.values())




class Outbound:
    """Sends HttpCalls with every safety rule above; errors surface as NodeError with a specific code."""

    def __init__(self, session: Callable[[], aiohttp.ClientSession], allowed_hosts: Iterable[str], *,
                 guarded: bool, max_response_bytes: int, max_redirects: int, backoff_seconds: float,
                 enforce_ssrf: bool = True, observe: Callable[[int | None], None] | None = None) -> None:
        self._session = session    # returns the (lazily created) session
        self._observe = observe    # told each attempt's status (None: no answer), e.g. for metrics
        self._allowed = normalize_hosts(allowed_hosts)
        self._enforce = enforce_ssrf   # False only for the operator-configured router
        self._guarded = guarded        # the session checks at connect time (GuardedConnector)
        self._max_bytes = max_response_bytes
        self._max_redirects = max_redirects
        self._backoff = backoff_seconds
        self._timeouts = _AttemptTimeouts()

    def precheck(self, url: str) -> URL:
        return precheck_url(url, self._allowed, self._enforce)

    async def send(self, call: HttpCall, *, hmac_secret: str | None = None,
                   execution_id: str | None = None) -> HttpResult:
        method = call.method.upper()
        retryable = method in IDEMPOTENT or call.retry_non_idempotent
        attempt = 0
        while True:
            attempt += 1
            can_retry = retryable and attempt <= call.retries
            try:
                result = await self._send_following(call, method, hmac_secret, execution_id)
            except _Retryable as exc:
                if not can_retry:
                    raise exc.error from None
            else:
                if result.status < 500 or not can_retry:
                    result.attempts = attempt
                    return result
            await asyncio.sleep(min(self._backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))

    async def _send_following(self, call: HttpCall, method: str, hmac_secret: str | None,
                              execution_id: str | None) -> HttpResult:
        url = precheck_url(call.url, self._allowed, self._enforce)
        content = call.content
        headers = prepare_headers(call, hmac_secret, execution_id)
        for hop in range(self._max_redirects + 1):
            result = await self._send_once(method, url, headers, content, call.timeout)
            location = result.headers.get("location")
            if not call.follow_redirects or result.status not in REDIRECT_STATUSES or not location:
                return result
            try:
                target = url.join(URL(location))
            except (TypeError, ValueError):
                raise NodeError(f"invalid redirect location {location[:200]!r} from {redact_url(str(url))}",
                                "redirect_refused") from None
            if target.scheme not in ("http", "https") or not target.raw_host \
                    or normalize_host(target.raw_host) != normalize_host(url.raw_host or "") \
                    or (url.scheme == "https" and target.scheme == "http"):
                raise NodeError(f"refusing redirect from {redact_url(str(url))} to another host or scheme: "
                                f"{redact_url(str(target))}", "redirect_refused")
            if hop == self._max_redirects:
                break
            if result.status == 303 or (result.status in (301, 302) and method == "POST"):
                method, content = "GET", b""   # what browsers do; 307/308 keep method and body
                headers = prepare_headers(HttpCall(method, str(target), call.headers, content), hmac_secret,
                                          execution_id)
            url = precheck_url(str(target), self._allowed, self._enforce)
        raise NodeError(f"more than {self._max_redirects} redirects from {redact_url(call.url)}", "too_many_redirects")

    async def _send_once(self, method: str, url: URL, headers: dict[str, str], content: bytes,
                         timeout: float) -> HttpResult:
        status: int | None = None  # what the observer is told: the answer's status, or None for no answer
        try:
            # One deadline for the whole attempt: pool wait, DNS, connect, TLS, request and the whole body.
            async with self._timeouts.attempt(timeout):
                if self._enforce and not self._guarded:
                    await resolve_checked(url.raw_host or "", url.port or 0, self._allowed)
                response = await self._session().request(method, url, headers=headers, data=content or None,
                                                         allow_redirects=False)
                status = response.status
                try:
                    raw = await self._read_capped(response, method, url)
                except BaseException:
                    response.close()   # never return a half-read connection to the pool
                    raise
                response.release()
        except TimeoutError:
            raise _Retryable(NodeError(f"{method} {redact_url(str(url))} timed out after {timeout:g}s",
                                       "node_timeout")) from None
        except NodeError:
            raise
        except (aiohttp.ClientError, OSError) as exc:   # ClientError includes InvalidURL: check it first
            if isinstance(exc, aiohttp.InvalidURL):
                raise NodeError(f"{method} {redact_url(str(url))}: invalid request: {exc}") from None
            raise _Retryable(NodeError(f"{method} {redact_url(str(url))}: connection error: "
                                       f"{type(exc).__name__}: {exc}")) from None
        except ValueError as exc:   # aiohttp refuses to build the request (bad method or header)
            raise NodeError(f"{method} {redact_url(str(url))}: invalid request: {exc}") from None
        finally:
            if self._observe is not None:
                try:
                    self._observe(status)
                except Exception:  # noqa: BLE001 - a metrics problem must never fail a request
                    pass
        resp_headers = _merged_headers(response)
        return HttpResult(response.status, resp_headers, decode_body(raw, resp_headers.get("content-type", "")),
                          str(url), 1)

    async def _read_capped(self, response: aiohttp.ClientResponse, method: str, url: URL) -> bytes:
        declared = response.content_length
        if declared is not None and declared > self._max_bytes:
            raise NodeError(f"{method} {redact_url(str(url))}: response of {declared} bytes exceeds the "
                            f"{self._max_bytes}-byte limit", "response_too_large")
        content = response.content
        first = await content.readany()
        if content.at_eof() and len(first) <= self._max_bytes:
            return first   # the whole body came in one chunk (the common case for webhook replies)
        buf = bytearray(first)
        while len(buf) <= self._max_bytes:
            chunk = await content.readany()
            if not chunk:
                return bytes(buf)
            buf += chunk
        raise NodeError(f"{method} {redact_url(str(url))}: response exceeds the {self._max_bytes}-byte limit",
                        "response_too_large")


class _AttemptTimeouts:
    """Per-attempt timeouts that share one loop timer per distinct duration.

    Attempts with the same duration expire in the order they started, so an insertion-ordered dict per duration
    and one timer for its oldest entry replace a timer (and heap operations) per attempt. `attempt(seconds)` is
    used like asyncio.timeout(seconds), with the same rules: the expiry cancels the task, and on exit that
    cancellation becomes TimeoutError unless someone else also cancelled the task."""

    def __init__(self) -> None:
        self._queues: dict[float, dict[_Attempt, float]] = {}
        self._armed: set[float] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def attempt(self, seconds: float) -> _Attempt:
        return _Attempt(self, seconds)

    def _add(self, attempt: _Attempt, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:   # first use, or used from another loop: timers on the old one never fire
            self._loop, self._queues, self._armed = loop, {}, set()
        queue = self._queues.get(seconds)
        if queue is None:
            queue = self._queues[seconds] = {}
        queue[attempt] = deadline = loop.time() + seconds
        if seconds not in self._armed:
            self._armed.add(seconds)
            loop.call_at(deadline, self._due, seconds)

    def _remove(self, attempt: _Attempt, seconds: float) -> None:
        queue = self._queues.get(seconds)
        if queue is not None:
            queue.pop(attempt, None)   # gone already if it expired

    def _due(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            return
        queue = self._queues.get(seconds, {})
        now = loop.time()
        while queue:
            attempt, deadline = next(iter(queue.items()))
            if deadline > now:
                loop.call_at(deadline, self._due, seconds)
                return
            del queue[attempt]
            attempt.expire()
        self._armed.discard(seconds)
        self._queues.pop(seconds, None)


class _Attempt:
    __slots__ = ("_owner", "_seconds", "_task", "_cancelling", "expired")

    def __init__(self, owner: _AttemptTimeouts, seconds: float) -> None:
        self._owner = owner
        self._seconds = seconds
        self.expired = False

    async def __aenter__(self) -> _Attempt:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._cancelling = task.cancelling()
        self._owner._add(self, self._seconds)
        return self

    def expire(self) -> None:
        self.expired = True
        self._task.cancel()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._owner._remove(self, self._seconds)
        if self.expired and self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc


class _Retryable(Exception):
    def __init__(self, error: NodeError) -> None:
        super().__init__(error.message)
        self.error = error


def _merged_headers(response: aiohttp.ClientResponse) -> dict[str, str]:
    """Lower-cased response headers; a repeated header becomes one comma-separated value."""
    headers: dict[str, str] = {}
    for k, v in response.headers.items():
        k = k.lower()
        headers[k] = f"{headers[k]}, {v}" if k in headers else v
    return headers


def decode_body(raw: bytes, content_type: str) -> Any:
    """The body as text, or as parsed JSON when the Content-Type says JSON and it parses."""
    if not raw:
        return None
    ctype = content_type.lower()
    charset = "utf-8"
    if (i := ctype.find("charset=")) >= 0:
        charset = ctype[i + 8:].split(";", 1)[0].strip().strip("\"'") or "utf-8"
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:   # unknown charset name
        text = raw.decode("utf-8", errors="replace")
    if "json" in ctype:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # nested deeper than the parser goes: kept as text, not a crash
            return text
    return text
