from typing import Literal

GetListClientsOrder = Literal["asc", "desc"]

GET_LIST_CLIENTS_ORDER_VALUES: set[GetListClientsOrder] = {
    "asc",
    "desc",
}


def check_get_list_clients_order(value: str) -> GetListClientsOrder:
    if value in GET_LIST_CLIENTS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_CLIENTS_ORDER_VALUES!r}")
