from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.fixit_in_mode import FixitInMode, check_fixit_in_mode
from ..types import UNSET, Unset

T = TypeVar("T", bound="FixitIn")


@_attrs_define
class FixitIn:
    """
    Attributes:
        mode (FixitInMode):
        auto_approve (bool | Unset):  Default: False.
        dry_run (bool | Unset):  Default: False.
        limit (int | Unset):  Default: 100.
        max_retries (int | Unset):  Default: 3.
        schedule_ids (list[UUID] | None | Unset):
        window (str | Unset):  Default: '24h'.
    """

    mode: FixitInMode
    auto_approve: bool | Unset = False
    dry_run: bool | Unset = False
    limit: int | Unset = 100
    max_retries: int | Unset = 3
    schedule_ids: list[UUID] | None | Unset = UNSET
    window: str | Unset = "24h"

    def to_dict(self) -> dict[str, Any]:
        mode: str = self.mode

        auto_approve = self.auto_approve

        dry_run = self.dry_run

        limit = self.limit

        max_retries = self.max_retries

        schedule_ids: list[str] | None | Unset
        if isinstance(self.schedule_ids, Unset):
            schedule_ids = UNSET
        elif isinstance(self.schedule_ids, list):
            schedule_ids = []
            for schedule_ids_type_0_item_data in self.schedule_ids:
                schedule_ids_type_0_item = str(schedule_ids_type_0_item_data)
                schedule_ids.append(schedule_ids_type_0_item)

        else:
            schedule_ids = self.schedule_ids

        window = self.window

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mode": mode,
            }
        )
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if limit is not UNSET:
            field_dict["limit"] = limit
        if max_retries is not UNSET:
            field_dict["max_retries"] = max_retries
        if schedule_ids is not UNSET:
            field_dict["schedule_ids"] = schedule_ids
        if window is not UNSET:
            field_dict["window"] = window

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mode = check_fixit_in_mode(d.pop("mode"))

        auto_approve = d.pop("auto_approve", UNSET)

        dry_run = d.pop("dry_run", UNSET)

        limit = d.pop("limit", UNSET)

        max_retries = d.pop("max_retries", UNSET)

        def _parse_schedule_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                schedule_ids_type_0 = []
                _schedule_ids_type_0 = data
                for schedule_ids_type_0_item_data in _schedule_ids_type_0:
                    schedule_ids_type_0_item = UUID(schedule_ids_type_0_item_data)

                    schedule_ids_type_0.append(schedule_ids_type_0_item)

                return schedule_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        schedule_ids = _parse_schedule_ids(d.pop("schedule_ids", UNSET))

        window = d.pop("window", UNSET)

        fixit_in = cls(
            mode=mode,
            auto_approve=auto_approve,
            dry_run=dry_run,
            limit=limit,
            max_retries=max_retries,
            schedule_ids=schedule_ids,
            window=window,
        )

        return fixit_in
