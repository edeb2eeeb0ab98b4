"""A minimal asyncio HTTP receiver for the delivery benchmark, in its own process.

    python bench/receiver.py PORT

POST <any path> with a JSON body {"s": scheduled_for ISO, "e": execution_id, "k": schedule_id} is answered
`204` at once and recorded (arrival wall time, lateness = arrival - scheduled_for). GET /stats returns the counts,
duplicates and lateness percentiles of the deliveries whose scheduled_for lies in [?from, ?to) (epoch seconds);
GET /reset forgets everything. Keep-alive HTTP/1.1 with Content-Length bodies only: just what the clients send.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

RECORDS: list[tuple[float, float, str, str]] = []  # (arrival, scheduled_for, execution_id, schedule_id)
NO_CONTENT = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]


def stats(lo: float, hi: float) -> dict:
    chosen = [r for r in RECORDS if lo <= r[1] < hi]
    late = [(a - s) * 1000 for a, s, _, _ in chosen]
    per_execution = Counter(e for _, _, e, _ in chosen)
    per_fire = Counter((k, s) for _, s, _, k in chosen)
    arrivals = [a for a, *_ in chosen]
    span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else 0.0
    return {"deliveries": len(chosen), "distinct_fires": len(per_fire),
            "duplicate_executions": sum(n - 1 for n in per_execution.values() if n > 1),
            "duplicate_fires": sum(n - 1 for n in per_fire.values() if n > 1),
            "per_s": len(chosen) / span if span else None,
            "late_ms": {"p50": _pct(late, 50), "p95": _pct(late, 95), "p99": _pct(late, 99),
                        "max": max(late) if late else None},
            "total_seen": len(RECORDS)}


class Receiver(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < head_end + 4 + length:
                return
            body = self.buf[head_end + 4:head_end + 4 + length]
            self.buf = self.buf[head_end + 4 + length:]
            self.handle(head.split(" ", 2), body)

    def handle(self, request_line: list[str], body: bytes) -> None:
        method, target = request_line[0], request_line[1]
        if method == "POST":
            now = time.time()
            try:
                d = json.loads(body)
                RECORDS.append((now, datetime.fromisoformat(d["s"]).timestamp(), d["e"], d["k"]))
            except (ValueError, KeyError):
                pass
            self.transport.write(NO_CONTENT)
            return
        url = urlsplit(target)
        if url.path == "/reset":
            RECORDS.clear()
            out = b"{}"
        else:
            q = parse_qs(url.query)
            out = json.dumps(stats(float(q.get("from", ["0"])[0]), float(q.get("to", ["1e12"])[0]))).encode()
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % len(out) + out)


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main(int(sys.argv[1])))
    except ImportError:
        asyncio.run(main(int(sys.argv[1])))
