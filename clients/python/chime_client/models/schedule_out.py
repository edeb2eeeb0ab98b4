from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.schedule_out_overlap_policy import ScheduleOutOverlapPolicy, check_schedule_out_overlap_policy
from ..models.schedule_out_schedule_type import ScheduleOutScheduleType, check_schedule_out_schedule_type
from ..models.schedule_out_status import ScheduleOutStatus, check_schedule_out_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_out_context_data import ScheduleOutContextData
    from ..models.schedule_out_event_filter_type_0 import ScheduleOutEventFilterType0


T = TypeVar("T", bound="ScheduleOut")


@_attrs_define
class ScheduleOut:
    """
    Attributes:
        community_id (int):
        context_data (ScheduleOutContextData):
        created_at (datetime.datetime):
        created_by (None | str):
        cron_expression (None | str):
        description (str):
        end_at (datetime.datetime | None):
        execution_count (int):
        grace_period_seconds (int):
        interval_seconds (int | None):
        is_active (bool):
        jitter_seconds (int):
        last_execution_at (datetime.datetime | None):
        last_execution_id (None | UUID):
        last_status (None | str):
        max_executions (int | None):
        name (None | str):
        next_execution_at (datetime.datetime | None):
        overlap_policy (ScheduleOutOverlapPolicy):
        paused_at (datetime.datetime | None):
        paused_by (None | str):
        paused_note (None | str):
        rrule (None | str):
        schedule_id (UUID):
        schedule_type (ScheduleOutScheduleType):
        scheduled_time (datetime.datetime | None):
        snoozed_until (datetime.datetime | None):
        start_at (datetime.datetime | None):
        status (ScheduleOutStatus):
        timezone (str):
        updated_at (datetime.datetime):
        updated_by (None | str):
        version (int):
        workflow_id (UUID):
        event_filter (None | ScheduleOutEventFilterType0 | Unset):
        event_type (None | str | Unset):
    """

    community_id: int
    context_data: ScheduleOutContextData
    created_at: datetime.datetime
    created_by: None | str
    cron_expression: None | str
    description: str
    end_at: datetime.datetime | None
    execution_count: int
    grace_period_seconds: int
    interval_seconds: int | None
    is_active: bool
    jitter_seconds: int
    last_execution_at: datetime.datetime | None
    last_execution_id: None | UUID
    last_status: None | str
    max_executions: int | None
    name: None | str
    next_execution_at: datetime.datetime | None
    overlap_policy: ScheduleOutOverlapPolicy
    paused_at: datetime.datetime | None
    paused_by: None | str
    paused_note: None | str
    rrule: None | str
    schedule_id: UUID
    schedule_type: ScheduleOutScheduleType
    scheduled_time: datetime.datetime | None
    snoozed_until: datetime.datetime | None
    start_at: datetime.datetime | None
    status: ScheduleOutStatus
    timezone: str
    updated_at: datetime.datetime
    updated_by: None | str
    version: int
    workflow_id: UUID
    event_filter: None | ScheduleOutEventFilterType0 | Unset = UNSET
    event_type: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_out_event_filter_type_0 import ScheduleOutEventFilterType0  # noqa: PLC0415

        community_id = self.community_id

        context_data = self.context_data.to_dict()

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        cron_expression: None | str
        cron_expression = self.cron_expression

        description = self.description

        end_at: None | str
        if isinstance(self.end_at, datetime.datetime):
            end_at = self.end_at.isoformat()
        else:
            end_at = self.end_at

        execution_count = self.execution_count

        grace_period_seconds = self.grace_period_seconds

        interval_seconds: int | None
        interval_seconds = self.interval_seconds

        is_active = self.is_active

        jitter_seconds = self.jitter_seconds

        last_execution_at: None | str
        if isinstance(self.last_execution_at, datetime.datetime):
            last_execution_at = self.last_execution_at.isoformat()
        else:
            last_execution_at = self.last_execution_at

        last_execution_id: None | str
        if isinstance(self.last_execution_id, UUID):
            last_execution_id = str(self.last_execution_id)
        else:
            last_execution_id = self.last_execution_id

        last_status: None | str
        last_status = self.last_status

        max_executions: int | None
        max_executions = self.max_executions

        name: None | str
        name = self.name

        next_execution_at: None | str
        if isinstance(self.next_execution_at, datetime.datetime):
            next_execution_at = self.next_execution_at.isoformat()
        else:
            next_execution_at = self.next_execution_at

        overlap_policy: str = self.overlap_policy

        paused_at: None | str
        if isinstance(self.paused_at, datetime.datetime):
            paused_at = self.paused_at.isoformat()
        else:
            paused_at = self.paused_at

        paused_by: None | str
        paused_by = self.paused_by

        paused_note: None | str
        paused_note = self.paused_note

        rrule: None | str
        rrule = self.rrule

        schedule_id = str(self.schedule_id)

        schedule_type: str = self.schedule_type

        scheduled_time: None | str
        if isinstance(self.scheduled_time, datetime.datetime):
            scheduled_time = self.scheduled_time.isoformat()
        else:
            scheduled_time = self.scheduled_time

        snoozed_until: None | str
        if isinstance(self.snoozed_until, datetime.datetime):
            snoozed_until = self.snoozed_until.isoformat()
        else:
            snoozed_until = self.snoozed_until

        start_at: None | str
        if isinstance(self.start_at, datetime.datetime):
            start_at = self.start_at.isoformat()
        else:
            start_at = self.start_at

        status: str = self.status

        timezone = self.timezone

        updated_at = self.updated_at.isoformat()

        updated_by: None | str
        updated_by = self.updated_by

        version = self.version

        workflow_id = str(self.workflow_id)

        event_filter: dict[str, Any] | None | Unset
        if isinstance(self.event_filter, Unset):
            event_filter = UNSET
        elif isinstance(self.event_filter, ScheduleOutEventFilterType0):
            event_filter = self.event_filter.to_dict()
        else:
            event_filter = self.event_filter

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "community_id": community_id,
                "context_data": context_data,
                "created_at": created_at,
                "created_by": created_by,
                "cron_expression": cron_expression,
                "description": description,
                "end_at": end_at,
                "execution_count": execution_count,
                "grace_period_seconds": grace_period_seconds,
                "interval_seconds": interval_seconds,
                "is_active": is_active,
                "jitter_seconds": jitter_seconds,
                "last_execution_at": last_execution_at,
                "last_execution_id": last_execution_id,
                "last_status": last_status,
                "max_executions": max_executions,
                "name": name,
                "next_execution_at": next_execution_at,
                "overlap_policy": overlap_policy,
                "paused_at": paused_at,
                "paused_by": paused_by,
                "paused_note": paused_note,
                "rrule": rrule,
                "schedule_id": schedule_id,
                "schedule_type": schedule_type,
                "scheduled_time": scheduled_time,
                "snoozed_until": snoozed_until,
                "start_at": start_at,
                "status": status,
                "timezone": timezone,
                "updated_at": updated_at,
                "updated_by": updated_by,
                "version": version,
                "workflow_id": workflow_id,
            }
        )
        if event_filter is not UNSET:
            field_dict["event_filter"] = event_filter
        if event_type is not UNSET:
            field_dict["event_type"] = event_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_out_context_data import ScheduleOutContextData  # noqa: PLC0415
        from ..models.schedule_out_event_filter_type_0 import ScheduleOutEventFilterType0  # noqa: PLC0415

        d = dict(src_dict)
        community_id = d.pop("community_id")

        context_data = ScheduleOutContextData.from_dict(d.pop("context_data"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        def _parse_cron_expression(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cron_expression = _parse_cron_expression(d.pop("cron_expression"))

        description = d.pop("description")

        def _parse_end_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_at_type_0 = datetime.datetime.fromisoformat(data)

                return end_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        end_at = _parse_end_at(d.pop("end_at"))

        execution_count = d.pop("execution_count")

        grace_period_seconds = d.pop("grace_period_seconds")

        def _parse_interval_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds"))

        is_active = d.pop("is_active")

        jitter_seconds = d.pop("jitter_seconds")

        def _parse_last_execution_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_execution_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_execution_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_execution_at = _parse_last_execution_at(d.pop("last_execution_at"))

        def _parse_last_execution_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_execution_id_type_0 = UUID(data)

                return last_execution_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        last_execution_id = _parse_last_execution_id(d.pop("last_execution_id"))

        def _parse_last_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_status = _parse_last_status(d.pop("last_status"))

        def _parse_max_executions(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_executions = _parse_max_executions(d.pop("max_executions"))

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        def _parse_next_execution_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_execution_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_execution_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_execution_at = _parse_next_execution_at(d.pop("next_execution_at"))

        overlap_policy = check_schedule_out_overlap_policy(d.pop("overlap_policy"))

        def _parse_paused_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paused_at_type_0 = datetime.datetime.fromisoformat(data)

                return paused_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        paused_at = _parse_paused_at(d.pop("paused_at"))

        def _parse_paused_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        paused_by = _parse_paused_by(d.pop("paused_by"))

        def _parse_paused_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        paused_note = _parse_paused_note(d.pop("paused_note"))

        def _parse_rrule(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rrule = _parse_rrule(d.pop("rrule"))

        schedule_id = UUID(d.pop("schedule_id"))

        schedule_type = check_schedule_out_schedule_type(d.pop("schedule_type"))

        def _parse_scheduled_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scheduled_time_type_0 = datetime.datetime.fromisoformat(data)

                return scheduled_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        scheduled_time = _parse_scheduled_time(d.pop("scheduled_time"))

        def _parse_snoozed_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                snoozed_until_type_0 = datetime.datetime.fromisoformat(data)

                return snoozed_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        snoozed_until = _parse_snoozed_until(d.pop("snoozed_until"))

        def _parse_start_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_at_type_0 = datetime.datetime.fromisoformat(data)

                return start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start_at = _parse_start_at(d.pop("start_at"))

        status = check_schedule_out_status(d.pop("status"))

        timezone = d.pop("timezone")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_updated_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_by = _parse_updated_by(d.pop("updated_by"))

        version = d.pop("version")

        workflow_id = UUID(d.pop("workflow_id"))

        def _parse_event_filter(data: object) -> None | ScheduleOutEventFilterType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                event_filter_type_0 = ScheduleOutEventFilterType0.from_dict(data)

                return event_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleOutEventFilterType0 | Unset, data)

        event_filter = _parse_event_filter(d.pop("event_filter", UNSET))

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("event_type", UNSET))

        schedule_out = cls(
            community_id=community_id,
            context_data=context_data,
            created_at=created_at,
            created_by=created_by,
            cron_expression=cron_expression,
            description=description,
            end_at=end_at,
            execution_count=execution_count,
            grace_period_seconds=grace_period_seconds,
            interval_seconds=interval_seconds,
            is_active=is_active,
            jitter_seconds=jitter_seconds,
            last_execution_at=last_execution_at,
            last_execution_id=last_execution_id,
            last_status=last_status,
            max_executions=max_executions,
            name=name,
            next_execution_at=next_execution_at,
            overlap_policy=overlap_policy,
            paused_at=paused_at,
            paused_by=paused_by,
            paused_note=paused_note,
            rrule=rrule,
            schedule_id=schedule_id,
            schedule_type=schedule_type,
            scheduled_time=scheduled_time,
            snoozed_until=snoozed_until,
            start_at=start_at,
            status=status,
            timezone=timezone,
            updated_at=updated_at,
            updated_by=updated_by,
            version=version,
            workflow_id=workflow_id,
            event_filter=event_filter,
            event_type=event_type,
        )

        schedule_out.additional_properties = d
        return schedule_out

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
