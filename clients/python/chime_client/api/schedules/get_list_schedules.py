from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.get_list_schedules_order import GetListSchedulesOrder
from ...models.get_list_schedules_schedule_type_type_0 import (
    GetListSchedulesScheduleTypeType0,
)
from ...models.get_list_schedules_status_type_0 import (
    GetListSchedulesStatusType0,
)
from ...models.schedule_list import ScheduleList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListSchedulesStatusType0 | None | Unset = UNSET,
    schedule_type: GetListSchedulesScheduleTypeType0 | None | Unset = UNSET,
    created_by: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListSchedulesOrder | Unset = "asc",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_workflow_id: None | str | Unset
    if isinstance(workflow_id, Unset):
        json_workflow_id = UNSET
    elif isinstance(workflow_id, UUID):
        json_workflow_id = str(workflow_id)
    else:
        json_workflow_id = workflow_id
    params["workflow_id"] = json_workflow_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, str):
        json_status = status
    else:
        json_status = status
    params["status"] = json_status

    json_schedule_type: None | str | Unset
    if isinstance(schedule_type, Unset):
        json_schedule_type = UNSET
    elif isinstance(schedule_type, str):
        json_schedule_type = schedule_type
    else:
        json_schedule_type = schedule_type
    params["schedule_type"] = json_schedule_type

    json_created_by: None | str | Unset
    if isinstance(created_by, Unset):
        json_created_by = UNSET
    else:
        json_created_by = created_by
    params["created_by"] = json_created_by

    json_name: None | str | Unset
    if isinstance(name, Unset):
        json_name = UNSET
    else:
        json_name = name
    params["name"] = json_name

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order

    params["order"] = json_order

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/schedules",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | ScheduleList | None:
    if response.status_code == 200:
        response_200 = ScheduleList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorOut.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorOut | ScheduleList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListSchedulesStatusType0 | None | Unset = UNSET,
    schedule_type: GetListSchedulesScheduleTypeType0 | None | Unset = UNSET,
    created_by: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListSchedulesOrder | Unset = "asc",
) -> Response[ErrorOut | ScheduleList]:
    """
    Args:
        workflow_id (None | Unset | UUID):
        status (GetListSchedulesStatusType0 | None | Unset):
        schedule_type (GetListSchedulesScheduleTypeType0 | None | Unset):
        created_by (None | str | Unset):
        name (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListSchedulesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ScheduleList]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        status=status,
        schedule_type=schedule_type,
        created_by=created_by,
        name=name,
        limit=limit,
        cursor=cursor,
        order=order,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListSchedulesStatusType0 | None | Unset = UNSET,
    schedule_type: GetListSchedulesScheduleTypeType0 | None | Unset = UNSET,
    created_by: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListSchedulesOrder | Unset = "asc",
) -> ErrorOut | ScheduleList | None:
    """
    Args:
        workflow_id (None | Unset | UUID):
        status (GetListSchedulesStatusType0 | None | Unset):
        schedule_type (GetListSchedulesScheduleTypeType0 | None | Unset):
        created_by (None | str | Unset):
        name (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListSchedulesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ScheduleList
    """

    return sync_detailed(
        client=client,
        workflow_id=workflow_id,
        status=status,
        schedule_type=schedule_type,
        created_by=created_by,
        name=name,
        limit=limit,
        cursor=cursor,
        order=order,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListSchedulesStatusType0 | None | Unset = UNSET,
    schedule_type: GetListSchedulesScheduleTypeType0 | None | Unset = UNSET,
    created_by: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListSchedulesOrder | Unset = "asc",
) -> Response[ErrorOut | ScheduleList]:
    """
    Args:
        workflow_id (None | Unset | UUID):
        status (GetListSchedulesStatusType0 | None | Unset):
        schedule_type (GetListSchedulesScheduleTypeType0 | None | Unset):
        created_by (None | str | Unset):
        name (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListSchedulesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ScheduleList]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        status=status,
        schedule_type=schedule_type,
        created_by=created_by,
        name=name,
        limit=limit,
        cursor=cursor,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListSchedulesStatusType0 | None | Unset = UNSET,
    schedule_type: GetListSchedulesScheduleTypeType0 | None | Unset = UNSET,
    created_by: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListSchedulesOrder | Unset = "asc",
) -> ErrorOut | ScheduleList | None:
    """
    Args:
        workflow_id (None | Unset | UUID):
        status (GetListSchedulesStatusType0 | None | Unset):
        schedule_type (GetListSchedulesScheduleTypeType0 | None | Unset):
        created_by (None | str | Unset):
        name (None | str | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListSchedulesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ScheduleList
    """

    return (
        await asyncio_detailed(
            client=client,
            workflow_id=workflow_id,
            status=status,
            schedule_type=schedule_type,
            created_by=created_by,
            name=name,
            limit=limit,
            cursor=cursor,
            order=order,
        )
    ).parsed
