from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.schedule_config_overlap_policy import ScheduleConfigOverlapPolicy, check_schedule_config_overlap_policy
from ..models.schedule_config_schedule_type import ScheduleConfigScheduleType, check_schedule_config_schedule_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config_event_filter_type_0 import ScheduleConfigEventFilterType0


T = TypeVar("T", bound="ScheduleConfig")


@_attrs_define
class ScheduleConfig:
    """
    Attributes:
        schedule_type (ScheduleConfigScheduleType):
        cron_expression (None | str | Unset):
        end_at (datetime.datetime | None | Unset):
        event_filter (None | ScheduleConfigEventFilterType0 | Unset):
        event_type (None | str | Unset):
        grace_period_seconds (int | Unset):  Default: 900.
        interval_seconds (int | None | Unset):
        jitter_seconds (int | Unset):  Default: 0.
        max_executions (int | None | Unset):
        overlap_policy (ScheduleConfigOverlapPolicy | Unset):  Default: 'skip'.
        rrule (None | str | Unset):
        scheduled_time (datetime.datetime | None | Unset):
        start_at (datetime.datetime | None | Unset):
        timezone (str | Unset):  Default: 'UTC'.
    """

    schedule_type: ScheduleConfigScheduleType
    cron_expression: None | str | Unset = UNSET
    end_at: datetime.datetime | None | Unset = UNSET
    event_filter: None | ScheduleConfigEventFilterType0 | Unset = UNSET
    event_type: None | str | Unset = UNSET
    grace_period_seconds: int | Unset = 900
    interval_seconds: int | None | Unset = UNSET
    jitter_seconds: int | Unset = 0
    max_executions: int | None | Unset = UNSET
    overlap_policy: ScheduleConfigOverlapPolicy | Unset = "skip"
    rrule: None | str | Unset = UNSET
    scheduled_time: datetime.datetime | None | Unset = UNSET
    start_at: datetime.datetime | None | Unset = UNSET
    timezone: str | Unset = "UTC"

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_config_event_filter_type_0 import ScheduleConfigEventFilterType0  # noqa: PLC0415

        schedule_type: str = self.schedule_type

        cron_expression: None | str | Unset
        if isinstance(self.cron_expression, Unset):
            cron_expression = UNSET
        else:
            cron_expression = self.cron_expression

        end_at: None | str | Unset
        if isinstance(self.end_at, Unset):
            end_at = UNSET
        elif isinstance(self.end_at, datetime.datetime):
            end_at = self.end_at.isoformat()
        else:
            end_at = self.end_at

        event_filter: dict[str, Any] | None | Unset
        if isinstance(self.event_filter, Unset):
            event_filter = UNSET
        elif isinstance(self.event_filter, ScheduleConfigEventFilterType0):
            event_filter = self.event_filter.to_dict()
        else:
            event_filter = self.event_filter

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        grace_period_seconds = self.grace_period_seconds

        interval_seconds: int | None | Unset
        if isinstance(self.interval_seconds, Unset):
            interval_seconds = UNSET
        else:
            interval_seconds = self.interval_seconds

        jitter_seconds = self.jitter_seconds

        max_executions: int | None | Unset
        if isinstance(self.max_executions, Unset):
            max_executions = UNSET
        else:
            max_executions = self.max_executions

        overlap_policy: str | Unset = UNSET
        if not isinstance(self.overlap_policy, Unset):
            overlap_policy = self.overlap_policy

        rrule: None | str | Unset
        if isinstance(self.rrule, Unset):
            rrule = UNSET
        else:
            rrule = self.rrule

        scheduled_time: None | str | Unset
        if isinstance(self.scheduled_time, Unset):
            scheduled_time = UNSET
        elif isinstance(self.scheduled_time, datetime.datetime):
            scheduled_time = self.scheduled_time.isoformat()
        else:
            scheduled_time = self.scheduled_time

        start_at: None | str | Unset
        if isinstance(self.start_at, Unset):
            start_at = UNSET
        elif isinstance(self.start_at, datetime.datetime):
            start_at = self.start_at.isoformat()
        else:
            start_at = self.start_at

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "schedule_type": schedule_type,
            }
        )
        if cron_expression is not UNSET:
            field_dict["cron_expression"] = cron_expression
        if end_at is not UNSET:
            field_dict["end_at"] = end_at
        if event_filter is not UNSET:
            field_dict["event_filter"] = event_filter
        if event_type is not UNSET:
            field_dict["event_type"] = event_type
        if grace_period_seconds is not UNSET:
            field_dict["grace_period_seconds"] = grace_period_seconds
        if interval_seconds is not UNSET:
            field_dict["interval_seconds"] = interval_seconds
        if jitter_seconds is not UNSET:
            field_dict["jitter_seconds"] = jitter_seconds
        if max_executions is not UNSET:
            field_dict["max_executions"] = max_executions
        if overlap_policy is not UNSET:
            field_dict["overlap_policy"] = overlap_policy
        if rrule is not UNSET:
            field_dict["rrule"] = rrule
        if scheduled_time is not UNSET:
            field_dict["scheduled_time"] = scheduled_time
        if start_at is not UNSET:
            field_dict["start_at"] = start_at
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config_event_filter_type_0 import ScheduleConfigEventFilterType0  # noqa: PLC0415

        d = dict(src_dict)
        schedule_type = check_schedule_config_schedule_type(d.pop("schedule_type"))

        def _parse_cron_expression(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron_expression = _parse_cron_expression(d.pop("cron_expression", UNSET))

        def _parse_end_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_at_type_0 = datetime.datetime.fromisoformat(data)

                return end_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        end_at = _parse_end_at(d.pop("end_at", UNSET))

        def _parse_event_filter(data: object) -> None | ScheduleConfigEventFilterType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                event_filter_type_0 = ScheduleConfigEventFilterType0.from_dict(data)

                return event_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleConfigEventFilterType0 | Unset, data)

        event_filter = _parse_event_filter(d.pop("event_filter", UNSET))

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("event_type", UNSET))

        grace_period_seconds = d.pop("grace_period_seconds", UNSET)

        def _parse_interval_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds", UNSET))

        jitter_seconds = d.pop("jitter_seconds", UNSET)

        def _parse_max_executions(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_executions = _parse_max_executions(d.pop("max_executions", UNSET))

        _overlap_policy = d.pop("overlap_policy", UNSET)
        overlap_policy: ScheduleConfigOverlapPolicy | Unset
        if isinstance(_overlap_policy, Unset):
            overlap_policy = UNSET
        else:
            overlap_policy = check_schedule_config_overlap_policy(_overlap_policy)

        def _parse_rrule(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rrule = _parse_rrule(d.pop("rrule", UNSET))

        def _parse_scheduled_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scheduled_time_type_0 = datetime.datetime.fromisoformat(data)

                return scheduled_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        scheduled_time = _parse_scheduled_time(d.pop("scheduled_time", UNSET))

        def _parse_start_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_at_type_0 = datetime.datetime.fromisoformat(data)

                return start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        start_at = _parse_start_at(d.pop("start_at", UNSET))

        timezone = d.pop("timezone", UNSET)

        schedule_config = cls(
            schedule_type=schedule_type,
            cron_expression=cron_expression,
            end_at=end_at,
            event_filter=event_filter,
            event_type=event_type,
            grace_period_seconds=grace_period_seconds,
            interval_seconds=interval_seconds,
            jitter_seconds=jitter_seconds,
            max_executions=max_executions,
            overlap_policy=overlap_policy,
            rrule=rrule,
            scheduled_time=scheduled_time,
            start_at=start_at,
            timezone=timezone,
        )

        return schedule_config
