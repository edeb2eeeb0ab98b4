"""Real `python app.py` child processes for tests, owned by the `spawn` fixture (tests/conftest.py).

Ownership rules:
- Every process is registered before it is started and runs in its own process group (hypercorn's workers
  join it), so one `killpg` ends all of it.
- The fixture kills every group it started when its test ends: pass, fail, failed start-up, timeout or Ctrl-C
  (pytest tears fixtures down on KeyboardInterrupt too; the fixture is synchronous, so a broken event loop
  cannot stop the teardown). The teardown also checks that nothing of the group is left.
- Safety nets: an atexit hook kills whatever is still registered, and `kill_everything` (called at the end
  of the session by conftest) kills and reports any app.py process of this pytest still alive, failing the run.
- On Linux each child also asks the kernel for SIGKILL when the pytest thread that started it dies
  (PR_SET_PDEATHSIG), which covers a pytest that is itself SIGKILLed. Processes are therefore launched from the
  main (event-loop) thread, never from a worker thread that could exit first. That signal does not reach
  hypercorn's worker processes (WORKERS=2), so every process also carries OWNER_ENV in its environment and the
  next session of this checkout kills what a dead pytest left behind (`kill_orphans_of_dead_runs`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.conftest import ROOT, TEST_SECRET
from tests.helpers import wait_for

_LIVE: set[ServiceProcess] = set()  # launched and not yet killed and reaped
_GROUPS: set[int] = set()  # every process group ever launched by this pytest
OWNER_ENV = "CHIME_TEST_OWNER"  # "<checkout root>:<pytest pid>", inherited by hypercorn's workers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdeathsig_hook():
    """A preexec_fn asking for SIGKILL when the parent thread dies; resolved here, so the child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigkill = 1, int(signal.SIGKILL)

    def hook() -> None:
        prctl(pr_set_pdeathsig, sigkill)

    return hook


