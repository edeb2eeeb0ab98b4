"""Outbound HTTP for workflow nodes: SSRF guard, HMAC signing, timeouts, size caps, redirects, retries.

SSRF guard. Only http/https. A host is refused when any address it resolves to is loopback, link-local,
private, unspecified, multicast, reserved or otherwise not globally routable (IPv4-mapped / 6to4 / Teredo
embeddings are unwrapped), unless the host as written in the URL is in `allowed_hosts`.
The check runs inside the connection itself (`_GuardedBackend.connect_tcp`): the backend resolves the name,
checks every address and then connects to one of those checked addresses, so there is no window for DNS
rebinding, and TLS still uses the original host name for SNI and certificate checks. Literal IPs and schemes are
also checked before a request is built, for clear errors. A caller-supplied httpx client does not have that
backend, so for it we resolve and check up front instead (a time-of-check/time-of-use gap: prefer
`make_http_client`). Proxies from the environment are ignored (trust_env=False): they would bypass the check.

Redirects: only to the same host (http->https allowed), at most `max_redirects` hops; a redirect to another host
fails the node with `redirect_refused` so a public endpoint cannot bounce us to an internal one.
Retries: only on timeouts, connection errors and 5xx, and only for idempotent methods unless the node opts in.
Size: bodies are streamed and the node fails once more than `max_response_bytes` arrive (`response_too_large`).
We ask for `Accept-Encoding: identity`, so the cap also bounds memory (a compressed reply is still decoded
chunk by chunk, a residual risk we accept).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpcore
import httpx

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


class SSRFRefused(NodeError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "ssrf_refused")


# ------------------------------------------------------------------------------------------------ address policy


def normalize_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


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


async def resolve_checked(host: str, port: int, allowed: frozenset[str]) -> list[str]:
    """Resolve `host` and return its addresses, refusing if any of them is internal (and host not allowed)."""
    norm = normalize_host(host)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(norm, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise NodeError(f"cannot resolve host '{host}': {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if norm in allowed:
        return addresses
    for address in addresses:
        ip = _ip(address)
        reason = "unparseable address" if ip is None else blocked_reason(ip)
        if reason:
            raise SSRFRefused(f"refusing to contact '{host}': it resolves to {address} ({reason})")
    if not addresses:
        raise NodeError(f"host '{host}' has no addresses")
    return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and checks at connect time, then connects to a checked address (no DNS-rebinding window)."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self._allowed = allowed
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            addresses = await resolve_checked(host, port, self._allowed)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise SSRFRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, allowed_hosts: Iterable[str], limits: httpx.Limits) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx has no public hook for the network backend, so the pool it built is swapped for one using ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(normalize_hosts(allowed_hosts)),
        )


def make_http_client(allowed_hosts: Iterable[str] = (), *, max_connections: int = 100) -> httpx.AsyncClient:
    """An httpx client whose every connection passes the SSRF guard (use this rather than a plain client)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2)
    client = httpx.AsyncClient(transport=GuardedTransport(allowed_hosts, limits), follow_redirects=False,
                               trust_env=False)
    client._chime_guarded = True  # type: ignore[attr-defined]   # marks clients that check at connect time
    return client


def is_guarded(client: httpx.AsyncClient) -> bool:
    return bool(getattr(client, "_chime_guarded", False))


