from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.access_token_out import AccessTokenOut
from ...models.error_out import ErrorOut
from ...models.token_request import TokenRequest
from ...types import UNSET, Response


def _get_kwargs(
    *,
    body: TokenRequest | TokenRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/oauth/token",
    }

    if isinstance(body, TokenRequest):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, TokenRequest):
        _kwargs["data"] = body.to_dict()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccessTokenOut | ErrorOut | None:
    if response.status_code == 200:
        response_200 = AccessTokenOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorOut.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorOut.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AccessTokenOut | ErrorOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest | TokenRequest | Unset = UNSET,
) -> Response[AccessTokenOut | ErrorOut]:
    """Exchanges an API client's id and secret for a short-lived bearer token (client credentials).


    Errors follow RFC 6749 §5.2 (`error` is invalid_request, invalid_client, invalid_scope or
    unsupported_grant_type, with `error_description`); too many wrong secrets for a client in a minute:
    429.

    Args:
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessTokenOut | ErrorOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest | TokenRequest | Unset = UNSET,
) -> AccessTokenOut | ErrorOut | None:
    """Exchanges an API client's id and secret for a short-lived bearer token (client credentials).


    Errors follow RFC 6749 §5.2 (`error` is invalid_request, invalid_client, invalid_scope or
    unsupported_grant_type, with `error_description`); too many wrong secrets for a client in a minute:
    429.

    Args:
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessTokenOut | ErrorOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest | TokenRequest | Unset = UNSET,
) -> Response[AccessTokenOut | ErrorOut]:
    """Exchanges an API client's id and secret for a short-lived bearer token (client credentials).


    Errors follow RFC 6749 §5.2 (`error` is invalid_request, invalid_client, invalid_scope or
    unsupported_grant_type, with `error_description`); too many wrong secrets for a client in a minute:
    429.

    Args:
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessTokenOut | ErrorOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRequest | TokenRequest | Unset = UNSET,
) -> AccessTokenOut | ErrorOut | None:
    """Exchanges an API client's id and secret for a short-lived bearer token (client credentials).


    Errors follow RFC 6749 §5.2 (`error` is invalid_request, invalid_client, invalid_scope or
    unsupported_grant_type, with `error_description`); too many wrong secrets for a client in a minute:
    429.

    Args:
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.
        body (TokenRequest): RFC 6749 §4.4.2, as a form (application/x-www-form-urlencoded) or
            JSON. The credentials go in HTTP Basic
            (preferred) or in client_id/client_secret.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessTokenOut | ErrorOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
