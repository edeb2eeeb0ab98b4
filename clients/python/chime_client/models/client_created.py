from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.client_created_status import ClientCreatedStatus, check_client_created_status

T = TypeVar("T", bound="ClientCreated")


@_attrs_define
class ClientCreated:
    """
    Attributes:
        client_id (UUID):
        client_secret (None | str): shown once: only its hash is stored (null when an Idempotency-Key replays the
            creation: the secret is never kept in the clear)
        community_id (int):
        created_at (datetime.datetime):
        created_by (None | str):
        name (str):
        revoked_at (datetime.datetime | None):
        scopes (list[str]):
        status (ClientCreatedStatus):
        updated_at (datetime.datetime):
        updated_by (None | str):
    """

    client_id: UUID
    client_secret: None | str
    community_id: int
    created_at: datetime.datetime
    created_by: None | str
    name: str
    revoked_at: datetime.datetime | None
    scopes: list[str]
    status: ClientCreatedStatus
    updated_at: datetime.datetime
    updated_by: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = str(self.client_id)

        client_secret: None | str
        client_secret = self.client_secret

        community_id = self.community_id

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        name = self.name

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        scopes = self.scopes

        status: str = self.status

        updated_at = self.updated_at.isoformat()

        updated_by: None | str
        updated_by = self.updated_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "community_id": community_id,
                "created_at": created_at,
                "created_by": created_by,
                "name": name,
                "revoked_at": revoked_at,
                "scopes": scopes,
                "status": status,
                "updated_at": updated_at,
                "updated_by": updated_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        client_id = UUID(d.pop("client_id"))

        def _parse_client_secret(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_secret = _parse_client_secret(d.pop("client_secret"))

        community_id = d.pop("community_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        name = d.pop("name")

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        scopes = cast(list[str], d.pop("scopes"))

        status = check_client_created_status(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_updated_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_by = _parse_updated_by(d.pop("updated_by"))

        client_created = cls(
            client_id=client_id,
            client_secret=client_secret,
            community_id=community_id,
            created_at=created_at,
            created_by=created_by,
            name=name,
            revoked_at=revoked_at,
            scopes=scopes,
            status=status,
            updated_at=updated_at,
            updated_by=updated_by,
        )

        client_created.additional_properties = d
        return client_created

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
