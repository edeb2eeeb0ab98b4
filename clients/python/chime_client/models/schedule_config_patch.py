from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.schedule_config_patch_overlap_policy_type_0 import (
    ScheduleConfigPatchOverlapPolicyType0,
    check_schedule_config_patch_overlap_policy_type_0,
)
from ..models.schedule_config_patch_schedule_type_type_0 import (
    ScheduleConfigPatchScheduleTypeType0,
    check_schedule_config_patch_schedule_type_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config_patch_event_filter_type_0 import ScheduleConfigPatchEventFilterType0


T = TypeVar("T", bound="ScheduleConfigPatch")


@_attrs_define
class ScheduleConfigPatch:
    """
    Attributes:
        cron_expression (None | str | Unset):
        end_at (datetime.datetime | None | Unset):
        event_filter (None | ScheduleConfigPatchEventFilterType0 | Unset):
        event_type (None | str | Unset):
        grace_period_seconds (int | None | Unset):
        interval_seconds (int | None | Unset):
        jitter_seconds (int | None | Unset):
        max_executions (int | None | Unset):
        overlap_policy (None | ScheduleConfigPatchOverlapPolicyType0 | Unset):
        rrule (None | str | Unset):
        schedule_type (None | ScheduleConfigPatchScheduleTypeType0 | Unset):
        scheduled_time (datetime.datetime | None | Unset):
        start_at (datetime.datetime | None | Unset):
        timezone (None | str | Unset):
    """

    cron_expression: None | str | Unset = UNSET
    end_at: datetime.datetime | None | Unset = UNSET
    event_filter: None | ScheduleConfigPatchEventFilterType0 | Unset = UNSET
    event_type: None | str | Unset = UNSET
    grace_period_seconds: int | None | Unset = UNSET
    interval_seconds: int | None | Unset = UNSET
    jitter_seconds: int | None | Unset = UNSET
    max_executions: int | None | Unset = UNSET
    overlap_policy: None | ScheduleConfigPatchOverlapPolicyType0 | Unset = UNSET
    rrule: None | str | Unset = UNSET
    schedule_type: None | ScheduleConfigPatchScheduleTypeType0 | Unset = UNSET
    scheduled_time: datetime.datetime | None | Unset = UNSET
    start_at: datetime.datetime | None | Unset = UNSET
    timezone: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_config_patch_event_filter_type_0 import ScheduleConfigPatchEventFilterType0  # noqa: PLC0415

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
        elif isinstance(self.event_filter, ScheduleConfigPatchEventFilterType0):
            event_filter = self.event_filter.to_dict()
        else:
            event_filter = self.event_filter

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        grace_period_seconds: int | None | Unset
        if isinstance(self.grace_period_seconds, Unset):
            grace_period_seconds = UNSET
        else:
            grace_period_seconds = self.grace_period_seconds

        interval_seconds: int | None | Unset
        if isinstance(self.interval_seconds, Unset):
            interval_seconds = UNSET
        else:
            interval_seconds = self.interval_seconds

        jitter_seconds: int | None | Unset
        if isinstance(self.jitter_seconds, Unset):
            jitter_seconds = UNSET
        else:
            jitter_seconds = self.jitter_seconds

        max_executions: int | None | Unset
        if isinstance(self.max_executions, Unset):
            max_executions = UNSET
        else:
            max_executions = self.max_executions

        overlap_policy: None | str | Unset
        if isinstance(self.overlap_policy, Unset):
            overlap_policy = UNSET
        elif isinstance(self.overlap_policy, str):
            overlap_policy = self.overlap_policy
        else:
            overlap_policy = self.overlap_policy

        rrule: None | str | Unset
        if isinstance(self.rrule, Unset):
            rrule = UNSET
        else:
            rrule = self.rrule

        schedule_type: None | str | Unset
        if isinstance(self.schedule_type, Unset):
            schedule_type = UNSET
        elif isinstance(self.schedule_type, str):
            schedule_type = self.schedule_type
        else:
            schedule_type = self.schedule_type

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

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update({})
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
        if schedule_type is not UNSET:
            field_dict["schedule_type"] = schedule_type
        if scheduled_time is not UNSET:
            field_dict["scheduled_time"] = scheduled_time
        if start_at is not UNSET:
            field_dict["start_at"] = start_at
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config_patch_event_filter_type_0 import ScheduleConfigPatchEventFilterType0  # noqa: PLC0415

        d = dict(src_dict)

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

        def _parse_event_filter(data: object) -> None | ScheduleConfigPatchEventFilterType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                event_filter_type_0 = ScheduleConfigPatchEventFilterType0.from_dict(data)

                return event_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleConfigPatchEventFilterType0 | Unset, data)

        event_filter = _parse_event_filter(d.pop("event_filter", UNSET))

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("event_type", UNSET))

        def _parse_grace_period_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        grace_period_seconds = _parse_grace_period_seconds(d.pop("grace_period_seconds", UNSET))

        def _parse_interval_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds", UNSET))

        def _parse_jitter_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        jitter_seconds = _parse_jitter_seconds(d.pop("jitter_seconds", UNSET))

        def _parse_max_executions(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_executions = _parse_max_executions(d.pop("max_executions", UNSET))

        def _parse_overlap_policy(data: object) -> None | ScheduleConfigPatchOverlapPolicyType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                overlap_policy_type_0 = check_schedule_config_patch_overlap_policy_type_0(data)

                return overlap_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleConfigPatchOverlapPolicyType0 | Unset, data)

        overlap_policy = _parse_overlap_policy(d.pop("overlap_policy", UNSET))

        def _parse_rrule(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rrule = _parse_rrule(d.pop("rrule", UNSET))

        def _parse_schedule_type(data: object) -> None | ScheduleConfigPatchScheduleTypeType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                schedule_type_type_0 = check_schedule_config_patch_schedule_type_type_0(data)

                return schedule_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleConfigPatchScheduleTypeType0 | Unset, data)

        schedule_type = _parse_schedule_type(d.pop("schedule_type", UNSET))

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

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        schedule_config_patch = cls(
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
            schedule_type=schedule_type,
            scheduled_time=scheduled_time,
            start_at=start_at,
            timezone=timezone,
        )

        return schedule_config_patch
