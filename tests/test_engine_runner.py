"""Graph execution, data/flow nodes, limits, timeouts, cancellation and step records (no HTTP here)."""

from __future__ import annotations

import asyncio
import gc
import json
import random
import time
from typing import Any

import pytest

from services.engine import RunRequest, StepRecord, compile_definition
from services.engine.runner import clip_for_record
from tests.engine_helpers import by_id, chain, conn, engine, node
from tests.helpers import wait_for

pytestmark = pytest.mark.asyncio


def req(definition: dict, **kw: Any) -> RunRequest:
    return RunRequest("exec-1", "wf-1", definition, **kw)


def branching(condition: dict) -> dict:
    d = chain(node("if", "condition_if", **condition),
              extra=[conn("if", "yes", "true"), conn("if", "no", "false"), conn("yes", "join"), conn("no", "join")])
    d["nodes"] += [node("yes", "data_transform", output="yes"), node("no", "data_transform", output="no"),
                   node("join", "data_transform", output="joined")]
    return d


async def test_condition_routes_and_skips_other_branch_and_join_runs_once() -> None:
    async with engine() as eng:
        r = await eng.execute(req(branching({"left": "${context.n}", "operator": "gt", "right": 3}), context={"n": 5}))
    steps = by_id(r)
    assert r.status == "completed"
    assert steps["if"].output == {"result": True}
    assert (steps["yes"].status, steps["no"].status, steps["join"].status) == ("completed", "skipped", "completed")
    assert [s.node_id for s in r.steps].count("join") == 1
    assert [s.sequence for s in r.steps] == list(range(1, len(r.steps) + 1))


@pytest.mark.parametrize("cond, expected", [
    ({"left": 5, "operator": "equals", "right": "5"}, True),
    ({"left": "a", "operator": "equals", "right": "b"}, False),
    ({"left": True, "operator": "equals", "right": "true"}, True),
    ({"left": 1, "operator": "not_equals", "right": 2}, True),
    ({"left": "10", "operator": "gt", "right": 9}, True),
    ({"left": 3, "operator": "lt", "right": 3}, False),
    ({"left": 3, "operator": "ge", "right": 3}, True),
    ({"left": 2, "operator": "le", "right": 1}, False),
    ({"left": "2024-02-01", "operator": "gt", "right": "2024-01-31"}, True),
    ({"left": "hello world", "operator": "contains", "right": "world"}, True),
    ({"left": ["a", "b"], "operator": "contains", "right": "b"}, True),
    ({"left": {"k": 1}, "operator": "contains", "right": "k"}, True),
    ({"left": "hello", "operator": "not_contains", "right": "z"}, True),
    ({"left": "order-123", "operator": "matches_regex", "right": r"^order-\d+$"}, True),
    ({"left": "order-x", "operator": "matches_regex", "right": r"^order-\d+$"}, False),
    ({"left": "b", "operator": "in_list", "right": ["a", "b"]}, True),
    ({"left": 2, "operator": "in_list", "right": "1, 2, 3"}, True),
    ({"left": "", "operator": "is_empty"}, True),
    ({"left": [], "operator": "is_empty"}, True),
    ({"left": "x", "operator": "is_empty"}, False),
    ({"all": [{"left": 1, "operator": "equals", "right": 1}, {"left": 2, "operator": "equals", "right": 2}]}, True),
    ({"all": [{"left": 1, "operator": "equals", "right": 1}, {"left": 2, "operator": "equals", "right": 3}]}, False),
    ({"any": [{"left": 1, "operator": "equals", "right": 0}, {"left": 2, "operator": "equals", "right": 2}]}, True),
    ({"not": {"left": 1, "operator": "equals", "right": 1}}, False),
    ({"any": [{"not": {"left": "${context.tags}", "operator": "contains", "right": "vip"}},
              {"all": [{"left": "${context.n}", "operator": "ge", "right": 5},
                       {"left": "${context.tags}", "operator": "is_empty"}]}]}, False),
    # `any` short-circuits: the second leaf's missing key is never rendered.
    ({"any": [{"left": 1, "operator": "equals", "right": 1},
              {"left": "${context.absent}", "operator": "equals", "right": 1}]}, True),
])
async def test_condition_operators(cond: dict, expected: bool) -> None:
    async with engine() as eng:
        r = await eng.execute(req(branching(cond), context={"n": 5, "tags": ["vip"]}))
    assert r.status == "completed", r.error
    assert by_id(r)["if"].output == {"result": expected}
    assert by_id(r)["yes" if expected else "no"].status == "completed"