_DIE_WITH_PARENT = _pdeathsig_hook()


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes of a process group."""
    members = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                members.append(p)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


class ServiceProcess:
    """One `python app.py <argv>` child in its own process group, logging to `<log_dir>/<name>.log`."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log_dir: Path,
                 cwd: Path = ROOT, port: int | None = None) -> None:
        self.name = name
        self.argv = [sys.executable, str(ROOT / "app.py"), *argv]
        self.env = env
        self.cwd = cwd
        self.port = port
        self.log_path = log_dir / f"{name}.log"
        self.err_path = log_dir / f"{name}.err"
        self.proc: subprocess.Popen | None = None
        self._files: list = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was never launched"
        return self.proc.pid

    def launch(self, separate_stderr: bool = False) -> ServiceProcess:
        _LIVE.add(self)  # registered first: whatever happens next, kill() and the safety nets know about it
        self.env = {**self.env, OWNER_ENV: f"{ROOT}:{os.getpid()}"}
        out = open(self.log_path, "wb")  # noqa: SIM115 -- closed by kill()
        self._files.append(out)
        err = subprocess.STDOUT
        if separate_stderr:
            err = open(self.err_path, "wb")  # noqa: SIM115 -- closed by kill()
            self._files.append(err)
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=err, process_group=0, preexec_fn=_DIE_WITH_PARENT)
        _GROUPS.add(self.proc.pid)
        return self

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def send_signal(self, sig: int) -> None:
        """To the main process only (SIGTERM drain, SIGKILL of one instance); kill() ends the whole group."""
        self.proc.send_signal(sig)

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL to the whole process group, reap the child, and check nothing of the group is left."""
        try:
            if self.proc is None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout)
            deadline = time.monotonic() + timeout
            while left := group_members(self.proc.pid):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name}: processes of its group survived SIGKILL: {left}")
                time.sleep(0.05)
        finally:
            for f in self._files:
                f.close()
            self._files.clear()
            _LIVE.discard(self)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_text()[-chars:]


class StartupFailed(AssertionError):
    """A service process exited or never became ready."""


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


class ServiceProcesses:
    """What the `spawn` fixture yields: starts processes for one test and kills all of them in `close()`."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[ServiceProcess] = []

    def _new(self, name: str, argv: Sequence[str], env: dict[str, str], **kw) -> ServiceProcess:
        if any(p.name == name for p in self.procs):
            raise ValueError(f"a process named {name!r} was already started in this test")
        proc = ServiceProcess(name, argv, env, self.log_dir, **kw)
        self.procs.append(proc)
        return proc

    async def serve(self, name: str, database_url: str, *, ready_timeout: float = 30.0,
                    **env: str) -> ServiceProcess:
        """Starts `python app.py serve` as instance `name` and returns once /readyz answers 200.

        `env` adds or overrides settings (LEASE_SECONDS="5", INSTANCE_ID="" for hypercorn's per-worker ids, ...).
        A process that exits or is not ready in time fails the test with its log; it is killed at teardown.
        """
        port = free_port()
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DATABASE_URL": database_url, "JWT_SECRET": TEST_SECRET, "PORT": str(port), "HOST": "127.0.0.1",
            "INSTANCE_ID": name, "LOG_LEVEL": "INFO", "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "RATE_LIMIT_PER_SECOND": "0",  # benchmarks and fuzzing send more; tests/test_clients.py tests the limit
            **env,
        }
        svc = self._new(name, ["serve"], full_env, port=port).launch()

        async with httpx.AsyncClient(timeout=1) as client:
            async def ready() -> bool:
                if svc.poll() is not None:
                    raise StartupFailed(f"{name} exited with {svc.poll()} while starting:\n{svc.log_tail()}")
                try:
                    return (await client.get(f"{svc.url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            try:
                await wait_for(ready, timeout=ready_timeout)
            except StartupFailed:
                raise
            except AssertionError:
                raise StartupFailed(f"{name} not ready within {ready_timeout} s:\n{svc.log_tail()}") from None
        return svc

    def run_cli(self, name: str, argv: Sequence[str], env: dict[str, str], *, cwd: Path = ROOT,
                timeout: float = 60.0) -> CliResult:
        """Runs `python app.py <argv>` to completion (its group is killed if it outlives `timeout`)."""
        proc = self._new(name, argv, env, cwd=cwd).launch(separate_stderr=True)
        try:
            code = proc.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            message = f"app.py {' '.join(argv)} still running after {timeout} s:\n{proc.log_tail()}"
            raise AssertionError(message) from None
        proc.kill()  # reaps the group and closes the files (the main process has exited already)
        return CliResult(code, proc.log_text(), proc.err_path.read_text(errors="replace"))

    def close(self) -> None:
        """Kills every process this test started (whole groups); raises if any of them survived."""
        errors = []
        for proc in reversed(self.procs):
            try:
                proc.kill()
            except Exception as exc:  # keep killing the others
                errors.append(f"{proc.name}: {exc}")
        if errors:
            raise AssertionError("could not kill service processes: " + "; ".join(errors))


def _app_processes() -> list[psutil.Process]:
    """app.py processes that are descendants of this pytest, or members of a group it launched."""
    found: dict[int, psutil.Process] = {}
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any(part.endswith("app.py") for part in child.cmdline()):
                    found[child.pid] = child
    for pgid in _GROUPS:
        for p in group_members(pgid):
            found[p.pid] = p
    alive = []
    for p in found.values():
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


def kill_everything() -> list[str]:
    """Kills every registered process and every app.py process left by this pytest; describes what it found.

    Called at the end of the session (conftest.pytest_sessionfinish, which fails the run if anything was found)
    and at exit."""
    found = []
    for proc in list(_LIVE):
        if proc.proc is not None and proc.poll() is None:
            found.append(f"{proc.name} (pid {proc.pid})")
        with contextlib.suppress(Exception):
            proc.kill(timeout=5)
    for p in _app_processes():
        with contextlib.suppress(psutil.Error):
            found.append(f"pid {p.pid}: {' '.join(p.cmdline())}")
            p.kill()
    return found


def _runs(pid: int, before: float) -> bool:
    """Whether `pid` is a live process started before `before` (so not a reuse of a dead pytest's pid)."""
    if pid == os.getpid():
        return True
    try:
        p = psutil.Process(pid)
        return p.status() != psutil.STATUS_ZOMBIE and p.create_time() <= before
    except psutil.Error:
        return False


def kill_orphans_of_dead_runs() -> list[str]:
    """Kills processes a previous pytest of this checkout started and could not end (it was SIGKILLed).

    Only processes whose OWNER_ENV names this checkout and a pytest pid that no longer runs are touched."""
    killed = []
    prefix = f"{ROOT}:"
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            owner = p.environ().get(OWNER_ENV, "")
            if not owner.startswith(prefix):
                continue
            if _runs(int(owner[len(prefix):]), before=p.create_time()):
                continue  # its pytest still runs
            killed.append(f"pid {p.pid}: {' '.join(p.cmdline())}")
            p.kill()
    return killed


atexit.register(kill_everything)
