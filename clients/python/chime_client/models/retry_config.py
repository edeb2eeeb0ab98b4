from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.retry_config_backoff import RetryConfigBackoff, check_retry_config_backoff
from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryConfig")


@_attrs_define
class RetryConfig:
    """
    Attributes:
        backoff (RetryConfigBackoff | Unset):  Default: 'exponential_jitter'.
        base_seconds (float | Unset):  Default: 1.0.
        max_retries (int | Unset):  Default: 0.
        max_seconds (float | Unset):  Default: 300.0.
    """

    backoff: RetryConfigBackoff | Unset = "exponential_jitter"
    base_seconds: float | Unset = 1.0
    max_retries: int | Unset = 0
    max_seconds: float | Unset = 300.0

    def to_dict(self) -> dict[str, Any]:
        backoff: str | Unset = UNSET
        if not isinstance(self.backoff, Unset):
            backoff = self.backoff

        base_seconds = self.base_seconds

        max_retries = self.max_retries

        max_seconds = self.max_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if backoff is not UNSET:
            field_dict["backoff"] = backoff
        if base_seconds is not UNSET:
            field_dict["base_seconds"] = base_seconds
        if max_retries is not UNSET:
            field_dict["max_retries"] = max_retries
        if max_seconds is not UNSET:
            field_dict["max_seconds"] = max_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _backoff = d.pop("backoff", UNSET)
        backoff: RetryConfigBackoff | Unset
        if isinstance(_backoff, Unset):
            backoff = UNSET
        else:
            backoff = check_retry_config_backoff(_backoff)

        base_seconds = d.pop("base_seconds", UNSET)

        max_retries = d.pop("max_retries", UNSET)

        max_seconds = d.pop("max_seconds", UNSET)

        retry_config = cls(
            backoff=backoff,
            base_seconds=base_seconds,
            max_retries=max_retries,
            max_seconds=max_seconds,
        )

        return retry_config
