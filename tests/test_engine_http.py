"""HTTP nodes against a real loopback server: webhook, module, chat message, retries, caps, redirects, HMAC."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from services.engine import RunRequest, sign
from tests.engine_helpers import HMAC_SECRET, LocalServer, by_id, chain, engine, node

pytestmark = pytest.mark.asyncio


def req(definition: dict, **kw: Any) -> RunRequest:
    return RunRequest("exec-h", "wf-h", definition, **kw)


def hook(url: str, **config: Any) -> dict:
    return node("w", "action_webhook", url=url, **config)


async def test_webhook_post_json_body_and_output(server: LocalServer) -> None:
    d = chain(hook(f"{server.base}/echo", method="POST", headers={"X-Custom": "${context.tag}"},
                   body={"user": "${context.user}", "n": "${context.n}", "text": "hi ${context.user.name}"}),
              node("t", "data_transform", output="${steps.w.output.body.method}"))
    async with engine() as eng:
        r = await eng.execute(req(d, context={"tag": "t1", "user": {"name": "ada"}, "n": 3}))
    assert r.status == "completed", r.error
    out = by_id(r)["w"].output
    assert out["status"] == 200 and out["headers"]["x-plain"] == "yes"
    sent = server.seen("/echo")[-1]
    assert sent.method == "POST" and sent.headers["x-custom"] == "t1"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-chime-execution-id"] == "exec-h"
    assert sent.json() == {"user": {"name": "ada"}, "n": 3, "text": "hi ada"}
    assert by_id(r)["t"].output == "POST"


async def test_webhook_text_response_and_string_body(server: LocalServer) -> None:
    d = chain(hook(f"{server.base}/text", method="PUT", body="raw ${context.x}"))
    async with engine() as eng:
        r = await eng.execute(req(d, context={"x": 1}))
    assert by_id(r)["w"].output["body"] == "plain text"
    assert server.seen("/text")[-1].body == b"raw 1"


async def test_json_response_nested_too_deep_is_kept_as_text(server: LocalServer) -> None:
    """The parser's recursion limit once made such a response an internal error of the run."""
    d = chain(hook(f"{server.base}/deep", method="GET"))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed", r.error
    body = by_id(r)["w"].output["body"]
    assert body == "[" * 1_200 + "]" * 1_200


async def test_unexpected_status_fails_node(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/status/404"))))
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "node_failed", "w")
    assert "unexpected HTTP status 404" in r.error
    assert by_id(r)["w"].output["status"] == 404   # the response is still recorded


@pytest.mark.parametrize("expected", [[404], ["4xx"], ["400-404"], ["404"]])
async def test_expected_statuses(server: LocalServer, expected: list) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/status/404", expected_statuses=expected))))
    assert r.status == "completed", r.error


