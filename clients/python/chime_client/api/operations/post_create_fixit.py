from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.fixit_in import FixitIn
from ...models.fixit_out import FixitOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: FixitIn,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/scheduler/fix-it",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorOut | FixitOut | None:
    if response.status_code == 200:
        response_200 = FixitOut.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = FixitOut.from_dict(response.json())

        return response_202

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

    if response.status_code == 409:
        response_409 = ErrorOut.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorOut.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorOut.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorOut.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorOut | FixitOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: FixitIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorOut | FixitOut]:
    """Retries failed, timed-out, abandoned and missed runs of the window by mode. 200: dry_run or
    completed;

     202: running, or awaiting_approval (the answer carries the approval token).

    Args:
        idempotency_key (str | Unset):
        body (FixitIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | FixitOut]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: FixitIn,
    idempotency_key: str | Unset = UNSET,
) -> ErrorOut | FixitOut | None:
    """Retries failed, timed-out, abandoned and missed runs of the window by mode. 200: dry_run or
    completed;

     202: running, or awaiting_approval (the answer carries the approval token).

    Args:
        idempotency_key (str | Unset):
        body (FixitIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | FixitOut
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: FixitIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorOut | FixitOut]:
    """Retries failed, timed-out, abandoned and missed runs of the window by mode. 200: dry_run or
    completed;

     202: running, or awaiting_approval (the answer carries the approval token).

    Args:
        idempotency_key (str | Unset):
        body (FixitIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | FixitOut]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: FixitIn,
    idempotency_key: str | Unset = UNSET,
) -> ErrorOut | FixitOut | None:
    """Retries failed, timed-out, abandoned and missed runs of the window by mode. 200: dry_run or
    completed;

     202: running, or awaiting_approval (the answer carries the approval token).

    Args:
        idempotency_key (str | Unset):
        body (FixitIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | FixitOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
