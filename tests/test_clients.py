"""API clients and the OAuth 2.0 client-credentials grant, against a real PostgreSQL and the real app.

Creation (the secret once, only its hash stored), the token exchange (form + HTTP Basic, JSON + body), RFC 6749
errors, the per-client brute-force limit (counted in PostgreSQL), scope narrowing, tokens working with exactly
their scopes, revocation within the cache window, PATCH applying to new tokens, admin-only management, tenancy,
and the per-principal rate limit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from urllib.parse import quote_plus

import jwt
import pytest

from services.auth import verify_token
from tests.conftest import make_settings

TOKEN = "/api/v1/oauth/token"
CLIENTS = "/api/v1/clients"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def settings(database_url: str):
    # A one-second revocation cache keeps the revocation test short; the rate limit stays off here.
    return make_settings(database_url, REVOCATION_CACHE_SECONDS="1")


@pytest.fixture
def admin(auth):
    return auth(1, "admin")


async def create(client, headers, scopes, name="bot") -> dict:
    resp = await client.post(CLIENTS, headers=headers, json={"name": name, "scopes": scopes})
    assert resp.status_code == 201, await resp.get_json()
    return await resp.get_json()


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def form_token(client, made: dict, scope: str | None = None, secret: str | None = None):
    body = "grant_type=client_credentials" + (f"&scope={quote_plus(scope)}" if scope else "")
    headers = {**FORM, **basic(made["client_id"], secret or made["client_secret"])}
    return await client.post(TOKEN, data=body, headers=headers)


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def test_create_shows_the_secret_once_and_stores_only_its_hash(client, chime, admin) -> None:
    made = await create(client, admin, ["schedules:read", "workflows:read", "schedules:read"])
    secret = made["client_secret"]
    assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) == 32  # 256 random bits
    assert made["scopes"] == ["schedules:read", "workflows:read"] and made["status"] == "active"
    assert made["community_id"] == 1
    got = await (await client.get(f"{CLIENTS}/{made['client_id']}", headers=admin)).get_json()
    assert "client_secret" not in got and got["client_id"] == made["client_id"]
    listed = await (await client.get(CLIENTS, headers=admin)).get_json()
    assert [c["client_id"] for c in listed["items"]] == [made["client_id"]]
    assert "client_secret" not in listed["items"][0]
    row = await chime.dal.fetchrow("SELECT * FROM api_clients WHERE client_id = $1::uuid", made["client_id"])
    assert bytes(row["secret_hash"]) == hashlib.sha256(secret.encode()).digest()
    # No column of the row, and no audit event, holds the secret in plain text.
    assert all(secret not in str(value) for value in dict(row).values())
    events = await chime.dal.fetch("SELECT changes::text AS c FROM audit_events WHERE target_id = $1",
                                   made["client_id"])
    assert events and all(secret not in e["c"] for e in events)


async def test_unknown_scopes_are_refused_and_nothing_is_written(client, chime, admin) -> None:
    resp = await client.post(CLIENTS, headers=admin, json={"name": "bot", "scopes": ["schedules:read", "root"]})
    assert resp.status_code == 400 and (await resp.get_json())["details"][0]["field"].startswith("scopes")
    assert await chime.dal.fetchval("SELECT count(*) FROM api_clients") == 0


async def test_token_by_form_and_basic_and_by_json_body(client, admin, settings) -> None:
    made = await create(client, admin, ["schedules:read", "workflows:read"])
    resp = await form_token(client, made)
    assert resp.status_code == 200, await resp.get_json()
    assert resp.headers["Cache-Control"] == "no-store"
    out = await resp.get_json()
    assert out["token_type"] == "Bearer" and out["expires_in"] == 900
    assert out["scope"] == "schedules:read workflows:read"
    principal = verify_token(out["access_token"], settings)  # the same verification as any other token
    assert principal.community_id == 1 and principal.client_id == made["client_id"]
    assert principal.user_id == f"client:{made['client_id']}"
    claims = jwt.decode(out["access_token"], options={"verify_signature": False})
    assert claims["cid"] == made["client_id"] and claims["exp"] - claims["iat"] == 900

    resp = await client.post(TOKEN, json={"grant_type": "client_credentials", "client_id": made["client_id"],
                                          "client_secret": made["client_secret"]})
    assert resp.status_code == 200, await resp.get_json()
    assert (await resp.get_json())["scope"] == "schedules:read workflows:read"


async def test_a_client_token_has_exactly_its_scopes(client, admin) -> None:
    made = await create(client, admin, ["schedules:read", "workflows:read"])
    headers = bearer((await (await form_token(client, made)).get_json())["access_token"])
    assert (await client.get("/api/v1/schedules", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/workflows", headers=headers)).status_code == 200
    for method, path, scope in (("POST", "/api/v1/workflows", "workflows:write"),
                                ("GET", "/api/v1/executions", "executions:read"),
                                ("GET", CLIENTS, "admin")):
        resp = await client.open(path, method=method, headers=headers, json={"name": "x"} if method == "POST" else None)
        body = await resp.get_json()
        assert resp.status_code == 403 and f"'{scope}'" in body["error"], (path, body)


async def test_scope_narrowing(client, admin, settings) -> None:
    made = await create(client, admin, ["schedules:read", "schedules:write", "workflows:read"])
    out = await (await form_token(client, made, scope="schedules:read")).get_json()
    assert out["scope"] == "schedules:read"
    assert verify_token(out["access_token"], settings).scopes == {"schedules:read"}
    resp = await form_token(client, made, scope="schedules:read admin")
    body = await resp.get_json()
    assert resp.status_code == 400 and body["error"] == "invalid_scope" and "admin" in body["error_description"]


async def test_rfc6749_errors(client, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    cases = [
        ({"grant_type": "password", "client_id": made["client_id"], "client_secret": "x"}, 400,
         "unsupported_grant_type"),
        ({"client_id": made["client_id"], "client_secret": made["client_secret"]}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "not-a-uuid", "client_secret": "x"}, 401,
         "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": 5, "client_secret": "x"}, 400, "invalid_request"),
    ]
    for body, status, error in cases:
        resp = await client.post(TOKEN, json=body)
        out = await resp.get_json()
        assert resp.status_code == status and out["error"] == error and out["code"] == error, (body, out)
        assert out["error_description"] and "request_id" in out
        if status == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Basic")
    both = await client.post(TOKEN, data=f"grant_type=client_credentials&client_id={made['client_id']}",
                             headers={**FORM, **basic(made["client_id"], made["client_secret"])})
    assert both.status_code == 400 and (await both.get_json())["error"] == "invalid_request"
    twice = await client.post(TOKEN, data="grant_type=client_credentials&grant_type=client_credentials",
                              headers={**FORM, **basic(made["client_id"], made["client_secret"])})
    assert twice.status_code == 400 and (await twice.get_json())["error"] == "invalid_request"
    text = await client.post(TOKEN, data="grant_type=client_credentials", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415


async def test_wrong_secret_is_401_and_brute_force_is_429(client, chime, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    other = await create(client, admin, ["schedules:read"], name="other")
    for _ in range(10):
        resp = await form_token(client, made, secret="wrong-" + "x" * 40)
        out = await resp.get_json()
        assert resp.status_code == 401 and out["error"] == "invalid_client", out
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="chime"'
    assert await chime.dal.fetchval("SELECT sum(failures) FROM client_auth_failures WHERE client_id = $1::uuid",
                                    made["client_id"]) == 10
    # The eleventh try within the minute is refused before the secret is looked at, the right one included.
    resp = await form_token(client, made)
    out = await resp.get_json()
    assert resp.status_code == 429 and out["error"] == "too_many_failures", out
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    # Per client: another client of the same community is not affected.
    assert (await form_token(client, other)).status_code == 200


async def test_concurrent_wrong_secrets_get_no_more_guesses_than_the_limit(client, chime, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    if time.time() % 60 > 50:  # the limit is per calendar minute: keep the whole burst inside one
        await asyncio.sleep(61 - time.time() % 60)
    answers = await asyncio.gather(*(form_token(client, made, secret="wrong-" + "y" * 40) for _ in range(30)))
    statuses = sorted(r.status_code for r in answers)
    # Each guess is checked against the count of the ones before it (the counter row is locked meanwhile), so a
    # parallel brute force gets exactly the limit's 10 looks at a secret, like a sequential one.
    assert statuses == [401] * 10 + [429] * 20, statuses
    assert await chime.dal.fetchval("SELECT sum(failures) FROM client_auth_failures WHERE client_id = $1::uuid",
                                    made["client_id"]) == 10


async def test_revocation_fails_tokens_within_the_cache_window(client, chime, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    headers = bearer((await (await form_token(client, made)).get_json())["access_token"])
    assert (await client.get("/api/v1/schedules", headers=headers)).status_code == 200
    resp = await client.delete(f"{CLIENTS}/{made['client_id']}", headers=admin)
    assert resp.status_code == 200 and (await resp.get_json())["status"] == "revoked"
    assert await chime.dal.fetchval("SELECT revoked_at IS NOT NULL FROM api_clients WHERE client_id = $1::uuid",
                                    made["client_id"])
    deadline = time.monotonic() + 1.0 + 2.0  # REVOCATION_CACHE_SECONDS=1, plus slack for a loaded machine
    while True:
        resp = await client.get("/api/v1/schedules", headers=headers)
        if resp.status_code == 401:
            break
        assert resp.status_code == 200 and time.monotonic() < deadline, "a revoked client's token still works"
        await asyncio.sleep(0.1)
    assert "revoked" in (await resp.get_json())["error"]
    again = await form_token(client, made)
    assert again.status_code == 401 and (await again.get_json())["error"] == "invalid_client"
    # Gone from the management API, as after a delete (the row stays for the revocation check).
    for method in ("GET", "PATCH", "DELETE"):
        resp = await client.open(f"{CLIENTS}/{made['client_id']}", method=method, headers=admin,
                                 json={"name": "x"} if method == "PATCH" else None)
        assert resp.status_code == 404, method
    assert (await (await client.get(CLIENTS, headers=admin)).get_json())["items"] == []


async def test_patch_scopes_applies_to_new_tokens(client, admin, settings) -> None:
    made = await create(client, admin, ["schedules:read"])
    old = (await (await form_token(client, made)).get_json())["access_token"]
    resp = await client.patch(f"{CLIENTS}/{made['client_id']}", headers=admin,
                              json={"scopes": ["workflows:read"], "name": "renamed"})
    assert resp.status_code == 200, await resp.get_json()
    assert (await resp.get_json())["scopes"] == ["workflows:read"] and (await resp.get_json())["name"] == "renamed"
    new = await (await form_token(client, made)).get_json()
    assert new["scope"] == "workflows:read"
    assert (await client.get("/api/v1/workflows", headers=bearer(new["access_token"]))).status_code == 200
    assert (await client.get("/api/v1/schedules", headers=bearer(new["access_token"]))).status_code == 403
    # A token issued before keeps what it was issued with until it expires (documented).
    assert verify_token(old, settings).scopes == {"schedules:read"}


async def test_management_needs_admin_and_stays_in_its_community(client, chime, auth, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    everything_but_admin = auth(1, "schedules:read schedules:write workflows:read workflows:write ops:read ops:write")
    resp = await client.post(CLIENTS, headers=everything_but_admin, json={"name": "x", "scopes": []})
    assert resp.status_code == 403 and "'admin'" in (await resp.get_json())["error"]
    assert await chime.dal.fetchval("SELECT count(*) FROM api_clients") == 1
    other_admin = auth(2, "admin")
    for method, body in (("GET", None), ("PATCH", {"name": "mine"}), ("DELETE", None)):
        resp = await client.open(f"{CLIENTS}/{made['client_id']}", method=method, headers=other_admin, json=body)
        assert resp.status_code == 404 and (await resp.get_json())["code"] == "client_not_found", method
    assert (await (await client.get(CLIENTS, headers=other_admin)).get_json())["items"] == []
    row = await chime.dal.fetchrow("SELECT name, revoked_at FROM api_clients")
    assert row["name"] == "bot" and row["revoked_at"] is None
    # Community 2's admin creates in community 2, whatever it asks.
    theirs = await create(client, other_admin, ["schedules:read"])
    assert theirs["community_id"] == 2


async def test_app_py_token_can_mint_admin(spawn, settings) -> None:
    env = {"JWT_SECRET": settings.jwt_secret, "PATH": "/usr/bin:/bin", "DATABASE_URL": settings.database_url,
           "LOG_LEVEL": "WARNING"}
    result = spawn.run_cli("token", ["token", "--community", "3", "--scope", "admin schedules:read"], env=env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    principal = verify_token(token, settings)
    assert principal.community_id == 3 and principal.scopes == {"admin", "schedules:read"}


async def test_rate_limit_per_principal_answers_429_with_retry_after(database_url) -> None:
    from app import create_app
    from services.auth import mint_token
    from tests.conftest import reset_database

    settings = make_settings(database_url, RATE_LIMIT_PER_SECOND="1", RATE_LIMIT_BURST="3")
    await reset_database(database_url)
    application = create_app(settings)
    async with application.test_app() as test_app:
        client = test_app.test_client()
        one = bearer(mint_token(settings, community_id=1, scope="schedules:read", subject="bot-a"))
        two = bearer(mint_token(settings, community_id=1, scope="schedules:read", subject="bot-b"))
        statuses = [(await client.get("/api/v1/schedules", headers=one)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        resp = await client.get("/api/v1/schedules", headers=one)
        body = await resp.get_json()
        assert resp.status_code == 429 and body["code"] == "rate_limited" and "request_id" in body
        assert int(resp.headers["Retry-After"]) >= 1
        # Per principal: another subject has its own bucket.
        assert (await client.get("/api/v1/schedules", headers=two)).status_code == 200
        await asyncio.sleep(1.05)  # one token refills per second
        assert (await client.get("/api/v1/schedules", headers=one)).status_code == 200


async def test_hostile_token_requests_are_4xx_and_write_nothing(client, chime, admin) -> None:
    made = await create(client, admin, ["schedules:read"])
    cid = made["client_id"]
    garbage_basic = {**FORM, "Authorization": "Basic %%%not-base64"}
    not_utf8 = {**FORM, "Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()}
    cases = [
        (b"grant_type=client_credentials&client_id=" + cid.encode() + b"&client_secret=a%00b", FORM),
        (b"grant_type=client_credentials&scope=" + b"x" * 5000, {**FORM, **basic(cid, made["client_secret"])}),
        (b"grant_type=client_credentials&client_id=%ff%fe&client_secret=%ff", FORM),
        (b"grant_type=client_credentials", garbage_basic),
        (b"grant_type=client_credentials", not_utf8),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b'"grant_type"', {"Content-Type": "application/json"}),
        (b'{"grant_type": ["client_credentials"]}', {"Content-Type": "application/json"}),
        (b"", FORM),
    ]
    for body, headers in cases:
        resp = await client.post(TOKEN, data=body, headers=headers)
        out = await resp.get_json()
        assert 400 <= resp.status_code < 500 and out["code"] and "request_id" in out, (body, resp.status_code, out)
    assert await chime.dal.fetchval("SELECT count(*) FROM client_auth_failures") == 0  # none reached a secret check
