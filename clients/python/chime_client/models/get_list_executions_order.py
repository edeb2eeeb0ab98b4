from typing import Literal

GetListExecutionsOrder = Literal["asc", "desc"]

GET_LIST_EXECUTIONS_ORDER_VALUES: set[GetListExecutionsOrder] = {
    "asc",
    "desc",
}


def check_get_list_executions_order(value: str) -> GetListExecutionsOrder:
    if value in GET_LIST_EXECUTIONS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_EXECUTIONS_ORDER_VALUES!r}")
