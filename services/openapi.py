"""The OpenAPI document, completed in one place after quart-schema generates it from the pydantic models.

quart-schema documents success bodies; this adds what it cannot know:

* the error responses of every operation (ErrorOut, the format of docs/design.md "Errors"): 400 everywhere
  (NUL in a query or path, validation), 401/403 where a token is needed, 404 where a path names an object,
  413/415 where a JSON body is read, and the semantic 404/409/410/412/429 an operation declares with
  `error_responses` (429 with its Retry-After header);
* per-operation `security`: `[{"bearer": [<scope>]}]` naming the scope `controllers.deps.requires` checks
  (read from the same attribute, so the document cannot drift from the check), `[]` for the public paths;
* 429 on every authenticated operation (the per-principal rate limit, services/ratelimit.py);
* tags in a stable (sorted) order, so the document is byte-for-byte the same in every process;
* `format: uuid` on `<uuid:…>` path parameters, `required: true` on mandatory request bodies;
* OpenAPI links from each create response to the operations that take its id, so a stateful client (or
  fuzzer) can walk from `POST /api/v1/workflows` to every operation;
* every request and response model as a named component (`$ref`), where quart-schema inlines the top-level
  ones: a generated client (clients/python, openapi-python-client) then has one `ScheduleOut` class shared by
  every operation instead of one copy per operation, and a model answered with two statuses (200 and 202)
  does not make it drop one of them;
* a `oneOf` that narrows an object's own `properties` (one branch per schedule_type, per target kind, ...)
  wrapped as `allOf: [{oneOf: ...}]`: the same rule for a JSON Schema validator, but code generators read
  `properties` + `oneOf` as "one of these branches" and lose every property outside them (a client could not
  send a schedule's timezone); inside `allOf` they keep the model whole and leave the rule to the server;
* and it leaves out what is not API: the hub's HTML pages (/hub) and static files (/static).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from quart_schema.openapi import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule, UUIDConverter

from services.json_guard import MAX_ARRAY_ITEMS, MAX_DEPTH
from services.schemas import ErrorOut

F = TypeVar("F", bound=Callable[..., Any])

# Served by the app but not API: the hub's HTML pages and the static files (they stay out of the document).
NOT_API_PREFIXES = ("/hub", "/static")
PUBLIC_PATHS = ("/healthz", "/readyz", "/api/v1/health", "/health", "/health/live", "/health/ready", "/metrics",
                "/openapi.json", "/docs", "/redocs", "/scalar", "/api/v1/oauth/token")
SCOPE_ATTRIBUTE = "_chime_scope"
ERRORS_ATTRIBUTE = "_chime_error_responses"
OPTIONAL_BODY_ATTRIBUTE = "_chime_optional_body"
TEXT_RESPONSE_ATTRIBUTE = "_chime_text_response"
ALSO_JSON_ATTRIBUTE = "_chime_also_json"  # a form body that may be sent as a JSON object too (the token endpoint)
IDEMPOTENT_ATTRIBUTE = "_chime_idempotent"
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

ERROR_DESCRIPTIONS = {
    "400": ("Invalid request: a field fails validation (`details` names it), malformed JSON, a NUL character "
            f"in the body, query or path, nesting deeper than {MAX_DEPTH}, an array over {MAX_ARRAY_ITEMS:,} "
            "items, or a semantic check (e.g. a cron field out of range)"),
    "401": "Missing, malformed, expired or otherwise invalid bearer token",
    "403": "The token lacks the scope this operation needs",
    "404": "No such object in the caller's community (other communities' objects answer 404 too)",
    "409": "The object's state does not allow this operation",
    "410": "The object existed but has expired (an approval token)",
    "412": "If-Match names a version that is stale or was never issued",
    "413": "The request body is larger than MAX_BODY_BYTES; the connection is closed (`Connection: close`)",
    "415": "The request body is not application/json",
    "503": "The database cannot be read right now (the message says why); try again after `Retry-After` seconds",
    "429": "Rate limited; Retry-After says how many seconds to wait",
    "422": "The Idempotency-Key was already used with a different request (`idempotency_key_reused`)",
}

IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": ("Makes a retry safe: the same key with the same request within 24 h answers the first (2xx) "
                    "response again, with `Idempotent-Replayed: true`, and does nothing else; the same key with a "
                    "different request is a 422. Keys are per community. A duplicate sent while the first is "
                    "running waits for its answer (409 `idempotency_key_in_progress` after 30 s)."),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7E]+$"},
}
REPLAYED_RESPONSE_HEADER = {"description": "`true` when this is the stored answer to an earlier request with the "
                                           "same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}


def error_responses(*statuses: int) -> Callable[[F], F]:
    """Declares the semantic errors (404, 409, 410, 412, 429) an operation can answer, for the OpenAPI document."""

    def decorator(func: F) -> F:
        setattr(func, ERRORS_ATTRIBUTE, {*getattr(func, ERRORS_ATTRIBUTE, ()), *(str(s) for s in statuses)})
        return func

    return decorator


def text_response(media_type: str, description: str) -> Callable[[F], F]:
    """Documents a 200 answer that is not JSON (the Prometheus exposition)."""

    def decorator(func: F) -> F:
        setattr(func, TEXT_RESPONSE_ATTRIBUTE, (media_type.split(";")[0], description))
        return func

    return decorator


class ChimeOpenAPIProvider(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if not any(rule.rule == p or rule.rule.startswith(p + "/") for p in NOT_API_PREFIXES):
                yield rule

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter = super().build_path_parameter(name, converter)
        if isinstance(converter, UUIDConverter):
            parameter["schema"] = {"type": "string", "format": "uuid"}
        return parameter

    def schema(self) -> dict[str, Any]:
        doc = super().schema()
        doc["paths"] = dict(doc["paths"])
        doc["components"]["schemas"].update(_error_components())
        operations = {}
        for rule in self.generate_rules():
            func = self._app.view_functions[rule.endpoint]
            path = _openapi_path(rule.rule)
            for method in self.generate_methods(rule):
                operation = doc["paths"][path][method.lower()]
                operations[operation["operationId"]] = (path, method.lower())
                # quart-schema's per-method copies share nested dicts: give each its own before editing;
                # its status keys are ints, OpenAPI's are strings.
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
                _complete_operation(path, operation, func)
        _add_links(doc, operations)
        _hoist_models(doc)
        _branches_as_rules(doc["components"]["schemas"])
        return doc


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]*:)?([^<>]+)>", r"{\1}", rule)


def _hoist_models(doc: dict[str, Any]) -> None:
    """Moves each inline, titled object schema of a request or response body into components/schemas.

    Two different models with one title cannot share a name: the second stays inline (the document stays valid
    and /openapi.json keeps answering), and tests/test_typed_client.py fails naming it, so one model is renamed
    (its class, or `model_config = ConfigDict(title=...)`)."""
    components = doc["components"]["schemas"]
    for methods in doc["paths"].values():
        for operation in methods.values():
            bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    schema = media.get("schema", {})
                    title = schema.get("title")
                    if "$ref" in schema or schema.get("type") != "object" or not title:
                        continue
                    if components.setdefault(title, schema) == schema:
                        media["schema"] = {"$ref": f"#/components/schemas/{title}"}


VALUE_KEYWORDS = ("const", "default", "enum", "example", "examples")  # their values are data, not schemas
NAMED_SCHEMAS = ("properties", "patternProperties", "$defs")  # their keys are names, their values schemas


def _branches_as_rules(node: Any) -> None:
    """Wraps each `oneOf` beside `properties` as `allOf: [{"oneOf": ...}]`, in `node` and every schema below it."""
    if isinstance(node, list):
        for item in node:
            _branches_as_rules(item)
        return
    if not isinstance(node, dict):
        return
    if "properties" in node and "oneOf" in node:
        node["allOf"] = [*node.get("allOf", []), {"oneOf": node.pop("oneOf")}]
    for key, value in node.items():
        if key in NAMED_SCHEMAS and isinstance(value, dict):
            for schema in value.values():
                _branches_as_rules(schema)
        elif key not in VALUE_KEYWORDS:
            _branches_as_rules(value)


def _error_components() -> dict[str, Any]:
    schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components = dict(schema.pop("$defs", {}))
    components["ErrorOut"] = schema
    return components


def _error_response(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status],
                                "content": {"application/json": {"schema": ERROR_REF}}}
    if status == "401":
        response["headers"] = {"WWW-Authenticate": {
            "description": 'Bearer challenge, e.g. `Bearer realm="chime", error="invalid_token"`',
            "required": True, "schema": {"type": "string"}}}
    if status == "429":
        response["headers"] = {"Retry-After": {"description": "seconds until a retry may succeed", "required": True,
                                               "schema": {"type": "integer", "minimum": 1}}}
    return response


def _complete_operation(path: str, operation: dict[str, Any], func: Callable) -> None:
    public = path in PUBLIC_PATHS
    if "tags" in operation:
        # quart-schema keeps tags in a set: sorted, the document is the same in every process (the typed
        # client's module for an operation is its first tag, and `python dev.py client --check` compares it).
        operation["tags"] = sorted(operation["tags"])
    scope = getattr(func, SCOPE_ATTRIBUTE, None)
    # OpenAPI 3.1 lets a non-OAuth scheme list the roles an operation needs: here, the token's scope.
    operation["security"] = [] if public else [{"bearer": [scope] if scope else []}]
    statuses = {"400"}
    if not public:
        statuses |= {"401", "403", "429"}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.add("404")
    if "requestBody" in operation:
        statuses |= {"413", "415"}
        body = dict(operation["requestBody"])
        body["required"] = not getattr(func, OPTIONAL_BODY_ATTRIBUTE, False)
        if getattr(func, ALSO_JSON_ATTRIBUTE, False):
            content = dict(body["content"])
            content["application/json"] = next(iter(content.values()))
            body["content"] = content
        operation["requestBody"] = body
    statuses |= getattr(func, ERRORS_ATTRIBUTE, set())
    if getattr(func, IDEMPOTENT_ATTRIBUTE, False):
        operation["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_PARAMETER]
        statuses |= {"409", "422"}
        for status, response in list(operation["responses"].items()):
            if status.startswith("2"):
                operation["responses"][status] = {**response, "headers": {
                    **response.get("headers", {}), "Idempotent-Replayed": REPLAYED_RESPONSE_HEADER}}
    text = getattr(func, TEXT_RESPONSE_ATTRIBUTE, None)
    if text is not None:
        operation["responses"]["200"] = {"description": text[1],
                                         "content": {text[0]: {"schema": {"type": "string"}}}}
    for status in sorted(statuses):
        operation["responses"][status] = _error_response(status)


# Where each created id can be used next: (source operationId, status, body field) -> target operationIds.
# Every parameter named like the field (path or query) is filled; `body:` targets take it in the JSON body;
# `target@name` fills the path parameter `name` instead (the fix-it's id is `execution_id` in its body).
LINKS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("post_create_workflow", "201", "workflow_id"): (
        "get_get_workflow", "put_replace_workflow", "delete_delete_workflow", "post_validate_workflow",
        "post_execute_workflow", "get_schedules_for_workflow", "body:post_create_schedule",
    ),
    ("post_create_schedule", "201", "schedule_id"): (
        "get_get_schedule", "put_replace_schedule", "patch_patch_schedule", "delete_delete_schedule",
        "get_next_runs", "get_schedule_executions", "post_pause_schedule", "post_resume_schedule",
        "post_snooze_schedule", "post_run_schedule_now", "post_cancel_schedule", "post_backfill_schedule",
    ),
    ("post_create_notification_target", "201", "target_id"): (
        "get_get_notification_target", "put_replace_notification_target", "delete_delete_notification_target",
        "get_list_notification_deliveries",
    ),
    ("post_execute_workflow", "202", "execution_id"): ("get_get_execution", "post_cancel_execution"),
    ("post_run_schedule_now", "202", "execution_id"): ("get_get_execution", "post_cancel_execution"),
    ("post_create_fixit", "200", "execution_id"): ("get_get_fixit@fixit_id",),
    ("post_create_fixit", "202", "execution_id"): ("get_get_fixit@fixit_id",),
    ("post_generate_approval_token", "201", "token"): ("body:post_approve",),
    ("post_create_client", "201", "client_id"): ("get_get_client", "patch_patch_client", "delete_revoke_client"),
}


def _add_links(doc: dict[str, Any], operations: dict[str, tuple[str, str]]) -> None:
    for (source, status, field), targets in LINKS.items():
        path, method = operations[source]
        response = doc["paths"][path][method]["responses"][status] = dict(
            doc["paths"][path][method]["responses"][status])
        links = response.setdefault("links", {})
        expression = f"$response.body#/{field}"
        for target in targets:
            in_body = target.startswith("body:")
            target_id, _, param = target.removeprefix("body:").partition("@")
            if target_id not in operations:
                raise KeyError(f"OpenAPI link target {target_id} is not an operation")
            link: dict[str, Any] = {"operationId": target_id,
                                    "description": f"`{field}` of the created object"}
            if in_body:
                link["requestBody"] = {field: expression}
            else:
                link["parameters"] = {f"path.{param or field}": expression}
            links[_link_name(target_id)] = link


def _link_name(operation_id: str) -> str:
    return "".join(part.capitalize() for part in operation_id.split("_")[1:]) or operation_id