async def test_condition_type_error_fails_node() -> None:
    async with engine() as eng:
        r = await eng.execute(req(branching({"left": {"a": 1}, "operator": "gt", "right": 1})))
    assert (r.status, r.error_node_id) == ("failed", "if")
    assert "cannot compare" in r.error


async def test_variable_set_transform_ops_and_flow_end_output() -> None:
    d = chain(
        node("v", "data_variable_set", name="names", value="${context.names}"),
        node("up", "data_transform", op="upper", input="${context.word}"),
        node("x", "data_transform", output={
            "count": {"$op": "length", "input": "${variables.names}"},
            "joined": {"$op": "join", "input": "${variables.names}", "separator": "+"},
            "parsed": {"$op": "json_parse", "input": "${context.raw}"},
            "n": {"$op": "to_number", "input": "42"},
            "upper": "${steps.up.output}",
            "first": {"$op": "first", "input": "${variables.names}"},
        }),
        node("pause", "action_delay", seconds=0.05),
        node("end", "flow_end", output={"result": "${steps.x.output}"}),
        extra=[conn("start", "slow"), conn("slow", "never")],
    )
    d["nodes"] += [node("slow", "action_delay", seconds=5), node("never", "data_transform", output="unreached")]
    async with engine() as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(d, context={"names": ["ann", "bo"], "word": "hi", "raw": '{"k": [1]}'}))
    assert r.status == "completed", r.error
    assert time.monotonic() - t0 < 1.0
    assert r.output == {"result": {"count": 2, "joined": "ann+bo", "parsed": {"k": [1]}, "n": 42, "upper": "HI",
                                   "first": "ann"}}
    # flow_end ends the whole run: the parallel branch is interrupted and never continues.
    assert by_id(r)["slow"].status == "cancelled" and "never" not in by_id(r)


async def test_run_output_without_flow_end_is_variables() -> None:
    d = chain(node("v", "data_variable_set", name="a", value=1))
    d["variables"] = {"b": 2}
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert (r.status, r.output) == ("completed", {"b": 2, "a": 1})


async def test_loop_foreach_body_then_out_with_nested_loop_and_loop_vars() -> None:
    d = chain(node("outer", "loop_foreach", items="${context.rows}", item_variable="row"),
              node("after", "flow_end", output="${variables.acc}"),
              extra=[conn("outer", "inner", "body"), conn("inner", "cell", "body"), conn("inner", "rowdone"),
                     conn("cell", "inner")])
    d["connections"][1]["from_port"] = "out"
    d["nodes"] += [
        node("inner", "loop_foreach", items="${variables.row}", item_variable="cell"),
        node("cell", "data_variable_set", name="acc",
             value="${variables.acc}|${loop.parent.index}.${loop.index}=${variables.cell}"),
        node("rowdone", "data_transform", output="row ${loop.index} done"),
    ]
    d["variables"] = {"acc": ""}
    async with engine() as eng:
        r = await eng.execute(req(d, context={"rows": [["a", "b"], ["c"]]}))
    assert r.status == "completed", r.error
    assert r.output == "|0.0=a|0.1=b|1.0=c"
    cells = [s for s in r.steps if s.node_id == "cell"]
    assert [s.loop_index for s in cells] == [0, 1, 0]
    assert by_id(r)["outer"].output == {"iterations": 2}
    assert [s.output for s in r.steps if s.node_id == "rowdone"] == ["row 0 done", "row 1 done"]


async def test_loop_items_must_be_list() -> None:
    d = chain(node("l", "loop_foreach", items="${context.x}"), extra=[conn("l", "b", "body")])
    d["nodes"].append(node("b", "data_transform", output=1))
    async with engine() as eng:
        r = await eng.execute(req(d, context={"x": "nope"}))
    assert (r.status, r.error_node_id) == ("failed", "l") and "list" in r.error


# ------------------------------------------------------------------------------------------------------- limits


def loop_of(n: int) -> dict:
    d = chain(node("l", "loop_foreach", items=list(range(n))), extra=[conn("l", "b", "body")])
    d["nodes"].append(node("b", "data_transform", output="${variables.item}"))
    return d