async def test_retries_5xx_for_get(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/flaky/get1/2", retries=2))))
    assert r.status == "completed", r.error
    assert len(server.seen("/flaky/get1/2")) == 3
    assert by_id(r)["w"].output == {"attempts": 3, "status": 200, "body": {"attempt": 3},
                                    "headers": by_id(r)["w"].output["headers"]}


async def test_retries_exhausted_for_get(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/flaky/get2/5", retries=1))))
    assert r.status == "failed" and "503" in r.error
    assert len(server.seen("/flaky/get2/5")) == 2


async def test_no_retry_for_post_unless_opted_in(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/flaky/post1/1", method="POST", retries=3))))
        assert r.status == "failed" and len(server.seen("/flaky/post1/1")) == 1
        r = await eng.execute(req(chain(hook(f"{server.base}/flaky/post2/1", method="POST", retries=3,
                                             retry_non_idempotent=True))))
    assert r.status == "completed" and len(server.seen("/flaky/post2/1")) == 2


async def test_webhook_timeout_is_node_timeout(server: LocalServer) -> None:
    async with engine() as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(chain(hook(f"{server.base}/slow?seconds=2", timeout_seconds=0.2))))
    assert time.monotonic() - t0 < 1.5
    assert (r.status, r.error_code, r.error_node_id) == ("failed", "node_timeout", "w")
    assert by_id(r)["w"].status == "timeout"


async def test_default_node_timeout_applies_to_http(server: LocalServer) -> None:
    async with engine(node_timeout_seconds=0.2) as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/slow?seconds=2"))))
    assert r.error_code == "node_timeout"


@pytest.mark.parametrize("length", ["1", "0"])   # declared Content-Length, or streamed until close
async def test_response_size_cap(server: LocalServer, length: str) -> None:
    async with engine(http_max_response_bytes=1000) as eng:
        ok = await eng.execute(req(chain(hook(f"{server.base}/big?bytes=1000&length={length}"))))
        big = await eng.execute(req(chain(hook(f"{server.base}/big?bytes=50000&length={length}"))))
    assert ok.status == "completed", ok.error
    assert (big.status, big.error_code) == ("failed", "response_too_large")
    assert "1000-byte limit" in big.error


async def test_same_host_redirect_followed(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/redirect?to=/echo", method="POST", body={"a": 1}))))
    assert r.status == "completed", r.error
    assert by_id(r)["w"].output["body"]["method"] == "GET"   # 302 after POST becomes GET, like browsers


async def test_redirect_to_other_host_refused(server: LocalServer) -> None:
    before = len(server.seen("/echo"))
    target = f"http://localhost:{server.port}/echo"
    async with engine(allowed_hosts=frozenset({"127.0.0.1", "localhost"})) as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/redirect?to={target}"))))
    assert (r.status, r.error_code) == ("failed", "redirect_refused")
    assert len(server.seen("/echo")) == before


async def test_too_many_redirects(server: LocalServer) -> None:
    loop_url = f"{server.base}/redirect?to=/redirect%3Fto%3D/echo"
    async with engine(http_max_redirects=1) as eng:
        r = await eng.execute(req(chain(hook(loop_url))))
    assert r.error_code == "too_many_redirects"


async def test_follow_redirects_false_returns_3xx(server: LocalServer) -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook(f"{server.base}/redirect?to=/echo", follow_redirects=False,
                                             expected_statuses=["3xx"]))))
    assert r.status == "completed" and by_id(r)["w"].output["status"] == 302


async def test_hmac_signature_verified_by_server(server: LocalServer) -> None:
    d = chain(hook(f"{server.base}/verify", method="POST", body={"b": "${context.x}"}),
              node("g", "action_webhook", url=f"{server.base}/verify"))
    async with engine() as eng:
        r = await eng.execute(req(d, context={"x": "é"}, hmac_secret=HMAC_SECRET))
        unsigned = await eng.execute(req(chain(hook(f"{server.base}/verify", expected_statuses=[401]))))
    assert r.status == "completed", r.error
    assert by_id(r)["w"].output["body"] == {"valid": True}
    assert by_id(r)["g"].output["body"] == {"valid": True}   # empty body is signed too
    sent = server.seen("/verify")[0]
    assert sent.headers["x-chime-signature"] == sign(sent.body, HMAC_SECRET)
    assert by_id(unsigned)["w"].output["body"] == {"valid": False}


async def test_secret_headers_redacted_in_steps(server: LocalServer) -> None:
    headers = {"Authorization": "Bearer abc", "X-Api-Key": "k1", "Cookie": "c=1", "X-Client-Secret": "s",
               "X-Refresh-Token": "t", "X-Db-Password": "p", "X-Visible": "ok"}
    d = chain(hook(f"{server.base}/echo?api_key=zzz&page=2", headers=headers))
    async with engine() as eng:
        r = await eng.execute(req(d, hmac_secret=HMAC_SECRET))
    step = by_id(r)["w"]
    recorded = step.input["headers"]
    for name in headers:
        assert recorded[name] == ("ok" if name == "X-Visible" else "***")
    assert recorded["X-Chime-Signature"] == "***"
    assert "zzz" not in step.input["url"] and "page=2" in step.input["url"]
    assert step.output["headers"]["set-cookie"] == "***" and step.output["headers"]["x-plain"] == "yes"
    # The echo body (the server's view of our headers) has secret-looking keys masked in the record too ...
    assert step.output["body"]["headers"]["authorization"] == "***"
    assert "Bearer abc" not in json.dumps([(s.input, s.output) for s in r.steps])
    # ... while the server got the real values.
    assert server.seen("/echo")[-1].headers["authorization"] == "Bearer abc"


