from typing import Literal

ClientPatchScopesType0Item = Literal[
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

CLIENT_PATCH_SCOPES_TYPE_0_ITEM_VALUES: set[ClientPatchScopesType0Item] = {
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


def check_client_patch_scopes_type_0_item(value: str) -> ClientPatchScopesType0Item:
    if value in CLIENT_PATCH_SCOPES_TYPE_0_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CLIENT_PATCH_SCOPES_TYPE_0_ITEM_VALUES!r}")