async def test_max_loop_iterations() -> None:
    async with engine(max_loop_iterations=5) as eng:
        ok = await eng.execute(req(loop_of(5)))
        bad = await eng.execute(req(loop_of(6)))
    assert ok.status == "completed"
    assert (bad.status, bad.error_code, bad.error_node_id) == ("failed", "max_loop_iterations", "l")
    assert not any(s.node_id == "b" for s in bad.steps)   # refused before any iteration


async def test_max_total_operations_counts_loop_bodies_exactly() -> None:
    async with engine(max_total_operations=12) as eng:
        ok = await eng.execute(req(loop_of(10)))      # trigger + loop + 10 bodies = 12 ops
        bad = await eng.execute(req(loop_of(11)))
    assert (ok.status, ok.operations) == ("completed", 12)
    assert (bad.status, bad.error_code, bad.error_node_id) == ("failed", "max_total_operations", "b")
    assert sum(1 for s in bad.steps if s.node_id == "b" and s.status == "completed") == 10


async def test_max_total_operations_across_concurrent_branches() -> None:
    nodes = [node(f"b{i}", "action_delay", seconds=0.01) for i in range(6)]
    d = {"nodes": [node("start", "trigger_manual"), *nodes],
         "connections": [conn("start", n["node_id"]) for n in nodes]}
    async with engine(max_total_operations=4) as eng:
        r = await eng.execute(req(d))
    assert (r.status, r.error_code) == ("failed", "max_total_operations")
    assert r.operations == 4   # the 5th op was refused; exactly 3 branches started
    assert sum(1 for s in r.steps if s.node_id.startswith("b")) == 3


def nested_loops(depth: int) -> dict:
    d = chain(node("l1", "loop_foreach", items=[1]))
    for i in range(2, depth + 1):
        d["nodes"].append(node(f"l{i}", "loop_foreach", items=[1]))
        d["connections"].append(conn(f"l{i - 1}", f"l{i}", "body"))
    d["nodes"].append(node("leaf", "data_transform", output="${loop.index}"))
    d["connections"].append(conn(f"l{depth}", "leaf", "body"))
    return d


async def test_max_loop_depth() -> None:
    async with engine(max_loop_depth=3) as eng:
        ok = await eng.execute(req(nested_loops(3)))
        bad = await eng.execute(req(nested_loops(4)))
    assert ok.status == "completed" and by_id(ok)["leaf"].output == 0
    assert (bad.status, bad.error_code, bad.error_node_id) == ("failed", "max_loop_depth", "l4")
    assert bad.steps == []


async def test_workflow_timeout() -> None:
    d = chain(node("d", "action_delay", seconds=30))
    async with engine(workflow_timeout_seconds=0.2) as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(d))
    assert time.monotonic() - t0 < 1.0
    assert (r.status, r.error_code) == ("timeout", "workflow_timeout")
    assert by_id(r)["d"].status == "timeout"


async def test_node_timeout_on_delay() -> None:
    d = chain(node("d", "action_delay", seconds=30, timeout_seconds=0.1), node("x", "data_transform", output=1))
    async with engine() as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(d))
    assert time.monotonic() - t0 < 1.0
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "node_timeout", "d")
    assert by_id(r)["d"].status == "timeout" and "x" not in by_id(r)


async def test_node_timeout_on_loop() -> None:
    d = chain(node("l", "loop_foreach", items=[1, 2, 3], timeout_seconds=0.15), extra=[conn("l", "b", "body")])
    d["nodes"].append(node("b", "action_delay", seconds=0.1))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "node_timeout", "l")
    assert [s.status for s in r.steps if s.node_id == "b"] == ["completed", "cancelled"]


# ---------------------------------------------------------------------------------------------- error handling


async def test_continue_on_error_keeps_going() -> None:
    d = chain(node("bad", "data_transform", output="${context.missing}", continue_on_error=True),
              node("next", "data_transform", output="still here"))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed"
    assert by_id(r)["bad"].status == "failed" and by_id(r)["bad"].error_code == "template_error"
    assert by_id(r)["next"].output == "still here"


async def test_failure_without_continue_fails_run() -> None:
    d = chain(node("bad", "data_transform", op="json_parse", input="{nope"), node("next", "data_transform", output=1))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "node_failed", "bad")
    assert "invalid JSON" in r.error and "next" not in by_id(r)


