"""GET /api/v1/node-types: generated from the declarations the validator uses, so schemas and validator agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import pytest

from services.engine import definition_problems
from services.engine.definition import PORTS
from tests.engine_helpers import chain, node

ROOT = Path(__file__).resolve().parent.parent


def validator(schema: dict) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def engine_definitions(tmp_path_factory) -> list[dict]:
    """Every definition the engine accepted while tests/test_engine_*.py ran (a pytest run of its own)."""
    out = tmp_path_factory.mktemp("defs") / "definitions.json"
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_engine_*.py"))
    env = {**os.environ, "CHIME_RECORD_DEFINITIONS": str(out)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                           "tests.definition_recorder", "-x", *files], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    definitions = json.loads(out.read_text())
    assert len(definitions) > 50, len(definitions)  # the engine tests build many
    return definitions


async def test_catalogue_lists_every_node_type(client, auth) -> None:
    resp = await client.get("/api/v1/node-types", headers=auth())
    assert resp.status_code == 200
    items = (await resp.get_json())["items"]
    assert {i["type"] for i in items} == set(PORTS)
    for item in items:
        assert set(item["ports"]) == PORTS[item["type"]], item["type"]
        # The example is valid for both: the published schema and the validator.
        assert validator(item["config_schema"]).is_valid(item["example"]), item["type"]
        example = [node("n", item["type"], **item["example"])]
        if item["type"].startswith("trigger_"):
            example = [node("t2", item["type"], **item["example"])]
        assert definition_problems(chain(*example)) == [], item["type"]


async def test_schemas_accept_every_engine_test_definition(client, auth, engine_definitions) -> None:
    items = (await (await client.get("/api/v1/node-types", headers=auth())).get_json())["items"]
    schemas = {i["type"]: validator(i["config_schema"]) for i in items}
    checked = 0
    for definition in engine_definitions:
        for n in definition.get("nodes") or []:
            config = n.get("config") or {}
            errors = [e.message for e in schemas[n["type"]].iter_errors(config)]
            assert not errors, (n, errors)
            checked += 1
    assert checked > 100, checked


@pytest.mark.parametrize("bad", [
    ("action_webhook", {}), ("action_webhook", {"url": "http://x", "method": "TELEPORT"}),
    ("action_webhook", {"url": "http://x", "retries": 11}), ("action_webhook", {"url": "http://x", "retries": True}),
    ("action_webhook", {"url": "http://x", "headers": {"a": {"b": 1}}}),
    ("action_webhook", {"url": "http://x", "expected_statuses": ["abc"]}),
    ("action_delay", {"seconds": -1}), ("action_delay", {"seconds": "soon"}),
    ("data_variable_set", {"name": "a.b", "value": 1}), ("data_variable_set", {"name": "${x}", "value": 1}),
    ("data_variable_set", {"name": "x"}), ("loop_foreach", {"items": 5}), ("data_transform", {}),
    ("data_transform", {"op": "explode"}), ("action_chat_message", {"entity_id": "e"}),
    ("action_module", {"module_name": ""}), ("flow_end", {"continue_on_error": "yes"}),
    ("flow_end", {"timeout_seconds": 0}), ("condition_if", {"operator": "approximately", "left": 1, "right": 2}),
])
async def test_schema_and_validator_refuse_the_same_configs(client, auth, bad) -> None:
    node_type, config = bad
    items = (await (await client.get("/api/v1/node-types", headers=auth())).get_json())["items"]
    schema = next(i["config_schema"] for i in items if i["type"] == node_type)
    assert not validator(schema).is_valid(config), bad
    problems = definition_problems(chain(node("n", node_type, **config)))
    assert problems and problems[0].code in ("missing_config", "invalid_config"), (bad, problems)


def test_plain_name_pattern() -> None:
    import re

    from services.engine.node_types import PLAIN_NAME

    ok, bad = ["item", "a$b", "$$", "price$", "x-y"], ["a.b", "${x}", "a${", "$${", "."]
    assert all(re.fullmatch(PLAIN_NAME, n) for n in ok)
    assert not any(re.fullmatch(PLAIN_NAME, n) for n in bad)
