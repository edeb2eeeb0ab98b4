from __future__ import annotations

import pytest

from services.engine import RunRequest
from services.engine.templates import Ref, TemplateScope, TemplateSyntaxError, parse_template, render
from services.engine.types import TemplateError
from tests.engine_helpers import chain, engine, node

pytestmark = pytest.mark.asyncio


def scope() -> TemplateScope:
    return TemplateScope({
        "context": {"user": {"name": "Ada", "tags": ["a", "b"]}, "n": 5, "flag": True, "nothing": None},
        "variables": {"x": 1.5},
        "steps": {"n1": {"output": {"items": [{"id": 7}, {"id": 8}]}}},
        "schedule": {"schedule_id": "s-1"},
        "execution": {"attempt": 2},
    })


async def test_exact_template_keeps_type() -> None:
    s = scope()
    assert render("${context.n}", s) == 5
    assert render("${context.user.tags}", s) == ["a", "b"]
    assert render("${context.user}", s) == {"name": "Ada", "tags": ["a", "b"]}
    assert render("${steps.n1.output.items.1.id}", s) == 8
    assert render("${context.flag}", s) is True
    assert render("${ context.n }", s) == 5   # inner whitespace is allowed


async def test_interpolation_stringifies() -> None:
    s = scope()
    assert render("n=${context.n} x=${variables.x}", s) == "n=5 x=1.5"
    assert render("tags=${context.user.tags}", s) == 'tags=["a","b"]'
    assert render("${context.flag}/${context.nothing}", s) == "true/null"
    assert render("attempt ${execution.attempt} of ${schedule.schedule_id}", s) == "attempt 2 of s-1"


async def test_render_walks_objects_without_touching_keys() -> None:
    s = scope()
    assert render({"${context.n}": ["${context.n}", {"k": "${variables.x}"}], "lit": 3}, s) == \
        {"${context.n}": [5, {"k": 1.5}], "lit": 3}


async def test_escape_and_plain_dollars() -> None:
    s = scope()
    assert render("cost $5 and $${context.n}", s) == "cost $5 and ${context.n}"


@pytest.mark.parametrize("path, missing", [
    ("${context.channel}", "context.channel"),
    ("${context.user.email}", "context.user.email"),
    ("${context.user.tags.5}", "context.user.tags.5"),
    ("${context.n.deeper}", "context.n.deeper"),
    ("${loop.index}", "loop"),
])
async def test_missing_key_names_path(path: str, missing: str) -> None:
    with pytest.raises(TemplateError) as err:
        render(path, scope())
    assert f"'{missing}' not found" in err.value.message


@pytest.mark.parametrize("text", ["${context.x", "${}", "${  }", "${bogus.x}", "${context..x}", "${context.${a}}",
                                  "a ${context.x b"])
async def test_bad_syntax(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        parse_template(text)


async def test_parse_parts() -> None:
    assert parse_template("a${context.b}c") == ("a", Ref(("context", "b")), "c")
    assert parse_template("${context.b}") == (Ref(("context", "b")),)


async def test_missing_key_fails_run_naming_node_and_path() -> None:
    d = chain(node("n3", "data_transform", output="${context.channel}"))
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", d, context={}))
    assert r.status == "failed"
    assert r.error_code == "template_error"
    assert r.error_node_id == "n3"
    assert r.error == "template error in node 'n3': 'context.channel' not found"


async def test_all_roots_available_in_run() -> None:
    d = chain(
        node("v", "data_variable_set", name="greeting", value="hi ${context.who}"),
        node("t", "data_transform", output={
            "var": "${variables.greeting}", "prev": "${steps.v.output.value}", "sched": "${schedule.cron}",
            "attempt": "${execution.attempt}", "status": "${steps.v.status}",
        }),
        node("end", "flow_end", output="${steps.t.output}"),
    )
    async with engine() as eng:
        r = await eng.execute(RunRequest("e", "w", d, context={"who": "bob"}, schedule={"cron": "* * * * *"},
                                         execution={"attempt": 3}))
    assert r.status == "completed", r.error
    assert r.output == {"var": "hi bob", "prev": "hi bob", "sched": "* * * * *", "attempt": 3,
                        "status": "completed"}
