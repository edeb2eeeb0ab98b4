from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_in_payload import EventInPayload


T = TypeVar("T", bound="EventIn")


@_attrs_define
class EventIn:
    """
    Attributes:
        type_ (str):
        event_id (None | str | Unset):
        occurred_at (datetime.datetime | None | Unset):
        payload (EventInPayload | Unset):
    """

    type_: str
    event_id: None | str | Unset = UNSET
    occurred_at: datetime.datetime | None | Unset = UNSET
    payload: EventInPayload | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        event_id: None | str | Unset
        if isinstance(self.event_id, Unset):
            event_id = UNSET
        else:
            event_id = self.event_id

        occurred_at: None | str | Unset
        if isinstance(self.occurred_at, Unset):
            occurred_at = UNSET
        elif isinstance(self.occurred_at, datetime.datetime):
            occurred_at = self.occurred_at.isoformat()
        else:
            occurred_at = self.occurred_at

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if occurred_at is not UNSET:
            field_dict["occurred_at"] = occurred_at
        if payload is not UNSET:
            field_dict["payload"] = payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_in_payload import EventInPayload  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        def _parse_event_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_id = _parse_event_id(d.pop("event_id", UNSET))

        def _parse_occurred_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                occurred_at_type_0 = datetime.datetime.fromisoformat(data)

                return occurred_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        occurred_at = _parse_occurred_at(d.pop("occurred_at", UNSET))

        _payload = d.pop("payload", UNSET)
        payload: EventInPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = EventInPayload.from_dict(_payload)

        event_in = cls(
            type_=type_,
            event_id=event_id,
            occurred_at=occurred_at,
            payload=payload,
        )

        return event_in
