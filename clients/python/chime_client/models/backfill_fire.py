from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.backfill_fire_status import BackfillFireStatus, check_backfill_fire_status

T = TypeVar("T", bound="BackfillFire")


@_attrs_define
class BackfillFire:
    """
    Attributes:
        execution_id (None | UUID):
        run_after (datetime.datetime | None):
        scheduled_for (datetime.datetime):
        status (BackfillFireStatus):
    """

    execution_id: None | UUID
    run_after: datetime.datetime | None
    scheduled_for: datetime.datetime
    status: BackfillFireStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        execution_id: None | str
        if isinstance(self.execution_id, UUID):
            execution_id = str(self.execution_id)
        else:
            execution_id = self.execution_id

        run_after: None | str
        if isinstance(self.run_after, datetime.datetime):
            run_after = self.run_after.isoformat()
        else:
            run_after = self.run_after

        scheduled_for = self.scheduled_for.isoformat()

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "run_after": run_after,
                "scheduled_for": scheduled_for,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_execution_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                execution_id_type_0 = UUID(data)

                return execution_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        execution_id = _parse_execution_id(d.pop("execution_id"))

        def _parse_run_after(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_after_type_0 = datetime.datetime.fromisoformat(data)

                return run_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        run_after = _parse_run_after(d.pop("run_after"))

        scheduled_for = datetime.datetime.fromisoformat(d.pop("scheduled_for"))

        status = check_backfill_fire_status(d.pop("status"))

        backfill_fire = cls(
            execution_id=execution_id,
            run_after=run_after,
            scheduled_for=scheduled_for,
            status=status,
        )

        backfill_fire.additional_properties = d
        return backfill_fire

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
