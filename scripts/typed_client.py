"""Generates the typed Python client (clients/python/chime_client) from the app's OpenAPI document.

    python scripts/typed_client.py           regenerate clients/python (what `python dev.py client` runs)
    python scripts/typed_client.py --check   exit 1, listing the files that differ, if regenerating changes anything

The document is the one the app serves at /openapi.json, built in-process from the code (no server, no
database, no network); openapi-python-client turns it into the package with the fixed settings of
clients/python/config.yaml, and the pinned ruff formats the result, so the same code always gives the same
files. Any warning of the generator fails the run: a part of the document it cannot read would silently
be missing from the client (fix the document in services/openapi.py or the pydantic models, never the output).
"""

from __future__ import annotations

import contextlib
import filecmp
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLIENT_DIR = ROOT / "clients" / "python"
CONFIG = CLIENT_DIR / "config.yaml"
DOCUMENT_NAME = "openapi.json"  # the document the client was generated from, committed beside it for review
HAND_WRITTEN = frozenset({"config.yaml"})  # everything else in CLIENT_DIR is generated and replaced
# Left alone and never compared: caches, and what `pip install -e clients/python` or a build leaves behind.
IGNORED = frozenset({"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache", "build", "dist"})
# Settings for building the app: only what load_settings requires. Nothing connects: the document is built
# without serving, so the database URL is never used.
DOCUMENT_SETTINGS = {"JWT_SECRET": "typed-client-generation-" + "x" * 32,
                     "DATABASE_URL": "postgresql://unused@127.0.0.1:1/unused"}


class GenerationFailed(Exception):
    """The generator could not read part of the document, or a post-processing step failed."""


def openapi_document() -> dict[str, Any]:
    """The document /openapi.json serves, for the default configuration (ROLE=all, metrics on)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from app import create_app
    from config import load_settings

    app = create_app(load_settings(dict(DOCUMENT_SETTINGS)))
    return app.extensions["QUART_SCHEMA"].openapi_provider.schema()


def document_text(doc: dict[str, Any]) -> str:
    """Sorted keys, so the committed file (and the generator's input) only changes when the API does."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(dest: Path, doc: dict[str, Any] | None = None) -> None:
    """Writes the whole client project (package, metadata, the document) into `dest`, which must not exist."""
    from openapi_python_client import generate as run_generator
    from openapi_python_client.config import Config, ConfigFile, MetaType

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chime-openapi-") as work:
        source = Path(work) / DOCUMENT_NAME
        source.write_text(document_text(doc if doc is not None else openapi_document()), encoding="utf-8")
        config = Config.from_sources(ConfigFile.load_from_path(CONFIG), MetaType.SETUP, source, "utf-8",
                                     overwrite=False, output_path=dest)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating <dir>"
            errors = run_generator(config=config)
        if errors:
            raise GenerationFailed("openapi-python-client could not read all of the document:\n\n" + "\n\n".join(
                f"{e.level.name} {e.header}: {e.detail}" for e in errors))
        shutil.copyfile(source, dest / DOCUMENT_NAME)
    # The pinned ruff (requirements-dev.txt) instead of the generator's post hooks, which run whatever `ruff`
    # is first on PATH; it reads the generated pyproject.toml's [tool.ruff] in `dest`.
    for args in (["check", "--fix-only", "--no-cache", "--quiet", "."], ["format", "--no-cache", "--quiet", "."]):
        done = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=dest, capture_output=True, text=True)
        if done.returncode:
            raise GenerationFailed(f"ruff {args[0]} failed on the generated client:\n{done.stdout}{done.stderr}")


def _ignored(rel: Path) -> bool:
    return any(part in IGNORED or part.endswith(".egg-info") for part in rel.parts)


def generated_files(root: Path) -> set[str]:
    """Paths (relative, POSIX) of the generated files under `root`, caches and hand-written files left out."""
    files = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not _ignored(rel) and rel.as_posix() not in HAND_WRITTEN:
            files.add(rel.as_posix())
    return files


def differences(expected: Path, actual: Path) -> list[str]:
    """What `actual` would need to change to equal `expected`: '+ new', '- stale', '~ changed' paths."""
    want, have = generated_files(expected), generated_files(actual)
    changed = [p for p in sorted(want & have) if not filecmp.cmp(expected / p, actual / p, shallow=False)]
    return ([f"+ {p}" for p in sorted(want - have)] + [f"- {p}" for p in sorted(have - want)]
            + [f"~ {p}" for p in changed])


def write(target: Path = CLIENT_DIR) -> list[str]:
    """Regenerates `target` in place: generated files replaced, stale ones removed, config.yaml kept."""
    with tempfile.TemporaryDirectory(prefix="chime-client-") as tmp:
        fresh = Path(tmp) / "python"
        generate(fresh)
        changes = differences(fresh, target)
        target.mkdir(parents=True, exist_ok=True)
        for stale in sorted(generated_files(target) - generated_files(fresh)):
            (target / stale).unlink()
        for rel in sorted(generated_files(fresh)):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh / rel, target / rel)
        _remove_empty_directories(target)
    return changes


def _remove_empty_directories(root: Path) -> None:
    """Directories left with no generated file by removed ones (an API tag that is gone), caches and all."""
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        rel = directory.relative_to(root)
        if directory.exists() and not _ignored(rel) and not any(
                not _ignored(child.relative_to(root)) for child in directory.iterdir()):
            shutil.rmtree(directory)


def check(target: Path = CLIENT_DIR) -> list[str]:
    """The differences between a fresh generation and `target` (empty: up to date)."""
    with tempfile.TemporaryDirectory(prefix="chime-client-") as tmp:
        fresh = Path(tmp) / "python"
        generate(fresh)
        return differences(fresh, target)


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print(__doc__)
        return 2
    try:
        if argv == ["--check"]:
            drift = check()
            if drift:
                print("clients/python is out of date with the API; run `python dev.py client` and commit:")
                print("\n".join(f"  {line}" for line in drift))
                return 1
            print("clients/python is up to date")
            return 0
        changes = write()
    except GenerationFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    print("\n".join(changes) if changes else "clients/python was already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
