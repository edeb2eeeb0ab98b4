"""Helpers for the engine tests: a real loopback HTTP server (in a thread) and definition builders."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import socket
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.engine import EngineLimits, WorkflowEngine

HMAC_SECRET = "s3cr3t-for-tests"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    peer: str = ""   # client address:port, one per TCP connection
    received_at: float = field(default_factory=time.time)  # wall clock, when the request arrived

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port> that records every request it receives."""

    requests: list[Seen] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                seen = Seen(self.command, url.path, {k.lower(): v for k, v in self.headers.items()}, body,
                            f"{self.client_address[0]}:{self.client_address[1]}")
                with server.lock:
                    server.requests.append(seen)
                try:
                    server.route(self, url.path, parse_qs(url.query), seen)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def seen(self, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: Any = None, headers: dict[str, str] | None = None,
              raw: bytes | None = None, length: bool = True) -> None:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if length:
            h.send_header("Content-Length", str(len(data)))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    def route(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, list[str]], seen: Seen) -> None:
        parts = path.strip("/").split("/")
        if path == "/echo":
            self._send(h, 200, {"method": seen.method, "headers": seen.headers,
                                "body": seen.body.decode(errors="replace")},
                       headers={"Set-Cookie": "sid=abc", "X-Plain": "yes"})
        elif parts[0] == "status":
            self._send(h, int(parts[1]), {"status": int(parts[1])})
        elif parts[0] == "flaky":   # /flaky/<key>/<failures>: 503 <failures> times, then 200
            key, failures = parts[1], int(parts[2])
            with self.lock:
                n = self.counters[key] = self.counters.get(key, 0) + 1
            self._send(h, 503 if n <= failures else 200, {"attempt": n})
        elif parts[0] == "drop":   # /drop/<key>/<times>: close the connection without answering <times> times
            key, times = parts[1], int(parts[2])
            with self.lock:
                n = self.counters[key] = self.counters.get(key, 0) + 1
            if n <= times:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
            else:
                self._send(h, 200, {"attempt": n})
        elif path == "/gzip":   # a gzip body of `bytes` zeros, sent although we ask for identity
            data = gzip.compress(b"0" * int(q["bytes"][0]))
            self._send(h, 200, raw=data, headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
        elif path == "/slow":
            time.sleep(float(q.get("seconds", ["1"])[0]))
            self._send(h, 200, {"slow": True})
        elif path == "/big":
            size = int(q["bytes"][0])
            self._send(h, 200, raw=b"x" * size, length=q.get("length", ["1"])[0] == "1")
        elif path == "/redirect":
            self._send(h, int(q.get("code", ["302"])[0]), None, headers={"Location": q["to"][0]})
        elif path == "/verify":
            expected = "sha256=" + hmac.new(HMAC_SECRET.encode(), seen.body, hashlib.sha256).hexdigest()
            got = seen.headers.get("x-chime-signature", "")
            ok = hmac.compare_digest(expected, got)
            self._send(h, 200 if ok else 401, {"valid": ok})
        elif path == "/api/v1/execute-module":
            self._send(h, 200, {"success": True, "result": {"echo": seen.json()}})
        elif path == "/api/v1/send-message":
            self._send(h, 200, {"sent": True, "message_id": "m-1"})
        elif path == "/deep":  # valid JSON nested deeper than Python's parser goes
            self._send(h, 200, raw=b"[" * 1_200 + b"]" * 1_200)
        elif path == "/unstorable":  # JSON escapes PostgreSQL cannot store: a NUL, a lone surrogate
            self._send(h, 200, raw=b'{"text": "a\\u0000b", "lone": "x\\ud800y", "k\\u0000": 1}')
        elif path == "/text":
            self._send(h, 200, raw=b"plain text", headers={"Content-Type": "text/plain"})
        else:
            self._send(h, 404, {"error": "not found"})


def limits(**overrides: Any) -> EngineLimits:
    base: dict[str, Any] = {"allowed_hosts": frozenset({"127.0.0.1"}), "http_retry_backoff_seconds": 0.01}
    base.update(overrides)
    return EngineLimits(**base)


@asynccontextmanager
async def engine(**overrides: Any):
    on_step = overrides.pop("on_step", None)
    eng = WorkflowEngine(limits(**overrides), on_step=on_step)
    try:
        yield eng
    finally:
        await eng.aclose()


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {"node_id": node_id, "type": node_type, "name": node_id.upper(), "config": config}


def conn(src: str, dst: str, port: str | None = None) -> dict[str, Any]:
    c = {"from_node_id": src, "to_node_id": dst}
    if port is not None:
        c["from_port"] = port
    return c


def chain(*nodes: dict[str, Any], extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """trigger -> nodes[0] -> nodes[1] -> ... plus any extra nodes/connections given separately."""
    all_nodes = [node("start", "trigger_manual"), *nodes]
    conns = [conn(a["node_id"], b["node_id"]) for a, b in zip(all_nodes, all_nodes[1:], strict=False)]
    return {"nodes": all_nodes, "connections": conns + (extra or [])}


def by_id(result: Any) -> dict[str, Any]:
    """Last step record per node id."""
    return {s.node_id: s for s in result.steps}
