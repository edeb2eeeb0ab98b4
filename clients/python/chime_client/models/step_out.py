from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="StepOut")


@_attrs_define
class StepOut:
    """
    Attributes:
        duration_ms (int | None):
        error (None | str):
        finished_at (datetime.datetime | None):
        node_id (str):
        node_type (str):
        sequence (int):
        started_at (datetime.datetime):
        status (str):
        input_ (Any | Unset):
        output (Any | Unset):
    """

    duration_ms: int | None
    error: None | str
    finished_at: datetime.datetime | None
    node_id: str
    node_type: str
    sequence: int
    started_at: datetime.datetime
    status: str
    input_: Any | Unset = UNSET
    output: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms: int | None
        duration_ms = self.duration_ms

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        node_id = self.node_id

        node_type = self.node_type

        sequence = self.sequence

        started_at = self.started_at.isoformat()

        status = self.status

        input_ = self.input_

        output = self.output

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "error": error,
                "finished_at": finished_at,
                "node_id": node_id,
                "node_type": node_type,
                "sequence": sequence,
                "started_at": started_at,
                "status": status,
            }
        )
        if input_ is not UNSET:
            field_dict["input"] = input_
        if output is not UNSET:
            field_dict["output"] = output

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        node_id = d.pop("node_id")

        node_type = d.pop("node_type")

        sequence = d.pop("sequence")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        status = d.pop("status")

        input_ = d.pop("input", UNSET)

        output = d.pop("output", UNSET)

        step_out = cls(
            duration_ms=duration_ms,
            error=error,
            finished_at=finished_at,
            node_id=node_id,
            node_type=node_type,
            sequence=sequence,
            started_at=started_at,
            status=status,
            input_=input_,
            output=output,
        )

        step_out.additional_properties = d
        return step_out

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
