from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0
    from ..models.execute_in_mock_outputs_type_0 import ExecuteInMockOutputsType0


T = TypeVar("T", bound="ExecuteIn")


@_attrs_define
class ExecuteIn:
    """
    Attributes:
        context_data (ExecuteInContextDataType0 | None | Unset):
        dry_run (bool | Unset):  Default: False.
        mock_outputs (ExecuteInMockOutputsType0 | None | Unset): dry runs only: node_id -> the output a sending node
            (action_webhook, action_module, action_chat_message) stands in with, e.g. {"post": {"status": 201, "body":
            {"id": 7}}}
    """

    context_data: ExecuteInContextDataType0 | None | Unset = UNSET
    dry_run: bool | Unset = False
    mock_outputs: ExecuteInMockOutputsType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0  # noqa: PLC0415
        from ..models.execute_in_mock_outputs_type_0 import ExecuteInMockOutputsType0  # noqa: PLC0415

        context_data: dict[str, Any] | None | Unset
        if isinstance(self.context_data, Unset):
            context_data = UNSET
        elif isinstance(self.context_data, ExecuteInContextDataType0):
            context_data = self.context_data.to_dict()
        else:
            context_data = self.context_data

        dry_run = self.dry_run

        mock_outputs: dict[str, Any] | None | Unset
        if isinstance(self.mock_outputs, Unset):
            mock_outputs = UNSET
        elif isinstance(self.mock_outputs, ExecuteInMockOutputsType0):
            mock_outputs = self.mock_outputs.to_dict()
        else:
            mock_outputs = self.mock_outputs

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if context_data is not UNSET:
            field_dict["context_data"] = context_data
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if mock_outputs is not UNSET:
            field_dict["mock_outputs"] = mock_outputs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0  # noqa: PLC0415
        from ..models.execute_in_mock_outputs_type_0 import ExecuteInMockOutputsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_context_data(data: object) -> ExecuteInContextDataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_data_type_0 = ExecuteInContextDataType0.from_dict(data)

                return context_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecuteInContextDataType0 | None | Unset, data)

        context_data = _parse_context_data(d.pop("context_data", UNSET))

        dry_run = d.pop("dry_run", UNSET)

        def _parse_mock_outputs(data: object) -> ExecuteInMockOutputsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mock_outputs_type_0 = ExecuteInMockOutputsType0.from_dict(data)

                return mock_outputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecuteInMockOutputsType0 | None | Unset, data)

        mock_outputs = _parse_mock_outputs(d.pop("mock_outputs", UNSET))

        execute_in = cls(
            context_data=context_data,
            dry_run=dry_run,
            mock_outputs=mock_outputs,
        )

        return execute_in
