from typing import Literal

SitrepItemSeverity = Literal["critical", "info", "warning"]

SITREP_ITEM_SEVERITY_VALUES: set[SitrepItemSeverity] = {
    "critical",
    "info",
    "warning",
}


def check_sitrep_item_severity(value: str) -> SitrepItemSeverity:
    if value in SITREP_ITEM_SEVERITY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SITREP_ITEM_SEVERITY_VALUES!r}")
