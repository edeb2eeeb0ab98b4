from typing import Literal

SitrepHealthStatus = Literal["critical", "degraded", "healthy"]

SITREP_HEALTH_STATUS_VALUES: set[SitrepHealthStatus] = {
    "critical",
    "degraded",
    "healthy",
}


def check_sitrep_health_status(value: str) -> SitrepHealthStatus:
    if value in SITREP_HEALTH_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SITREP_HEALTH_STATUS_VALUES!r}")
