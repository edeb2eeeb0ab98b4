from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_list import DeliveryList
from ...models.error_out import ErrorOut
from ...models.get_list_notification_deliveries_order import (
    GetListNotificationDeliveriesOrder,
)
from ...models.get_list_notification_deliveries_status_type_0 import (
    GetListNotificationDeliveriesStatusType0,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    target_id: UUID,
    *,
    status: GetListNotificationDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListNotificationDeliveriesOrder | Unset = "asc",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, str):
        json_status = status
    else:
        json_status = status
    params["status"] = json_status

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
        "url": "/api/v1/notification-targets/{target_id}/deliveries".format(
            target_id=quote(str(target_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryList | ErrorOut | None:
    if response.status_code == 200:
        response_200 = DeliveryList.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = ErrorOut.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DeliveryList | ErrorOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    target_id: UUID,
    *,
    client: AuthenticatedClient,
    status: GetListNotificationDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListNotificationDeliveriesOrder | Unset = "asc",
) -> Response[DeliveryList | ErrorOut]:
    """The delivery log: one row per event sent (or to be sent) to this target, with attempts and the last

     answer; `payload` is the event (null once the outbox pruned it).

    Args:
        target_id (UUID):
        status (GetListNotificationDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListNotificationDeliveriesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ErrorOut]
    """

    kwargs = _get_kwargs(
        target_id=target_id,
        status=status,
        limit=limit,
        cursor=cursor,
        order=order,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    target_id: UUID,
    *,
    client: AuthenticatedClient,
    status: GetListNotificationDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListNotificationDeliveriesOrder | Unset = "asc",
) -> DeliveryList | ErrorOut | None:
    """The delivery log: one row per event sent (or to be sent) to this target, with attempts and the last

     answer; `payload` is the event (null once the outbox pruned it).

    Args:
        target_id (UUID):
        status (GetListNotificationDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListNotificationDeliveriesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ErrorOut
    """

    return sync_detailed(
        target_id=target_id,
        client=client,
        status=status,
        limit=limit,
        cursor=cursor,
        order=order,
    ).parsed


async def asyncio_detailed(
    target_id: UUID,
    *,
    client: AuthenticatedClient,
    status: GetListNotificationDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListNotificationDeliveriesOrder | Unset = "asc",
) -> Response[DeliveryList | ErrorOut]:
    """The delivery log: one row per event sent (or to be sent) to this target, with attempts and the last

     answer; `payload` is the event (null once the outbox pruned it).

    Args:
        target_id (UUID):
        status (GetListNotificationDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListNotificationDeliveriesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ErrorOut]
    """

    kwargs = _get_kwargs(
        target_id=target_id,
        status=status,
        limit=limit,
        cursor=cursor,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    target_id: UUID,
    *,
    client: AuthenticatedClient,
    status: GetListNotificationDeliveriesStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    order: GetListNotificationDeliveriesOrder | Unset = "asc",
) -> DeliveryList | ErrorOut | None:
    """The delivery log: one row per event sent (or to be sent) to this target, with attempts and the last

     answer; `payload` is the event (null once the outbox pruned it).

    Args:
        target_id (UUID):
        status (GetListNotificationDeliveriesStatusType0 | None | Unset):
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset):
        order (GetListNotificationDeliveriesOrder | Unset):  Default: 'asc'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ErrorOut
    """

    return (
        await asyncio_detailed(
            target_id=target_id,
            client=client,
            status=status,
            limit=limit,
            cursor=cursor,
            order=order,
        )
    ).parsed
