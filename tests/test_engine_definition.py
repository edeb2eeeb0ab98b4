from __future__ import annotations

from typing import Any

import pytest

from services.engine import DefinitionError, RunRequest, definition_problems, validate_definition
from tests.engine_helpers import chain, conn, engine, node

pytestmark = pytest.mark.asyncio


def problem(definition: Any) -> DefinitionError:
    with pytest.raises(DefinitionError) as err:
        validate_definition(definition)
    return err.value


async def test_empty_definitions_are_valid_and_complete_at_once() -> None:
    validate_definition({})
    validate_definition({"nodes": [], "connections": []})
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", {}))
    assert (r.status, r.steps, r.error) == ("completed", [], None)


async def test_valid_full_definition() -> None:
    d = {
        "nodes": [
            node("t", "trigger_schedule"), node("t2", "trigger_manual"),
            node("w", "action_webhook", url="https://example.com/${context.path}", method="post",
                 headers={"A": "b"}, body={"x": "${context.x}"}, expected_statuses=[200, "2xx", "300-304"],
                 retries=2, timeout_seconds=5),
            node("m", "action_module", module_name="m1"),
            node("c", "action_chat_message", entity_id="e1", message="hi"),
            node("d", "action_delay", seconds=0),
            node("if", "condition_if", all=[{"left": 1, "operator": "equals", "right": 1},
                                            {"not": {"left": "a", "operator": "is_empty"}}]),
            node("v", "data_variable_set", name="x", value=1),
            node("x", "data_transform", output={"a": {"$op": "upper", "input": "a"}}),
            node("l", "loop_foreach", items="${context.items}"),
            node("lb", "data_transform", op="length", input="${variables.item}"),
            node("e", "flow_end"),
        ],
        "connections": [
            conn("t", "w"), conn("t2", "w"), conn("w", "m"), conn("m", "c"), conn("c", "d"), conn("d", "if"),
            conn("if", "v", "true"), conn("if", "x", "false"), conn("v", "l"), conn("x", "l"),
            conn("l", "lb", "body"), conn("lb", "l"), conn("l", "e", "out"), conn("w", "e", "error"),
        ],
    }
    assert definition_problems(d) == []


@pytest.mark.parametrize("bad, code", [
    ([], "invalid_definition"),
    ("nodes", "invalid_definition"),
    ({"nodes": {}}, "invalid_definition"),
    ({"nodes": ["x"]}, "invalid_node"),
    ({"nodes": [{"type": "trigger_manual"}]}, "invalid_node"),
    ({"nodes": [node("a", "trigger_manual")], "variables": []}, "invalid_definition"),
])
async def test_shape_errors(bad: Any, code: str) -> None:
    assert problem(bad).code == code


async def test_duplicate_node_id() -> None:
    err = problem({"nodes": [node("a", "trigger_manual"), node("a", "flow_end")]})
    assert (err.code, err.node_id) == ("duplicate_node_id", "a")
    assert "'a'" in err.message


async def test_unknown_type_names_node() -> None:
    err = problem(chain(node("n7", "action_teleport")))
    assert (err.code, err.node_id) == ("unknown_node_type", "n7")
    assert "n7" in err.message and "action_teleport" in err.message


@pytest.mark.parametrize("bad_node, needle", [
    (node("n", "action_webhook"), "config.url"),
    (node("n", "action_module"), "config.module_name"),
    (node("n", "action_chat_message", entity_id="e"), "config.message"),
    (node("n", "action_delay"), "config.seconds"),
    (node("n", "condition_if", left=1, right=2), "operator"),
    (node("n", "condition_if", left=1, operator="equals"), "'right'"),
    (node("n", "data_variable_set", value=1), "config.name"),
    (node("n", "data_transform"), "config.output"),
    (node("n", "loop_foreach"), "config.items"),
])
async def test_missing_config(bad_node: dict, needle: str) -> None:
    err = problem(chain(bad_node))
    assert (err.code, err.node_id) == ("missing_config", "n")
    assert needle in err.message and "'n'" in err.message