async def test_error_port_takes_failure_path() -> None:
    d = chain(node("bad", "data_transform", op="upper", input=5),
              extra=[conn("bad", "ok"), conn("bad", "handler", "error")])
    d["nodes"] += [node("ok", "data_transform", output="ok"),
                   node("handler", "data_transform", output="handled: ${steps.bad.error}")]
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed"
    assert by_id(r)["ok"].status == "skipped"
    assert by_id(r)["handler"].output == "handled: op 'upper' needs a string, got int"


async def test_limits_ignore_continue_on_error() -> None:
    d = loop_of(3)
    d["nodes"][1]["config"]["continue_on_error"] = True
    async with engine(max_loop_iterations=2) as eng:
        r = await eng.execute(req(d))
    assert (r.status, r.error_code) == ("failed", "max_loop_iterations")


async def test_failure_in_loop_body_marks_loop_failed_and_stops_branches() -> None:
    d = {"nodes": [node("start", "trigger_manual"), node("l", "loop_foreach", items=[1, 2]),
                   node("b", "data_transform", op="upper", input="${variables.item}"),
                   node("slow", "action_delay", seconds=5)],
         "connections": [conn("start", "l"), conn("start", "slow"), conn("l", "b", "body")]}
    async with engine() as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(d))
    assert time.monotonic() - t0 < 1.0
    assert (r.status, r.error_node_id) == ("failed", "b")
    assert by_id(r)["l"].status == "failed" and "'b'" in by_id(r)["l"].error
    assert by_id(r)["slow"].status == "cancelled"


# ------------------------------------------------------------------------------------------ concurrency, cancel


async def test_independent_branches_run_concurrently() -> None:
    d = {"nodes": [node("start", "trigger_manual"), node("a", "action_delay", seconds=0.3),
                   node("b", "action_delay", seconds=0.3), node("j", "data_transform", output="done")],
         "connections": [conn("start", "a"), conn("start", "b"), conn("a", "j"), conn("b", "j")]}
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed"
    a, b = by_id(r)["a"], by_id(r)["b"]
    # Concurrent: each delay started before the other one finished (run one after the other, they could not).
    assert a.started_at < b.finished_at and b.started_at < a.finished_at, (a, b)
    assert [s.node_id for s in r.steps].count("j") == 1


async def test_cancel_event_interrupts_delay_promptly() -> None:
    seen: list[StepRecord] = []

    async def on_step(execution_id: str, step: StepRecord) -> None:
        assert execution_id == "exec-1"
        seen.append(step)

    d = chain(node("d", "action_delay", seconds=30), node("after", "data_transform", output=1))
    cancel = asyncio.Event()
    async with engine(on_step=on_step) as eng:
        task = asyncio.create_task(eng.execute(req(d), cancel_event=cancel))
        await wait_for(lambda: _recorded(seen, "start"))  # the 30 s delay has begun
        t0 = time.monotonic()
        cancel.set()
        r = await task
    assert time.monotonic() - t0 < 5  # interrupted, not slept out (milliseconds normally)
    assert (r.status, r.error_code) == ("cancelled", "cancelled")
    assert by_id(r)["d"].status == "cancelled" and "after" not in by_id(r)
    assert [s.node_id for s in seen] == ["start", "d"] and seen[-1].status == "cancelled"


async def test_task_cancellation_records_steps_and_propagates() -> None:
    seen: list[StepRecord] = []

    async def on_step(execution_id: str, step: StepRecord) -> None:
        seen.append(step)

    async with engine(on_step=on_step) as eng:
        task = asyncio.create_task(eng.execute(req(chain(node("d", "action_delay", seconds=30)))))
        await wait_for(lambda: _recorded(seen, "start"))  # the 30 s delay has begun
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [(s.node_id, s.status) for s in seen] == [("start", "completed"), ("d", "cancelled")]


async def _recorded(seen: list[StepRecord], node_id: str) -> bool:
    return any(s.node_id == node_id for s in seen)


async def test_dry_run_delay_does_not_sleep() -> None:
    async with engine() as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(chain(node("d", "action_delay", seconds="${context.s}")), context={"s": 30},
                                  dry_run=True))
    assert r.status == "completed" and time.monotonic() - t0 < 5  # a real delay would take 30 s
    assert by_id(r)["d"].output == {"slept_seconds": 0.0}


# --------------------------------------------------------------------------------------------------- records


