from typing import Literal

FixitOutMode = Literal["balanced", "conservative", "greedy"]

FIXIT_OUT_MODE_VALUES: set[FixitOutMode] = {
    "balanced",
    "conservative",
    "greedy",
}


def check_fixit_out_mode(value: str) -> FixitOutMode:
    if value in FIXIT_OUT_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FIXIT_OUT_MODE_VALUES!r}")
