import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.execution_list import ExecutionList
from ...models.get_list_executions_order import GetListExecutionsOrder
from ...models.get_list_executions_status_type_0 import (
    GetListExecutionsStatusType0,
)
from ...models.get_list_executions_trigger_type_0 import (
    GetListExecutionsTriggerType0,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    schedule_id: None | Unset | UUID = UNSET,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListExecutionsStatusType0 | None | Unset = UNSET,
    trigger: GetListExecutionsTriggerType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListExecutionsOrder | Unset = "asc",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_schedule_id: None | str | Unset
    if isinstance(schedule_id, Unset):
        json_schedule_id = UNSET
    elif isinstance(schedule_id, UUID):
        json_schedule_id = str(schedule_id)
    else:
        json_schedule_id = schedule_id
    params["schedule_id"] = json_schedule_id

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

    json_trigger: None | str | Unset
    if isinstance(trigger, Unset):
        json_trigger = UNSET
    elif isinstance(trigger, str):
        json_trigger = trigger
    else:
        json_trigger = trigger
    params["trigger"] = json_trigger

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

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
        "url": "/api/v1/executions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | ExecutionList | None:
    if response.status_code == 200:
        response_200 = ExecutionList.from_dict(response.json())

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
) -> Response[ErrorOut | ExecutionList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    schedule_id: None | Unset | UUID = UNSET,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListExecutionsStatusType0 | None | Unset = UNSET,
    trigger: GetListExecutionsTriggerType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListExecutionsOrder | Unset = "asc",
) -> Response[ErrorOut | ExecutionList]:
    """
    Args:
        schedule_id (None | Unset | UUID):
        workflow_id (None | Unset | UUID):
        status (GetListExecutionsStatusType0 | None | Unset):
        trigger (GetListExecutionsTriggerType0 | None | Unset):
        since (datetime.datetime | None | Unset):
        until (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListExecutionsOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ExecutionList]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        workflow_id=workflow_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
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
    schedule_id: None | Unset | UUID = UNSET,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListExecutionsStatusType0 | None | Unset = UNSET,
    trigger: GetListExecutionsTriggerType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListExecutionsOrder | Unset = "asc",
) -> ErrorOut | ExecutionList | None:
    """
    Args:
        schedule_id (None | Unset | UUID):
        workflow_id (None | Unset | UUID):
        status (GetListExecutionsStatusType0 | None | Unset):
        trigger (GetListExecutionsTriggerType0 | None | Unset):
        since (datetime.datetime | None | Unset):
        until (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListExecutionsOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ExecutionList
    """

    return sync_detailed(
        client=client,
        schedule_id=schedule_id,
        workflow_id=workflow_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        order=order,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    schedule_id: None | Unset | UUID = UNSET,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListExecutionsStatusType0 | None | Unset = UNSET,
    trigger: GetListExecutionsTriggerType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListExecutionsOrder | Unset = "asc",
) -> Response[ErrorOut | ExecutionList]:
    """
    Args:
        schedule_id (None | Unset | UUID):
        workflow_id (None | Unset | UUID):
        status (GetListExecutionsStatusType0 | None | Unset):
        trigger (GetListExecutionsTriggerType0 | None | Unset):
        since (datetime.datetime | None | Unset):
        until (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListExecutionsOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ExecutionList]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        workflow_id=workflow_id,
        status=status,
        trigger=trigger,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    schedule_id: None | Unset | UUID = UNSET,
    workflow_id: None | Unset | UUID = UNSET,
    status: GetListExecutionsStatusType0 | None | Unset = UNSET,
    trigger: GetListExecutionsTriggerType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListExecutionsOrder | Unset = "asc",
) -> ErrorOut | ExecutionList | None:
    """
    Args:
        schedule_id (None | Unset | UUID):
        workflow_id (None | Unset | UUID):
        status (GetListExecutionsStatusType0 | None | Unset):
        trigger (GetListExecutionsTriggerType0 | None | Unset):
        since (datetime.datetime | None | Unset):
        until (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListExecutionsOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ExecutionList
    """

    return (
        await asyncio_detailed(
            client=client,
            schedule_id=schedule_id,
            workflow_id=workflow_id,
            status=status,
            trigger=trigger,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
            order=order,
        )
    ).parsed
