from typing import Literal

GetListWorkflowsOrder = Literal["asc", "desc"]

GET_LIST_WORKFLOWS_ORDER_VALUES: set[GetListWorkflowsOrder] = {
    "asc",
    "desc",
}


def check_get_list_workflows_order(value: str) -> GetListWorkflowsOrder:
    if value in GET_LIST_WORKFLOWS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_WORKFLOWS_ORDER_VALUES!r}")
