from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FireMetrics")


@_attrs_define
class FireMetrics:
    """
    Attributes:
        fires_due (int):
        fires_late (int):
        fires_missed (int):
        fires_on_time (int):
        fires_overdue (int):
        fires_skipped (int):
        lateness_ms_p50 (float | None):
        lateness_ms_p99 (float | None):
    """

    fires_due: int
    fires_late: int
    fires_missed: int
    fires_on_time: int
    fires_overdue: int
    fires_skipped: int
    lateness_ms_p50: float | None
    lateness_ms_p99: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fires_due = self.fires_due

        fires_late = self.fires_late

        fires_missed = self.fires_missed

        fires_on_time = self.fires_on_time

        fires_overdue = self.fires_overdue

        fires_skipped = self.fires_skipped

        lateness_ms_p50: float | None
        lateness_ms_p50 = self.lateness_ms_p50

        lateness_ms_p99: float | None
        lateness_ms_p99 = self.lateness_ms_p99

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fires_due": fires_due,
                "fires_late": fires_late,
                "fires_missed": fires_missed,
                "fires_on_time": fires_on_time,
                "fires_overdue": fires_overdue,
                "fires_skipped": fires_skipped,
                "lateness_ms_p50": lateness_ms_p50,
                "lateness_ms_p99": lateness_ms_p99,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        fires_due = d.pop("fires_due")

        fires_late = d.pop("fires_late")

        fires_missed = d.pop("fires_missed")

        fires_on_time = d.pop("fires_on_time")

        fires_overdue = d.pop("fires_overdue")

        fires_skipped = d.pop("fires_skipped")

        def _parse_lateness_ms_p50(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        lateness_ms_p50 = _parse_lateness_ms_p50(d.pop("lateness_ms_p50"))

        def _parse_lateness_ms_p99(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        lateness_ms_p99 = _parse_lateness_ms_p99(d.pop("lateness_ms_p99"))

        fire_metrics = cls(
            fires_due=fires_due,
            fires_late=fires_late,
            fires_missed=fires_missed,
            fires_on_time=fires_on_time,
            fires_overdue=fires_overdue,
            fires_skipped=fires_skipped,
            lateness_ms_p50=lateness_ms_p50,
            lateness_ms_p99=lateness_ms_p99,
        )

        fire_metrics.additional_properties = d
        return fire_metrics

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
