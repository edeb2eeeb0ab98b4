from typing import Literal

BackfillFireStatus = Literal["created", "exists", "planned"]

BACKFILL_FIRE_STATUS_VALUES: set[BackfillFireStatus] = {
    "created",
    "exists",
    "planned",
}


def check_backfill_fire_status(value: str) -> BackfillFireStatus:
    if value in BACKFILL_FIRE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BACKFILL_FIRE_STATUS_VALUES!r}")
