from typing import Literal

ClientOutStatus = Literal["active", "revoked"]

CLIENT_OUT_STATUS_VALUES: set[ClientOutStatus] = {
    "active",
    "revoked",
}


def check_client_out_status(value: str) -> ClientOutStatus:
    if value in CLIENT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CLIENT_OUT_STATUS_VALUES!r}")
