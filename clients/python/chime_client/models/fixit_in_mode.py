from typing import Literal

FixitInMode = Literal["balanced", "conservative", "greedy"]

FIXIT_IN_MODE_VALUES: set[FixitInMode] = {
    "balanced",
    "conservative",
    "greedy",
}


def check_fixit_in_mode(value: str) -> FixitInMode:
    if value in FIXIT_IN_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FIXIT_IN_MODE_VALUES!r}")
