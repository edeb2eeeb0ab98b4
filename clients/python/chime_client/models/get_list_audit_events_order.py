from typing import Literal

GetListAuditEventsOrder = Literal["asc", "desc"]

GET_LIST_AUDIT_EVENTS_ORDER_VALUES: set[GetListAuditEventsOrder] = {
    "asc",
    "desc",
}


def check_get_list_audit_events_order(value: str) -> GetListAuditEventsOrder:
    if value in GET_LIST_AUDIT_EVENTS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_AUDIT_EVENTS_ORDER_VALUES!r}")