@pytest.mark.parametrize("bad_node", [
    node("n", "action_webhook", url="http://x", method="TELEPORT"),
    node("n", "action_webhook", url="http://x", retries=-1),
    node("n", "action_webhook", url="http://x", expected_statuses=["abc"]),
    node("n", "action_webhook", url="http://x", headers={"a": {"b": 1}}),
    node("n", "condition_if", left=1, operator="approximately", right=2),
    node("n", "condition_if", left="x", operator="matches_regex", right="(unclosed"),
    node("n", "condition_if", all=[]),
    node("n", "action_delay", seconds=-1),
    node("n", "data_transform", op="explode", input="x"),
    node("n", "data_variable_set", name="a.b", value=1),
    node("n", "loop_foreach", items=5),
    node("n", "data_transform", output=1, continue_on_error="yes"),
    node("n", "data_transform", output=1, timeout_seconds=0),
])
async def test_invalid_config(bad_node: dict) -> None:
    err = problem(chain(bad_node))
    assert (err.code, err.node_id) == ("invalid_config", "n")


async def test_dangling_connections() -> None:
    d = chain(node("a", "flow_end"))
    d["connections"].append(conn("a", "ghost"))
    err = problem(d)
    assert err.code == "dangling_connection" and "ghost" in err.message and err.node_id == "a"
    d = chain(node("a", "data_transform", output=1))
    d["connections"].append(conn("phantom", "a"))
    err = problem(d)
    assert err.code == "dangling_connection" and "phantom" in err.message


@pytest.mark.parametrize("node_type, config, port", [
    ("condition_if", {"left": 1, "operator": "equals", "right": 1}, "out"),
    ("data_transform", {"output": 1}, "true"),
    ("loop_foreach", {"items": []}, "false"),
    ("flow_end", {}, "out"),
])
async def test_bad_port_for_node_type(node_type: str, config: dict, port: str) -> None:
    d = chain(node("n", node_type, **config), extra=[])
    d["nodes"].append(node("z", "data_transform", output=1))
    d["connections"].append(conn("n", "z", port))
    err = problem(d)
    assert (err.code, err.node_id) == ("invalid_port", "n")
    assert repr(port) in err.message


async def test_cycle_outside_loop() -> None:
    d = chain(node("a", "data_transform", output=1), node("b", "data_transform", output=2))
    d["connections"].append(conn("b", "a"))
    err = problem(d)
    assert err.code == "cycle"
    assert "a -> b -> a" in err.message or "b -> a -> b" in err.message
    d = chain(node("a", "data_transform", output=1))
    d["connections"].append(conn("a", "a"))
    assert problem(d).code == "cycle"


async def test_loop_back_edge_is_allowed_but_out_port_cycle_is_not() -> None:
    body_back = chain(node("l", "loop_foreach", items=[1]), extra=[conn("l", "b", "body"), conn("b", "l")])
    body_back["nodes"].append(node("b", "data_transform", output=1))
    assert definition_problems(body_back) == []
    out_back = chain(node("l", "loop_foreach", items=[1]), extra=[conn("l", "b", "out"), conn("b", "l")])
    out_back["nodes"].append(node("b", "data_transform", output=1))
    assert problem(out_back).code == "cycle"


async def test_loop_body_cannot_be_entered_from_outside() -> None:
    d = chain(node("l", "loop_foreach", items=[1]), node("after", "data_transform", output=1),
              extra=[conn("l", "b", "body"), conn("after", "b")])
    d["nodes"].append(node("b", "data_transform", output=1))
    err = problem(d)
    assert err.code == "loop_scope" and "'l'" in err.message


async def test_no_entry_node() -> None:
    err = problem({"nodes": [node("a", "data_transform", output=1)], "connections": []})
    assert err.code == "no_entry_node"


@pytest.mark.parametrize("template", ["${context.x", "${}", "${secrets.x}", "${steps.nope.output}"])
async def test_bad_template_names_node(template: str) -> None:
    err = problem(chain(node("n5", "data_transform", output={"a": [template]})))
    assert (err.code, err.node_id) == ("invalid_template", "n5")
    assert "'n5'" in err.message


async def test_all_problems_are_reported() -> None:
    d = {"nodes": [node("a", "action_webhook"), node("b", "bogus"), node("c", "data_transform", output="${x.y}")],
         "connections": [conn("a", "zzz")]}
    codes = {p.code for p in definition_problems(d)}
    assert codes >= {"missing_config", "unknown_node_type", "invalid_template", "dangling_connection",
                     "no_entry_node"}
    with pytest.raises(DefinitionError) as err:
        validate_definition(d)
    assert len(err.value.problems) == len(definition_problems(d))
    assert err.value.to_dict()["code"] == "missing_config"


async def test_invalid_definition_fails_execution_cleanly() -> None:
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", chain(node("q", "nope"))))
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "invalid_definition", "q")
