from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BackfillIn")


@_attrs_define
class BackfillIn:
    """
    Attributes:
        end (datetime.datetime): exclusive; not after now
        start (datetime.datetime):
        dry_run (bool | Unset):  Default: False.
    """

    end: datetime.datetime
    start: datetime.datetime
    dry_run: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        end = self.end.isoformat()

        start = self.start.isoformat()

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "end": end,
                "start": start,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        end = datetime.datetime.fromisoformat(d.pop("end"))

        start = datetime.datetime.fromisoformat(d.pop("start"))

        dry_run = d.pop("dry_run", UNSET)

        backfill_in = cls(
            end=end,
            start=start,
            dry_run=dry_run,
        )

        return backfill_in
