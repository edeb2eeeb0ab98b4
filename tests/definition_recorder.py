"""A pytest plugin for tests/test_node_types.py: records every workflow definition the engine accepted while
the engine tests ran (`-p tests.definition_recorder`, output file in CHIME_RECORD_DEFINITIONS)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

recorded: list[Any] = []


def pytest_configure(config: pytest.Config) -> None:
    from services.engine import definition

    analyse = definition._analyse

    def recording(raw: Any) -> Any:
        workflow, problems = analyse(raw)
        if not problems:
            try:
                recorded.append(json.loads(json.dumps(raw)))
            except (TypeError, ValueError):
                pass  # not JSON (a test of non-JSON input): not a definition a client can send
        return workflow, problems

    definition._analyse = recording


def pytest_unconfigure(config: pytest.Config) -> None:
    with open(os.environ["CHIME_RECORD_DEFINITIONS"], "w") as out:
        json.dump(recorded, out)
