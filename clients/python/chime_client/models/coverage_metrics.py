from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CoverageMetrics")


@_attrs_define
class CoverageMetrics:
    """
    Attributes:
        blocks_covered (int):
        blocks_total (int):
        coverage_rate (float | None):
        critical_gaps (int):
    """

    blocks_covered: int
    blocks_total: int
    coverage_rate: float | None
    critical_gaps: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        blocks_covered = self.blocks_covered

        blocks_total = self.blocks_total

        coverage_rate: float | None
        coverage_rate = self.coverage_rate

        critical_gaps = self.critical_gaps

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "blocks_covered": blocks_covered,
                "blocks_total": blocks_total,
                "coverage_rate": coverage_rate,
                "critical_gaps": critical_gaps,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        blocks_covered = d.pop("blocks_covered")

        blocks_total = d.pop("blocks_total")

        def _parse_coverage_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        coverage_rate = _parse_coverage_rate(d.pop("coverage_rate"))

        critical_gaps = d.pop("critical_gaps")

        coverage_metrics = cls(
            blocks_covered=blocks_covered,
            blocks_total=blocks_total,
            coverage_rate=coverage_rate,
            critical_gaps=critical_gaps,
        )

        coverage_metrics.additional_properties = d
        return coverage_metrics

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
