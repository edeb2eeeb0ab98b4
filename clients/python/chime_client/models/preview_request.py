from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config import ScheduleConfig


T = TypeVar("T", bound="PreviewRequest")


@_attrs_define
class PreviewRequest:
    """
    Attributes:
        schedule_config (ScheduleConfig):
        after (datetime.datetime | None | Unset):
        count (int | Unset):  Default: 10.
    """

    schedule_config: ScheduleConfig
    after: datetime.datetime | None | Unset = UNSET
    count: int | Unset = 10

    def to_dict(self) -> dict[str, Any]:
        schedule_config = self.schedule_config.to_dict()

        after: None | str | Unset
        if isinstance(self.after, Unset):
            after = UNSET
        elif isinstance(self.after, datetime.datetime):
            after = self.after.isoformat()
        else:
            after = self.after

        count = self.count

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "schedule_config": schedule_config,
            }
        )
        if after is not UNSET:
            field_dict["after"] = after
        if count is not UNSET:
            field_dict["count"] = count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config import ScheduleConfig  # noqa: PLC0415

        d = dict(src_dict)
        schedule_config = ScheduleConfig.from_dict(d.pop("schedule_config"))

        def _parse_after(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                after_type_0 = datetime.datetime.fromisoformat(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        after = _parse_after(d.pop("after", UNSET))

        count = d.pop("count", UNSET)

        preview_request = cls(
            schedule_config=schedule_config,
            after=after,
            count=count,
        )

        return preview_request
