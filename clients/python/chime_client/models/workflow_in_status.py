from typing import Literal

WorkflowInStatus = Literal["active", "archived", "inactive"]

WORKFLOW_IN_STATUS_VALUES: set[WorkflowInStatus] = {
    "active",
    "archived",
    "inactive",
}


def check_workflow_in_status(value: str) -> WorkflowInStatus:
    if value in WORKFLOW_IN_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WORKFLOW_IN_STATUS_VALUES!r}")
