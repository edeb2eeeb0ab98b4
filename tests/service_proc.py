"""Runs the real service (`python app.py serve`) as a child process for failure tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, TEST_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    def __init__(self, database_url: str, log_dir: Path, name: str, **env: str) -> None:
        self.port = free_port()
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DATABASE_URL": database_url, "JWT_SECRET": TEST_SECRET, "PORT": str(self.port), "HOST": "127.0.0.1",
            "INSTANCE_ID": name, "LOG_LEVEL": "INFO", "ALLOWED_HOSTS": "127.0.0.1,localhost", **env,
        }
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        log = open(self.log_path, "w")  # noqa: SIM115 -- closed with the process
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve"], env=self.env, cwd=ROOT,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        """Kills the whole process group: hypercorn workers too, even if the parent is already gone."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()
