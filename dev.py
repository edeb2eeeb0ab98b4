#!/usr/bin/env python3
"""Bootstrap and run Chime with nothing but Python 3.11+.

    python3 dev.py start     create .venv, install dependencies, write .env (random JWT secret), serve
    python3 dev.py test      same set-up, then ruff and the whole test suite on 3 pytest-xdist workers (extra args
                             go to pytest; CHIME_TEST_WORKERS=0 runs it in one process)
    python3 dev.py client    same set-up, then regenerate the typed client (clients/python) from the API;
                             `client --check` exits 1 if that would change anything (scripts/typed_client.py)

Both are idempotent: a second run reuses the environment and only reinstalls when requirements.txt or
requirements-dev.txt changes. Development installs requirements-dev.txt (runtime + embedded PostgreSQL +
test tools); the Docker image installs requirements.txt only.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".requirements.sha256"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")  # the dev file includes the runtime one (-r)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 -- dev.py runs on the system Python
        sys.exit("Chime needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = requirements_digest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("installing dependencies ...", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(ROOT / "requirements-dev.txt")], check=True)
        STAMP.write_text(wanted)


def requirements_digest() -> str:
    """One digest over both files, so a change to either reinstalls."""
    digest = hashlib.sha256()
    for name in REQUIREMENTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_env_file() -> None:
    env = ROOT / ".env"
    text = env.read_text() if env.exists() else ""
    if not any(line.startswith("JWT_SECRET=") and line.strip() != "JWT_SECRET=" for line in text.splitlines()):
        prefix = text if text.endswith("\n") or not text else text + "\n"
        env.write_text(prefix + f"JWT_SECRET={secrets.token_urlsafe(48)}\n")
        env.chmod(0o600)
        print("wrote a fresh JWT_SECRET to .env", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("start", "test", "client"):
        print(__doc__)
        return 2
    os.chdir(ROOT)
    ensure_venv()
    if argv[0] == "client":  # no .env needed: the document is built from the code alone
        return subprocess.run([str(PYTHON), str(ROOT / "scripts" / "typed_client.py"), *argv[1:]]).returncode
    ensure_env_file()
    if argv[0] == "start":
        os.execv(str(PYTHON), [str(PYTHON), "app.py", *argv[1:]])
    if not shutil.which(os.environ.get("CHIME_CHROMIUM", "chromium")):
        print("chromium not found: the hub's browser tests will be skipped (install it: apt-get update && "
              "apt-get install -y chromium)", flush=True)
    lint = subprocess.run([str(BIN / "ruff"), "check", "."])
    if lint.returncode:
        return lint.returncode
    return subprocess.run([str(PYTHON), "-m", "pytest", *parallel(argv[1:]), *argv[1:]]).returncode


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist options: most tests wait (real timers, process start-up, a browser), so three workers on two
    cores take the suite from ~10 to ~4.5 minutes. CHIME_TEST_WORKERS=0 (or an explicit -n / -p no:xdist) wins."""
    workers = os.environ.get("CHIME_TEST_WORKERS", "3")
    if workers == "0" or any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses="))
                             for a in args):
        return []
    # worksteal: an idle worker takes tests from a busy one, so a few long tests do not leave the others idle
    return ["-n", workers, "--dist", "worksteal"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
