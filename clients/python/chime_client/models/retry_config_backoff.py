from typing import Literal

RetryConfigBackoff = Literal["exponential_jitter", "fixed"]

RETRY_CONFIG_BACKOFF_VALUES: set[RetryConfigBackoff] = {
    "exponential_jitter",
    "fixed",
}


def check_retry_config_backoff(value: str) -> RetryConfigBackoff:
    if value in RETRY_CONFIG_BACKOFF_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RETRY_CONFIG_BACKOFF_VALUES!r}")
