from typing import Literal

ClientCreatedStatus = Literal["active", "revoked"]

CLIENT_CREATED_STATUS_VALUES: set[ClientCreatedStatus] = {
    "active",
    "revoked",
}


def check_client_created_status(value: str) -> ClientCreatedStatus:
    if value in CLIENT_CREATED_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CLIENT_CREATED_STATUS_VALUES!r}")