def precheck_url(url: str, allowed: frozenset[str], enforce: bool = True) -> httpx.URL:
    """Scheme and literal-IP checks that need no network (hostnames are checked when connecting)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise NodeError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise SSRFRefused(f"refusing URL scheme '{parsed.scheme or '(none)'}' (only http and https)")
    if not parsed.host:
        raise NodeError(f"URL {url!r} has no host")
    host = normalize_host(parsed.host)
    if host in allowed or not enforce:
        return parsed
    ip = _ip(host)
    if ip is not None and (reason := blocked_reason(ip)):
        raise SSRFRefused(f"refusing to contact {host} ({reason})")
    return parsed


# ----------------------------------------------------------------------------------------------- signing, redaction


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_secret_name(name: str) -> bool:
    lower = name.lower()
    return lower in _SECRET_NAMES or any(part in lower for part in _SECRET_PARTS)


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (REDACTED if is_secret_name(k) else v) for k, v in headers.items()}


def redact_json(value: Any, depth: int = 0) -> Any:
    """Copy of a JSON-like value with secret-looking keys ("password", "api_key", ...) masked, for records."""
    if depth > 32:
        return value
    if isinstance(value, Mapping):
        return {k: (REDACTED if isinstance(k, str) and is_secret_name(k) and not isinstance(v, Mapping | list)
                    else redact_json(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, depth + 1) for v in value]
    return value


def redact_url(url: str) -> str:
    """Hide userinfo and secret-looking query parameters (?api_key=..., ?token=...)."""
    try:
        parsed = httpx.URL(url)
    except Exception:  # noqa: BLE001 - recording must never fail on a malformed URL
        return url
    if parsed.userinfo:
        parsed = parsed.copy_with(username=REDACTED, password=None)
    if parsed.query:
        pairs = parse_qsl(parsed.query.decode("ascii", "replace"), keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="*")
            parsed = parsed.copy_with(query=query.encode())
    return str(parsed)


# ------------------------------------------------------------------------------------------------------ requests


@dataclass
class HttpCall:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    timeout: float = 30.0
    retries: int = 0
    retry_non_idempotent: bool = False
    follow_redirects: bool = True


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any
    url: str
    attempts: int


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
    return json.dumps(body, default=str, separators=(",", ":")).encode()


def prepare_headers(call: HttpCall, hmac_secret: str | None, execution_id: str | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if execution_id:
        headers["X-Chime-Execution-Id"] = execution_id
    for k, v in call.headers.items():
        value = str(v)
        if "\r" in value or "\n" in value or "\r" in k or "\n" in k:
            raise NodeError(f"header {k!r} contains a line break")
        # Drop a same-named default regardless of case, then apply the node's header.
        for existing in [e for e in headers if e.lower() == k.lower()]:
            del headers[existing]
        headers[k] = value
    if hmac_secret is not None:
        for existing in [e for e in headers if e.lower() == SIGNATURE_HEADER.lower()]:
            del headers[existing]
        headers[SIGNATURE_HEADER] = sign(call.content, hmac_secret)
    return headers


class Outbound:
    """Sends HttpCalls with every safety rule above; errors surface as NodeError with a specific code."""

    def __init__(self, client: httpx.AsyncClient, allowed_hosts: Iterable[str], *, max_response_bytes: int,
                 max_redirects: int, backoff_seconds: float, enforce_ssrf: bool = True,
                 observe: Callable[[int | None], None] | None = None) -> None:
        self._client = client
        self._observe = observe  # told each attempt's status (None: no answer), e.g. for metrics
        self._allowed = normalize_hosts(allowed_hosts)
        self._enforce = enforce_ssrf   # False only for the operator-configured router
        self._guarded = is_guarded(client)
        self._max_bytes = max_response_bytes
        self._max_redirects = max_redirects
        self._backoff = backoff_seconds

    def precheck(self, url: str) -> httpx.URL:
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
        for hop in range(self._max_redirects + 1):
            hop_call = HttpCall(method, str(url), call.headers, content, call.timeout)
            headers = prepare_headers(hop_call, hmac_secret, execution_id)
            result = await self._send_once(method, url, headers, content, call.timeout)
            location = result.headers.get("location")
            if not call.follow_redirects or result.status not in REDIRECT_STATUSES or not location:
                return result
            target = url.join(location)
            if target.scheme not in ("http", "https") or normalize_host(target.host) != normalize_host(url.host) \
                    or (url.scheme == "https" and target.scheme == "http"):
                raise NodeError(f"refusing redirect from {redact_url(str(url))} to another host or scheme: "
                                f"{redact_url(str(target))}", "redirect_refused")
            if hop == self._max_redirects:
                break
            if result.status == 303 or (result.status in (301, 302) and method == "POST"):
                method, content = "GET", b""   # what browsers do; 307/308 keep method and body
            url = precheck_url(str(target), self._allowed, self._enforce)
        raise NodeError(f"more than {self._max_redirects} redirects from {redact_url(call.url)}", "too_many_redirects")

    async def _send_once(self, method: str, url: httpx.URL, headers: dict[str, str], content: bytes,
                         timeout: float) -> HttpResult:
        if self._enforce and not self._guarded:
            await resolve_checked(url.host, url.port or (443 if url.scheme == "https" else 80), self._allowed)
        shown = f"{method} {redact_url(str(url))}"
        status: int | None = None  # what the metrics hook is told: the answer's status, or None for no answer
        try:
            # httpx timeouts are per socket operation; asyncio.timeout bounds the whole attempt (slow drip bodies).
            async with asyncio.timeout(timeout):
                request = self._client.build_request(method, url, headers=headers, content=content or None,
                                                     timeout=timeout)
                response = await self._client.send(request, stream=True)
                status = response.status_code
                try:
                    raw = await self._read_capped(response, shown)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _Retryable(NodeError(f"{shown} timed out after {timeout:g}s", "node_timeout")) from None
        except httpx.TimeoutException:
            raise _Retryable(NodeError(f"{shown} timed out after {timeout:g}s", "node_timeout")) from None
        except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as exc:
            raise NodeError(f"{shown}: invalid request: {exc}") from None
        except httpx.TransportError as exc:
            raise _Retryable(NodeError(f"{shown}: connection error: {type(exc).__name__}: {exc}")) from None
        finally:
            self._observed(status)
        resp_headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpResult(response.status_code, resp_headers, decode_body(raw, response), str(url), 1)

    def _observed(self, status: int | None) -> None:
        if self._observe is not None:
            try:
                self._observe(status)
            except Exception:  # noqa: BLE001 - a metrics problem must never fail a request
                pass

    async def _read_capped(self, response: httpx.Response, shown: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise NodeError(f"{shown}: response of {declared} bytes exceeds the {self._max_bytes}-byte limit",
                            "response_too_large")
        buf = bytearray()
        async for chunk in response.aiter_bytes():
            buf += chunk
            if len(buf) > self._max_bytes:
                raise NodeError(f"{shown}: response exceeds the {self._max_bytes}-byte limit", "response_too_large")
        return bytes(buf)


class _Retryable(Exception):
    def __init__(self, error: NodeError) -> None:
        super().__init__(error.message)
        self.error = error


def decode_body(raw: bytes, response: httpx.Response) -> Any:
    if not raw:
        return None
    ctype = response.headers.get("content-type", "").lower()
    text = raw.decode(response.charset_encoding or "utf-8", errors="replace")
    if "json" in ctype:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