async def test_secret_body_fields_redacted_in_records_only(server: LocalServer) -> None:
    d = chain(hook(f"{server.base}/echo", method="POST", body={"user": "u", "password": "${context.pw}"}),
              node("t", "data_transform", output="${steps.w.output.body.body}"))
    async with engine() as eng:
        r = await eng.execute(req(d, context={"pw": "hunter2"}))
    assert by_id(r)["w"].input["body"] == {"user": "u", "password": "***"}
    assert server.seen("/echo")[-1].json()["password"] == "hunter2"
    assert "hunter2" in by_id(r)["t"].output   # later templates see the real response


async def test_action_module_posts_to_router(server: LocalServer) -> None:
    d = chain(node("m", "action_module", module_name="weather", module_version="1.2",
                   input={"city": "${context.city}", "days": "${context.days}"}, entity_id="${context.entity}",
                   user_id="u-9"),
              node("out", "flow_end", output="${steps.m.output.body.result.echo.input}"))
    async with engine(router_url=server.base + "/") as eng:
        r = await eng.execute(req(d, context={"city": "Oslo", "days": 3, "entity": "ent-1"}, hmac_secret=HMAC_SECRET))
    assert r.status == "completed", r.error
    sent = server.seen("/api/v1/execute-module")[-1]
    assert sent.method == "POST" and sent.json() == {
        "module_name": "weather", "module_version": "1.2", "input": {"city": "Oslo", "days": 3},
        "entity_id": "ent-1", "user_id": "u-9"}
    assert sent.headers["x-chime-signature"] == sign(sent.body, HMAC_SECRET)
    assert r.output == {"city": "Oslo", "days": 3}


async def test_action_chat_message_posts_to_router(server: LocalServer) -> None:
    d = chain(node("c", "action_chat_message", entity_id="ent-2", message="Hi ${context.name}!", platform="discord",
                   channel="${context.channel}"))
    async with engine(router_url=server.base) as eng:
        r = await eng.execute(req(d, context={"name": "Bo", "channel": "general"}))
    assert r.status == "completed", r.error
    assert server.seen("/api/v1/send-message")[-1].json() == {
        "entity_id": "ent-2", "message": "Hi Bo!", "platform": "discord", "channel": "general"}
    assert by_id(r)["c"].output == {"status": 200, "body": {"sent": True, "message_id": "m-1"}}


async def test_router_failure_fails_node(server: LocalServer) -> None:
    d = chain(node("m", "action_module", module_name="x"))
    async with engine(router_url=server.base + "/status/500") as eng:   # -> /status/500/api/v1/execute-module
        r = await eng.execute(req(d))
    assert (r.status, r.error_node_id) == ("failed", "m")


async def test_dry_run_sends_nothing(server: LocalServer) -> None:
    before = len(server.seen())
    d = chain(hook(f"{server.base}/echo", method="POST", body={"k": "${context.k}"}, headers={"Authorization": "x"}),
              node("m", "action_module", module_name="m"),
              node("c", "action_chat_message", entity_id="e", message="m"),
              node("d", "action_delay", seconds=30))
    async with engine(router_url=server.base) as eng:
        t0 = time.monotonic()
        r = await eng.execute(req(d, context={"k": 1}, dry_run=True, hmac_secret=HMAC_SECRET))
    assert r.status == "completed", r.error
    assert time.monotonic() - t0 < 0.5
    assert len(server.seen()) == before
    w = by_id(r)["w"].output
    assert w["dry_run"] is True and w["request"]["body"] == {"k": 1}
    assert w["request"]["headers"]["Authorization"] == "***"
    assert by_id(r)["m"].output["request"]["url"] == f"{server.base}/api/v1/execute-module"


async def test_continue_on_error_after_http_failure(server: LocalServer) -> None:
    d = chain(hook(f"{server.base}/status/500", continue_on_error=True),
              node("n", "data_transform", output="${steps.w.status}"))
    async with engine() as eng:
        r = await eng.execute(req(d))
    assert r.status == "completed"
    assert by_id(r)["w"].status == "failed" and by_id(r)["n"].output == "failed"


async def test_connection_refused_is_node_failure() -> None:
    async with engine() as eng:
        r = await eng.execute(req(chain(hook("http://127.0.0.1:9/x"))))   # discard port: nothing listens
    assert (r.status, r.error_node_id) == ("failed", "w") and "connection error" in r.error
