from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.backfill_fire import BackfillFire


T = TypeVar("T", bound="BackfillOut")


@_attrs_define
class BackfillOut:
    """
    Attributes:
        awaiting_approval (bool): the workflow requires approval: the created runs await it
        created (int):
        dry_run (bool):
        end (datetime.datetime):
        existing (int):
        fires (list[BackfillFire]):
        message (str):
        next_start (datetime.datetime | None):
        planned (int):
        rate_per_second (float):
        schedule_id (UUID):
        start (datetime.datetime):
        truncated (bool): more than 1,000 fires in the range: continue from next_start
    """

    awaiting_approval: bool
    created: int
    dry_run: bool
    end: datetime.datetime
    existing: int
    fires: list[BackfillFire]
    message: str
    next_start: datetime.datetime | None
    planned: int
    rate_per_second: float
    schedule_id: UUID
    start: datetime.datetime
    truncated: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        awaiting_approval = self.awaiting_approval

        created = self.created

        dry_run = self.dry_run

        end = self.end.isoformat()

        existing = self.existing

        fires = []
        for fires_item_data in self.fires:
            fires_item = fires_item_data.to_dict()
            fires.append(fires_item)

        message = self.message

        next_start: None | str
        if isinstance(self.next_start, datetime.datetime):
            next_start = self.next_start.isoformat()
        else:
            next_start = self.next_start

        planned = self.planned

        rate_per_second = self.rate_per_second

        schedule_id = str(self.schedule_id)

        start = self.start.isoformat()

        truncated = self.truncated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "awaiting_approval": awaiting_approval,
                "created": created,
                "dry_run": dry_run,
                "end": end,
                "existing": existing,
                "fires": fires,
                "message": message,
                "next_start": next_start,
                "planned": planned,
                "rate_per_second": rate_per_second,
                "schedule_id": schedule_id,
                "start": start,
                "truncated": truncated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.backfill_fire import BackfillFire  # noqa: PLC0415

        d = dict(src_dict)
        awaiting_approval = d.pop("awaiting_approval")

        created = d.pop("created")

        dry_run = d.pop("dry_run")

        end = datetime.datetime.fromisoformat(d.pop("end"))

        existing = d.pop("existing")

        fires = []
        _fires = d.pop("fires")
        for fires_item_data in _fires:
            fires_item = BackfillFire.from_dict(fires_item_data)

            fires.append(fires_item)

        message = d.pop("message")

        def _parse_next_start(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_start_type_0 = datetime.datetime.fromisoformat(data)

                return next_start_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_start = _parse_next_start(d.pop("next_start"))

        planned = d.pop("planned")

        rate_per_second = d.pop("rate_per_second")

        schedule_id = UUID(d.pop("schedule_id"))

        start = datetime.datetime.fromisoformat(d.pop("start"))

        truncated = d.pop("truncated")

        backfill_out = cls(
            awaiting_approval=awaiting_approval,
            created=created,
            dry_run=dry_run,
            end=end,
            existing=existing,
            fires=fires,
            message=message,
            next_start=next_start,
            planned=planned,
            rate_per_second=rate_per_second,
            schedule_id=schedule_id,
            start=start,
            truncated=truncated,
        )

        backfill_out.additional_properties = d
        return backfill_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
