"""The OpenAPI document says what the API does: errors, security, links, exact input types."""

from __future__ import annotations

import pytest

from services.auth import SCOPES

PUBLIC = {"/healthz", "/readyz", "/api/v1/health", "/metrics", "/api/v1/oauth/token", "/health", "/health/live",
          "/health/ready"}
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
async def doc(client) -> dict:
    resp = await client.get("/openapi.json")
    assert resp.status_code == 200
    return await resp.get_json()


def operations(doc: dict):
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            yield path, method, op


async def test_every_operation_lists_its_error_responses(doc) -> None:
    assert "ErrorOut" in doc["components"]["schemas"]
    for path, method, op in operations(doc):
        responses = op["responses"]
        expected = {"400"}
        if path not in PUBLIC:
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected |= {"413", "415"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in responses:
            if status.startswith("4"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, (method, path, status)
        if "401" in responses:
            assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True


@pytest.mark.parametrize(("method", "path", "status"), [
    ("put", "/api/v1/schedules/{schedule_id}", "412"), ("patch", "/api/v1/schedules/{schedule_id}", "412"),
    ("put", "/api/v1/workflows/{workflow_id}", "412"), ("delete", "/api/v1/workflows/{workflow_id}", "409"),
    ("post", "/api/v1/workflows/{workflow_id}/execute", "409"),
    ("post", "/api/v1/schedules/{schedule_id}/pause", "409"),
    ("post", "/api/v1/schedules/{schedule_id}/run-now", "409"),
    ("post", "/api/v1/executions/{execution_id}/cancel", "409"), ("post", "/api/v1/schedules", "404"),
])
async def test_semantic_errors_are_declared(doc, method, path, status) -> None:
    assert status in doc["paths"][path][method]["responses"]


async def test_html_pages_and_static_files_are_not_in_the_document(doc, client) -> None:
    assert (await client.get("/hub/sign-in")).status_code == 200  # served, just not API
    assert [p for p in doc["paths"] if p == "/hub" or p.startswith(("/hub/", "/static"))] == []


async def test_security_is_per_operation(doc) -> None:
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, method, op in operations(doc):
        if path in PUBLIC:
            assert op["security"] == [], (method, path)
        else:  # exactly one scope, a known one (tests/test_scopes.py checks it is the one enforced)
            [requirement] = op["security"]
            assert list(requirement) == ["bearer"] and len(requirement["bearer"]) == 1, (method, path, requirement)
            assert requirement["bearer"][0] in SCOPES, (method, path, requirement)
            assert "429" in op["responses"], (method, path)  # the per-principal rate limit


async def test_the_token_endpoint_takes_a_form_or_json(doc) -> None:
    op = doc["paths"]["/api/v1/oauth/token"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "application/json"}
    assert {"400", "401", "429"} <= set(op["responses"])


async def test_public_operations_really_are_public_and_others_are_not(client, doc) -> None:
    for path, method, op in operations(doc):
        if method != "get" or "{" in path:
            continue
        resp = await client.get(path)
        assert (resp.status_code == 401) == (op["security"] != []), (path, resp.status_code)


async def test_links_lead_from_each_create_to_the_operations_taking_its_id(doc) -> None:
    by_id = {op["operationId"]: (path, method) for path, method, op in operations(doc)}
    paths = doc["paths"]

    def targets(path: str, method: str, status: str) -> dict[str, dict]:
        links = paths[path][method]["responses"][status]["links"]
        for link in links.values():
            assert link["operationId"] in by_id, link
        return {by_id[link["operationId"]]: link for link in links.values()}

    wf = targets("/api/v1/workflows", "post", "201")
    for (path, method) in [(p, m) for p, m, _ in operations(doc) if "{workflow_id}" in p]:
        assert wf[(path, method)]["parameters"] == {"path.workflow_id": "$response.body#/workflow_id"}
    assert wf[("/api/v1/schedules", "post")]["requestBody"] == {"workflow_id": "$response.body#/workflow_id"}

    sched = targets("/api/v1/schedules", "post", "201")
    schedule_ops = {(p, m) for p, m, _ in operations(doc) if p.startswith("/api/v1/schedules/{schedule_id}")}
    assert schedule_ops and set(sched) == schedule_ops
    for source in (("/api/v1/workflows/{workflow_id}/execute", "post"),
                   ("/api/v1/schedules/{schedule_id}/run-now", "post")):
        runs = targets(*source, "202")
        assert set(runs) == {("/api/v1/executions/{execution_id}", "get"),
                             ("/api/v1/executions/{execution_id}/cancel", "post")}


async def test_path_ids_are_uuids_and_bodies_are_required_unless_optional(doc) -> None:
    for path, method, op in operations(doc):
        for param in op["parameters"]:
            if param["in"] == "path":
                assert param["schema"] == {"type": "string", "format": "uuid"}, (method, path)
        if "requestBody" in op:
            optional = path.endswith(("/pause", "/run-now", "/validate", "/execute"))
            assert op["requestBody"]["required"] is (not optional), (method, path)


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


async def test_no_pydantic_only_keywords_leak_into_schemas(doc) -> None:
    for node in walk(doc["components"]["schemas"]):
        assert not {"ge", "le", "gt", "lt"} & set(node), node


async def test_schedule_config_documents_the_per_type_rule(doc) -> None:
    config = doc["components"]["schemas"]["ScheduleConfig"]
    # Inside allOf, so code generators keep ScheduleConfig one model (services/openapi.py, _branches_as_rules).
    assert "oneOf" not in config
    [rule] = [part for part in config["allOf"] if "oneOf" in part]
    branches = {b["properties"]["schedule_type"]["const"]: b for b in rule["oneOf"]}
    assert branches["cron"]["required"] == ["schedule_type", "cron_expression"]
    assert branches["cron"]["properties"]["interval_seconds"] == {"type": "null"}
    assert branches["interval"]["properties"]["interval_seconds"]["maximum"] == 2_147_483_647


@pytest.mark.parametrize(("field", "value"), [
    ("interval_seconds", "60"), ("interval_seconds", True), ("interval_seconds", 60.5),
    ("start_at", 1_900_000_000), ("start_at", "2030-01-01 09:00:00+00:00"), ("start_at", "2030-01-01T09:00Z"),
])
async def test_inputs_are_not_coerced_beyond_the_schema(client, auth, workflow, field, value) -> None:
    config = {"schedule_type": "interval", "interval_seconds": 60, field: value}
    resp = await client.post("/api/v1/schedules", headers=auth(),
                             json={"workflow_id": workflow["workflow_id"], "schedule_config": config})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["details"][0]["field"] == f"schedule_config.{field}", body


async def test_integral_numbers_and_rfc3339_times_are_accepted(client, auth, workflow) -> None:
    config = {"schedule_type": "interval", "interval_seconds": 60.0, "start_at": "2031-01-01t09:00:00.5+02:00"}
    resp = await client.post("/api/v1/schedules", headers=auth(),
                             json={"workflow_id": workflow["workflow_id"], "schedule_config": config})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    assert body["interval_seconds"] == 60


@pytest.mark.parametrize(("url", "ok"), [
    ("/api/v1/schedules?limit=5", True), ("/api/v1/schedules?limit=5.0", False),
    ("/api/v1/schedules?limit=%205", False),
    ("/api/v1/schedules?workflow_id=12345678123456781234567812345678", False),
    ("/api/v1/executions?until=0.5", False), ("/api/v1/executions?until=2030-01-01T00:00:00Z", True),
])
async def test_query_values_are_parsed_strictly(client, auth, url, ok) -> None:
    resp = await client.get(url, headers=auth())
    assert (resp.status_code == 200) is ok, await resp.get_json()


async def test_405_names_the_allowed_methods(client, auth) -> None:
    resp = await client.delete("/api/v1/schedules", headers=auth())
    body = await resp.get_json()
    assert resp.status_code == 405 and body["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["Allow"].split(",")}
