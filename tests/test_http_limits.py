"""Body limits against a real hypercorn server, seen by keep-alive clients at the socket level.

A 413 leaves the rest of the body unread, so the response must say `Connection: close`; otherwise a
keep-alive client sends its next request on a connection the server drops (or reads as garbage).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from services.auth import mint_token
from tests.conftest import DEFAULT_SCOPE, make_settings
from tests.service_proc import ServiceProcess

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
async def live(make_database: Callable, spawn_module) -> ServiceProcess:
    from tests.conftest import reset_database

    dsn = await make_database()
    await reset_database(dsn)
    return await spawn_module.serve("limits", dsn, MAX_BODY_BYTES=str(LIMIT), LOG_LEVEL="WARNING")


@pytest.fixture(scope="module")
def bearer(live: ServiceProcess) -> str:
    settings = make_settings("postgresql://unused@127.0.0.1/unused")
    return "Bearer " + mint_token(settings, community_id=7, scope=DEFAULT_SCOPE)


def oversize_json(size: int) -> bytes:
    return b'{"name": "' + b"x" * size + b'"}'


def follow_up_works(conn: http.client.HTTPConnection, bearer: str) -> None:
    """The same client object, as a keep-alive client uses it: the next request must just work."""
    conn.request("GET", "/api/v1/workflows?limit=1", headers={"Authorization": bearer})
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, body
    assert "items" in json.loads(body)


def assert_413_closes(resp: http.client.HTTPResponse) -> None:
    body = json.loads(resp.read())
    assert resp.status == 413, body
    assert body["code"] == "body_too_large" and body["request_id"]
    assert resp.getheader("Connection", "").lower() == "close"


def test_oversize_content_length_gets_413_and_connection_close(live: ServiceProcess, bearer: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        conn.request("POST", "/api/v1/workflows", body=b'{"name": "fits"}',
                     headers={"Authorization": bearer, "Content-Type": "application/json"})
        ok = conn.getresponse()
        ok.read()
        assert ok.status == 201 and ok.getheader("Connection") is None  # a body read in full: kept alive
        follow_up_works(conn, bearer)  # the connection is kept alive before the 413 ...
        conn.request("POST", "/api/v1/workflows", body=oversize_json(LIMIT * 4),
                     headers={"Authorization": bearer, "Content-Type": "application/json"})
        assert_413_closes(conn.getresponse())
        follow_up_works(conn, bearer)  # ... and the client's next request succeeds after it
    finally:
        conn.close()


def test_oversize_chunked_body_gets_413_and_connection_close(live: ServiceProcess, bearer: str) -> None:
    """No Content-Length: the limit is enforced while the body streams in."""

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(LIMIT * 4 // 8192):
            yield b"x" * 8192
        yield b'"}'

    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        try:
            conn.request("POST", "/api/v1/workflows", body=chunks(), encode_chunked=True,
                         headers={"Authorization": bearer, "Content-Type": "application/json"})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the client sent it all; the answer is still readable
        assert_413_closes(conn.getresponse())
        follow_up_works(conn, bearer)
    finally:
        conn.close()


def raw_exchange(port: int, request: bytes) -> tuple[bytes, bool]:
    """Sends bytes on one socket; returns what came back and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may already have answered and closed; the answer is still readable
        data, deadline = b"", time.monotonic() + 10
        sock.settimeout(2)
        while time.monotonic() < deadline:
            try:
                part = sock.recv(65536)
            except TimeoutError:
                return data, False
            except ConnectionResetError:
                return data, True
            if not part:
                return data, True
            data += part
        return data, False


def test_raw_keep_alive_pipelined_request_after_413_is_not_misread(live: ServiceProcess, bearer: str) -> None:
    """A pipelining client: the unread body must never be parsed as the next request."""
    body = oversize_json(LIMIT * 2)
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    request = (b"POST /api/v1/workflows HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
               b"Authorization: " + bearer.encode() + b"\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body) + len(smuggled)).encode() + b"\r\n\r\n" + body + smuggled)
    data, closed = raw_exchange(live.port, request)
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 413"), data[:300]
    assert b"\r\nconnection: close" in head
    assert data.count(b"HTTP/1.1 ") == 1, data  # nothing inside the refused body was answered
    assert closed


def test_unauthenticated_post_with_a_body_does_not_poison_the_connection(live: ServiceProcess, bearer: str) -> None:
    """A 401 answered before the body was read: the connection must still be usable (or closed cleanly)."""
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        conn.request("POST", "/api/v1/workflows", body=json.dumps({"name": "y" * (LIMIT - 100)}).encode(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 401, resp.read()
        resp.read()
        follow_up_works(conn, bearer)
    finally:
        conn.close()
