from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.sitrep import Sitrep
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    window: str | Unset = "24h",
    recent: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["window"] = window

    params["recent"] = recent

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/scheduler/sitrep",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorOut | Sitrep | None:
    if response.status_code == 200:
        response_200 = Sitrep.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ErrorOut.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorOut | Sitrep]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    window: str | Unset = "24h",
    recent: int | Unset = 20,
) -> Response[ErrorOut | Sitrep]:
    """The community's scheduler, runs and fires over `window`, computed from the database on each call;
    503

     with the reason when the database cannot be read.

    Args:
        window (str | Unset):  Default: '24h'.
        recent (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | Sitrep]
    """

    kwargs = _get_kwargs(
        window=window,
        recent=recent,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    window: str | Unset = "24h",
    recent: int | Unset = 20,
) -> ErrorOut | Sitrep | None:
    """The community's scheduler, runs and fires over `window`, computed from the database on each call;
    503

     with the reason when the database cannot be read.

    Args:
        window (str | Unset):  Default: '24h'.
        recent (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | Sitrep
    """

    return sync_detailed(
        client=client,
        window=window,
        recent=recent,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    window: str | Unset = "24h",
    recent: int | Unset = 20,
) -> Response[ErrorOut | Sitrep]:
    """The community's scheduler, runs and fires over `window`, computed from the database on each call;
    503

     with the reason when the database cannot be read.

    Args:
        window (str | Unset):  Default: '24h'.
        recent (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | Sitrep]
    """

    kwargs = _get_kwargs(
        window=window,
        recent=recent,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    window: str | Unset = "24h",
    recent: int | Unset = 20,
) -> ErrorOut | Sitrep | None:
    """The community's scheduler, runs and fires over `window`, computed from the database on each call;
    503

     with the reason when the database cannot be read.

    Args:
        window (str | Unset):  Default: '24h'.
        recent (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | Sitrep
    """

    return (
        await asyncio_detailed(
            client=client,
            window=window,
            recent=recent,
        )
    ).parsed