async def test_on_step_called_per_step_in_order_with_timing() -> None:
    seen: list[StepRecord] = []

    async def on_step(execution_id: str, step: StepRecord) -> None:
        seen.append(step)

    async with engine(on_step=on_step) as eng:
        r = await eng.execute(req(chain(node("a", "data_transform", output=1),
                                        node("b", "action_delay", seconds=0.05))))
    assert seen == r.steps
    assert [s.node_id for s in seen] == ["start", "a", "b"]
    assert all(s.finished_at >= s.started_at and s.duration_ms is not None for s in seen)
    assert seen[2].duration_ms >= 40 and seen[1].node_name == "A"


async def test_failing_on_step_does_not_break_run() -> None:
    async def on_step(execution_id: str, step: StepRecord) -> None:
        raise RuntimeError("db down")

    async with engine(on_step=on_step) as eng:
        r = await eng.execute(req(chain(node("a", "data_transform", output=1))))
    assert r.status == "completed"


async def test_step_io_truncated_but_templates_see_full_value() -> None:
    d = chain(node("big", "data_transform", output="${context.blob}"),
              node("len", "data_transform", op="length", input="${steps.big.output}"))
    async with engine(step_io_max_bytes=256) as eng:
        r = await eng.execute(req(d, context={"blob": "é" * 5000}))
    big = by_id(r)["big"].output
    assert big["truncated"] is True and big["original_bytes"] > 10_000
    assert len(str(big).encode()) < 400
    assert by_id(r)["len"].output == 5000


async def test_unreachable_nodes_are_skipped() -> None:
    d = chain(node("a", "data_transform", output=1))
    d["nodes"].append(node("orphan", "data_transform", output=2))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed" and by_id(r)["orphan"].status == "skipped"


async def test_engine_serves_concurrent_runs() -> None:
    d = chain(node("v", "data_variable_set", name="me", value="${context.i}"),
              node("d", "action_delay", seconds=0.05), node("end", "flow_end", output="${variables.me}"))
    async with engine() as eng:
        results = await asyncio.gather(*(eng.execute(req(d, context={"i": i})) for i in range(20)))
    assert [r.output for r in results] == list(range(20))


# -------------------------------------------------------------- execute() runs the top level in the caller's task


async def test_internal_stops_leave_the_callers_task_clean() -> None:
    # A workflow timeout, a cancel_event and a failing node all cancel the task running execute() while it waits
    # for the nodes; none of that may leak into the caller: no pending cancellation, no raised cancel count.
    me = asyncio.current_task()
    assert me is not None
    before = me.cancelling()
    cancel = asyncio.Event()
    parallel_fail = {"nodes": [node("start", "trigger_manual"), node("slow", "action_delay", seconds=30),
                               node("bad", "condition_if", left=1, operator="gt", right="x")],
                     "connections": [conn("start", "slow"), conn("start", "bad")]}
    async with engine(workflow_timeout_seconds=0.1) as eng:
        timed_out = await eng.execute(req(chain(node("d", "action_delay", seconds=30))))
        asyncio.get_running_loop().call_later(0.05, cancel.set)
        cancelled = await eng.execute(req(chain(node("d", "action_delay", seconds=30))), cancel_event=cancel)
        failed = await eng.execute(req(parallel_fail))
    assert (timed_out.status, cancelled.status, failed.status) == ("timeout", "cancelled", "failed")
    assert by_id(failed)["slow"].status == "cancelled"
    assert me.cancelling() == before
    await asyncio.sleep(0.01)   # would raise CancelledError if a cancellation were still pending


async def test_callers_timeout_propagates_through_execute() -> None:
    seen: list[StepRecord] = []

    async def on_step(execution_id: str, step: StepRecord) -> None:
        seen.append(step)

    async with engine(on_step=on_step, workflow_timeout_seconds=0.1) as eng:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):   # shorter than the workflow timeout: it is the caller's
                await eng.execute(req(chain(node("d", "action_delay", seconds=30))))
    assert [(s.node_id, s.status) for s in seen] == [("start", "completed"), ("d", "cancelled")]


async def test_cancel_event_already_set_runs_nothing() -> None:
    cancel = asyncio.Event()
    cancel.set()
    async with engine() as eng:
        r = await eng.execute(req(chain(node("x", "data_transform", output=1))), cancel_event=cancel)
    assert (r.status, r.error_code, r.steps) == ("cancelled", "cancelled", [])


