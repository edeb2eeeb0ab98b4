from typing import Literal

ClientInScopesItem = Literal[
    "admin",
    "approvals:write",
    "events:write",
    "executions:read",
    "executions:write",
    "ops:read",
    "ops:write",
    "schedules:read",
    "schedules:write",
    "workflows:read",
    "workflows:write",
]

CLIENT_IN_SCOPES_ITEM_VALUES: set[ClientInScopesItem] = {
    "admin",
    "approvals:write",
    "events:write",
    "executions:read",
    "executions:write",
    "ops:read",
    "ops:write",
    "schedules:read",
    "schedules:write",
    "workflows:read",
    "workflows:write",
}


def check_client_in_scopes_item(value: str) -> ClientInScopesItem:
    if value in CLIENT_IN_SCOPES_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CLIENT_IN_SCOPES_ITEM_VALUES!r}")
