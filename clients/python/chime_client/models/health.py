from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """
    Attributes:
        active_schedules (int | None):
        database_latency_ms (float | None):
        instance_id (str):
        module (str):
        oldest_wait_ms (float): how long the oldest of them has waited
        queue_depth (int): runs waiting for a free MAX_CONCURRENT_WORKFLOWS slot
        role (str):
        running (int):
        scheduler_running (bool):
        status (str):
        uptime_seconds (float):
        version (str):
    """

    active_schedules: int | None
    database_latency_ms: float | None
    instance_id: str
    module: str
    oldest_wait_ms: float
    queue_depth: int
    role: str
    running: int
    scheduler_running: bool
    status: str
    uptime_seconds: float
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_schedules: int | None
        active_schedules = self.active_schedules

        database_latency_ms: float | None
        database_latency_ms = self.database_latency_ms

        instance_id = self.instance_id

        module = self.module

        oldest_wait_ms = self.oldest_wait_ms

        queue_depth = self.queue_depth

        role = self.role

        running = self.running

        scheduler_running = self.scheduler_running

        status = self.status

        uptime_seconds = self.uptime_seconds

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_schedules": active_schedules,
                "database_latency_ms": database_latency_ms,
                "instance_id": instance_id,
                "module": module,
                "oldest_wait_ms": oldest_wait_ms,
                "queue_depth": queue_depth,
                "role": role,
                "running": running,
                "scheduler_running": scheduler_running,
                "status": status,
                "uptime_seconds": uptime_seconds,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_active_schedules(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        active_schedules = _parse_active_schedules(d.pop("active_schedules"))

        def _parse_database_latency_ms(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        database_latency_ms = _parse_database_latency_ms(d.pop("database_latency_ms"))

        instance_id = d.pop("instance_id")

        module = d.pop("module")

        oldest_wait_ms = d.pop("oldest_wait_ms")

        queue_depth = d.pop("queue_depth")

        role = d.pop("role")

        running = d.pop("running")

        scheduler_running = d.pop("scheduler_running")

        status = d.pop("status")

        uptime_seconds = d.pop("uptime_seconds")

        version = d.pop("version")

        health = cls(
            active_schedules=active_schedules,
            database_latency_ms=database_latency_ms,
            instance_id=instance_id,
            module=module,
            oldest_wait_ms=oldest_wait_ms,
            queue_depth=queue_depth,
            role=role,
            running=running,
            scheduler_running=scheduler_running,
            status=status,
            uptime_seconds=uptime_seconds,
            version=version,
        )

        health.additional_properties = d
        return health

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
