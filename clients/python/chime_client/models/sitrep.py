from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sitrep_health_status import SitrepHealthStatus, check_sitrep_health_status

if TYPE_CHECKING:
    from ..models.coverage_metrics import CoverageMetrics
    from ..models.fire_metrics import FireMetrics
    from ..models.instance_out import InstanceOut
    from ..models.recent_task import RecentTask
    from ..models.sitrep_item import SitrepItem
    from ..models.task_metrics import TaskMetrics


T = TypeVar("T", bound="Sitrep")


@_attrs_define
class Sitrep:
    """
    Attributes:
        coverage_metrics (CoverageMetrics):
        crisis_mode (bool):
        fire_metrics (FireMetrics):
        health_reasons (list[str]):
        health_status (SitrepHealthStatus):
        immediate_actions (list[SitrepItem]):
        instances (list[InstanceOut]):
        last_update (datetime.datetime | None):
        recent_tasks (list[RecentTask]):
        task_metrics (TaskMetrics):
        timestamp (datetime.datetime):
        watch_items (list[SitrepItem]):
        window_seconds (int):
    """

    coverage_metrics: CoverageMetrics
    crisis_mode: bool
    fire_metrics: FireMetrics
    health_reasons: list[str]
    health_status: SitrepHealthStatus
    immediate_actions: list[SitrepItem]
    instances: list[InstanceOut]
    last_update: datetime.datetime | None
    recent_tasks: list[RecentTask]
    task_metrics: TaskMetrics
    timestamp: datetime.datetime
    watch_items: list[SitrepItem]
    window_seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        coverage_metrics = self.coverage_metrics.to_dict()

        crisis_mode = self.crisis_mode

        fire_metrics = self.fire_metrics.to_dict()

        health_reasons = self.health_reasons

        health_status: str = self.health_status

        immediate_actions = []
        for immediate_actions_item_data in self.immediate_actions:
            immediate_actions_item = immediate_actions_item_data.to_dict()
            immediate_actions.append(immediate_actions_item)

        instances = []
        for instances_item_data in self.instances:
            instances_item = instances_item_data.to_dict()
            instances.append(instances_item)

        last_update: None | str
        if isinstance(self.last_update, datetime.datetime):
            last_update = self.last_update.isoformat()
        else:
            last_update = self.last_update

        recent_tasks = []
        for recent_tasks_item_data in self.recent_tasks:
            recent_tasks_item = recent_tasks_item_data.to_dict()
            recent_tasks.append(recent_tasks_item)

        task_metrics = self.task_metrics.to_dict()

        timestamp = self.timestamp.isoformat()

        watch_items = []
        for watch_items_item_data in self.watch_items:
            watch_items_item = watch_items_item_data.to_dict()
            watch_items.append(watch_items_item)

        window_seconds = self.window_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "coverage_metrics": coverage_metrics,
                "crisis_mode": crisis_mode,
                "fire_metrics": fire_metrics,
                "health_reasons": health_reasons,
                "health_status": health_status,
                "immediate_actions": immediate_actions,
                "instances": instances,
                "last_update": last_update,
                "recent_tasks": recent_tasks,
                "task_metrics": task_metrics,
                "timestamp": timestamp,
                "watch_items": watch_items,
                "window_seconds": window_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.coverage_metrics import CoverageMetrics  # noqa: PLC0415
        from ..models.fire_metrics import FireMetrics  # noqa: PLC0415
        from ..models.instance_out import InstanceOut  # noqa: PLC0415
        from ..models.recent_task import RecentTask  # noqa: PLC0415
        from ..models.sitrep_item import SitrepItem  # noqa: PLC0415
        from ..models.task_metrics import TaskMetrics  # noqa: PLC0415

        d = dict(src_dict)
        coverage_metrics = CoverageMetrics.from_dict(d.pop("coverage_metrics"))

        crisis_mode = d.pop("crisis_mode")

        fire_metrics = FireMetrics.from_dict(d.pop("fire_metrics"))

        health_reasons = cast(list[str], d.pop("health_reasons"))

        health_status = check_sitrep_health_status(d.pop("health_status"))

        immediate_actions = []
        _immediate_actions = d.pop("immediate_actions")
        for immediate_actions_item_data in _immediate_actions:
            immediate_actions_item = SitrepItem.from_dict(immediate_actions_item_data)

            immediate_actions.append(immediate_actions_item)

        instances = []
        _instances = d.pop("instances")
        for instances_item_data in _instances:
            instances_item = InstanceOut.from_dict(instances_item_data)

            instances.append(instances_item)

        def _parse_last_update(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_update_type_0 = datetime.datetime.fromisoformat(data)

                return last_update_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_update = _parse_last_update(d.pop("last_update"))

        recent_tasks = []
        _recent_tasks = d.pop("recent_tasks")
        for recent_tasks_item_data in _recent_tasks:
            recent_tasks_item = RecentTask.from_dict(recent_tasks_item_data)

            recent_tasks.append(recent_tasks_item)

        task_metrics = TaskMetrics.from_dict(d.pop("task_metrics"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        watch_items = []
        _watch_items = d.pop("watch_items")
        for watch_items_item_data in _watch_items:
            watch_items_item = SitrepItem.from_dict(watch_items_item_data)

            watch_items.append(watch_items_item)

        window_seconds = d.pop("window_seconds")

        sitrep = cls(
            coverage_metrics=coverage_metrics,
            crisis_mode=crisis_mode,
            fire_metrics=fire_metrics,
            health_reasons=health_reasons,
            health_status=health_status,
            immediate_actions=immediate_actions,
            instances=instances,
            last_update=last_update,
            recent_tasks=recent_tasks,
            task_metrics=task_metrics,
            timestamp=timestamp,
            watch_items=watch_items,
            window_seconds=window_seconds,
        )

        sitrep.additional_properties = d
        return sitrep

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
