"""Real JWT verification and community isolation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth import mint_token, verify_token
from services.errors import Unauthorized
from tests.conftest import TEST_SECRET, make_settings


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims(**over) -> dict:
    base = {"sub": "u1", "community_id": 1, "scope": "schedules:read schedules:write", "exp": int(time.time()) + 60}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


async def _status(client, token: str | None, path: str = "/api/v1/schedules"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    resp = await client.get(path, headers=headers)
    return resp, await resp.get_json()


async def test_no_token_is_401_with_www_authenticate(client) -> None:
    resp, body = await _status(client, None)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["code"] == "unauthorized" and body["request_id"]


@pytest.mark.parametrize(
    ("token_factory", "fragment"),
    [
        (lambda: jwt.encode(claims(exp=int(time.time()) - 120), TEST_SECRET, algorithm="HS256"), "expired"),
        (lambda: jwt.encode(claims(), "another-secret-that-is-long-enough-000000", algorithm="HS256"), "invalid"),
        (lambda: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}.", "invalid"),
        (lambda: jwt.encode(claims(exp=None), TEST_SECRET, algorithm="HS256"), "exp"),
        (lambda: jwt.encode(claims(community_id=None), TEST_SECRET, algorithm="HS256"), "community_id"),
        (lambda: "not-a-jwt", "invalid"),
    ],
    ids=["expired", "wrong-signature", "alg-none", "no-exp", "no-community", "garbage"],
)
async def test_bad_tokens_are_401(client, token_factory, fragment) -> None:
    resp, body = await _status(client, token_factory())
    assert resp.status_code == 401, body
    assert fragment in body["error"]
    assert "WWW-Authenticate" in resp.headers


async def test_wrong_audience_and_issuer(database_url) -> None:
    settings = make_settings(database_url, JWT_AUDIENCE="chime", JWT_ISSUER="https://hub.example")
    good = jwt.encode({**claims(), "aud": "chime", "iss": "https://hub.example"}, TEST_SECRET, algorithm="HS256")
    assert verify_token(good, settings).community_id == 1
    for bad in ({"aud": "other", "iss": "https://hub.example"}, {"aud": "chime", "iss": "https://evil"}, {}):
        with pytest.raises(Unauthorized):
            verify_token(jwt.encode({**claims(), **bad}, TEST_SECRET, algorithm="HS256"), settings)


def test_rs256_and_algorithm_confusion(database_url) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    settings = make_settings(database_url, JWT_SECRET="", JWT_PUBLIC_KEY=public)
    assert settings.jwt_algorithm == "RS256"
    token = mint_token(settings, community_id=7, scope="schedules:read", private_key=private)
    assert verify_token(token, settings).community_id == 7
    # HS256 signed with the public key as the secret: the classic key-confusion attack.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims())}"
    mac = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(Unauthorized):
        verify_token(forged, settings)
    with pytest.raises(Unauthorized):
        verify_token(jwt.encode(claims(), TEST_SECRET, algorithm="HS256"), settings)


async def test_missing_scope_is_403(client, auth) -> None:
    resp = await client.get("/api/v1/schedules", headers=auth(scope="schedules:write"))
    assert resp.status_code == 403
    assert (await resp.get_json())["code"] == "insufficient_scope"
    resp = await client.post("/api/v1/workflows", json={"name": "x"}, headers=auth(scope="schedules:read"))
    assert resp.status_code == 403


async def test_other_community_sees_404(client, auth, workflow) -> None:
    body = {"workflow_id": workflow["workflow_id"], "schedule_config": {"schedule_type": "cron",
                                                                        "cron_expression": "0 9 * * *"}}
    resp = await client.post("/api/v1/schedules", json=body, headers=auth(1))
    assert resp.status_code == 201
    schedule = await resp.get_json()
    sid, wid = schedule["schedule_id"], workflow["workflow_id"]
    other = auth(2)
    for path in (f"/api/v1/schedules/{sid}", f"/api/v1/workflows/{wid}", f"/api/v1/schedules/workflow/{wid}",
                 f"/api/v1/schedules/{sid}/next-runs", f"/api/v1/schedules/{sid}/executions"):
        resp = await client.get(path, headers=other)
        assert resp.status_code == 404, path
    for method, path in (("DELETE", f"/api/v1/schedules/{sid}"), ("PATCH", f"/api/v1/schedules/{sid}"),
                         ("DELETE", f"/api/v1/workflows/{wid}"), ("POST", f"/api/v1/schedules/{sid}/pause")):
        resp = await client.open(path, method=method, json={}, headers=other)
        assert resp.status_code == 404, (method, path)
    # Creating a schedule against another community's workflow looks like an unknown workflow.
    resp = await client.post("/api/v1/schedules", json=body, headers=other)
    assert resp.status_code == 404
    for path in ("/api/v1/schedules", "/api/v1/workflows", "/api/v1/executions"):
        listed = await (await client.get(path, headers=other)).get_json()
        assert listed["items"] == [], path
    # ... and the owner still sees everything unchanged.
    resp = await client.get(f"/api/v1/schedules/{sid}", headers=auth(1))
    assert resp.status_code == 200 and (await resp.get_json())["version"] == schedule["version"]


def test_token_cli_mints_ops_scopes_and_refuses_unknown_ones(spawn, tmp_path, settings) -> None:
    env = {"PATH": "/usr/bin:/bin", "JWT_SECRET": TEST_SECRET, "HOME": str(tmp_path)}
    ok = spawn.run_cli("token-ops", ["token", "--community", "3", "--scope", "ops:read ops:write"], env=env,
                       cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    principal = verify_token(ok.stdout.strip().splitlines()[-1], settings)
    assert principal.community_id == 3 and principal.scopes == {"ops:read", "ops:write"}
    bad = spawn.run_cli("token-typo", ["token", "--community", "3", "--scope", "ops:reed"], env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "ops:reed" in bad.stderr and bad.stdout.strip() == ""