async def test_finished_runs_leave_no_reference_cycles() -> None:
    # Each run's state is freed by reference counting alone; cycles would keep it for the cyclic collector
    # (measurably slower at thousands of runs per second).
    d = chain(node("v", "data_variable_set", name="x", value="${context.x}"),
              node("if", "condition_if", left="${variables.x}", operator="equals", right=1),
              extra=[conn("if", "end", "true")])
    d["nodes"].append(node("end", "flow_end", output="${variables.x}"))
    async with engine() as eng:
        await eng.execute(req(d, context={"x": 1}))
        gc.collect()
        gc.disable()
        try:
            for _ in range(20):
                r = await eng.execute(req(d, context={"x": 1}))
            garbage = gc.collect()
        finally:
            gc.enable()
    assert r.status == "completed" and r.output == 1
    assert garbage == 0


def _reference_clip(value: Any, limit: int) -> Any:
    """clip_for_record as first written (always encodes), to check the shortcuts against."""
    if value is None or isinstance(value, bool | int):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        safe = True
    except (TypeError, ValueError):
        safe = False
        try:
            text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            text = json.dumps(str(value), ensure_ascii=False)
    raw = text.encode()
    if len(raw) <= limit:
        return value if safe else json.loads(text)
    preview = raw[:max(0, limit - 96)].decode("utf-8", "ignore")
    return {"truncated": True, "original_bytes": len(raw), "preview": preview}


async def test_clip_for_record_matches_exact_json_size() -> None:
    rnd = random.Random(7)

    def value(depth: int = 0) -> Any:
        r = rnd.random()
        if depth > 3 or r < 0.45:
            return rnd.choice([rnd.randint(-10**20, 10**20), "é\n\"\x01x" * rnd.randint(0, 40), None, True, 2.5,
                               float("nan"), (1, "t"), 10**19])
        if r < 0.75:
            return {rnd.choice(["k", "kk\n", 3, "ü"]) * rnd.randint(1, 4): value(depth + 1)
                    for _ in range(rnd.randint(0, 6))}
        return [value(depth + 1) for _ in range(rnd.randint(0, 6))]

    for _ in range(3000):
        v, limit = value(), rnd.randint(1, 700)
        assert clip_for_record(v, limit) == _reference_clip(v, limit), (v, limit)


async def test_plain_chains_run_in_the_callers_task() -> None:
    plain = chain(node("a", "data_transform", output=1), node("b", "data_transform", output=2))
    both_branches = branching({"left": 1, "operator": "equals", "right": 1})
    loop = chain(node("l", "loop_foreach", items=[1]), extra=[conn("l", "body", "body")])
    loop["nodes"].append(node("body", "data_transform", output=1))
    two_triggers = chain(node("a", "data_transform", output=1))
    two_triggers["nodes"].append(node("other", "trigger_manual"))
    assert compile_definition(plain).scopes[None].chain_start == "start"
    for d in (both_branches, loop, two_triggers):
        assert compile_definition(d).scopes[None].chain_start is None

    tasks: dict[str, asyncio.Task | None] = {}

    async def on_step(execution_id: str, step: StepRecord) -> None:
        tasks[step.node_id] = asyncio.current_task()

    async with engine(on_step=on_step) as eng:
        assert (await eng.execute(req(plain))).status == "completed"
        assert tasks["b"] is asyncio.current_task()          # walked right here
        assert (await eng.execute(req(both_branches))).status == "completed"
        assert tasks["join"] is not asyncio.current_task()   # branches: walks in their own tasks


async def test_each_run_times_out_at_its_own_deadline() -> None:
    # One timer serves all runs of an engine; runs started later must not time out with earlier ones.
    async def timed(after: float) -> tuple[Any, float]:
        await asyncio.sleep(after)
        t0 = time.monotonic()
        r = await eng.execute(req(chain(node("d", "action_delay", seconds=30))))
        return r, time.monotonic() - t0

    async with engine(workflow_timeout_seconds=0.3) as eng:
        (a, took_a), (b, took_b), quick = await asyncio.gather(
            timed(0), timed(0.15), eng.execute(req(chain(node("x", "data_transform", output=1)))))
        c, took_c = await timed(0)   # after the others: the timer is armed again
    assert quick.status == "completed"
    for r, took in ((a, took_a), (b, took_b), (c, took_c)):
        assert r.status == "timeout" and 0.28 <= took < 1.0, (r.status, took)
