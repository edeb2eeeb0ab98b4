"""JWT verification (pyjwt) and local token minting; the algorithm is pinned by configuration."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from config import Settings
from services.errors import Forbidden, Unauthorized

SCOPES = ("schedules:read", "schedules:write", "workflows:read", "workflows:write",
          "executions:read", "executions:write", "ops:read", "ops:write", "approvals:write", "events:write",
          "admin")


@dataclass(frozen=True)
class Principal:
    user_id: str
    community_id: int
    scopes: frozenset[str]
    # Set for an API client's token (its `cid` claim): the auth hook checks the client is not revoked.
    client_id: str | None = None

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"token lacks the '{scope}' scope")


def verify_token(token: str, settings: Settings) -> Principal:
    options = {"require": ["exp", "sub"]}
    try:
        claims = jwt.decode(
            token,
            settings.jwt_verify_key,
            # Exactly one algorithm: blocks alg=none and HS/RS key confusion.
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options={**options, "verify_aud": settings.jwt_audience is not None},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token has expired") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized("token audience is not accepted") from None
    except jwt.InvalidIssuerError:
        raise Unauthorized("token issuer is not accepted") from None
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthorized(f"token is missing the '{exc.claim}' claim") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("token is invalid") from None
    community = claims.get("community_id")
    if isinstance(community, bool) or not isinstance(community, (int, str)) or not str(community).isdigit():
        raise Unauthorized("token has no valid 'community_id' claim")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise Unauthorized("token 'scope' claim must be a space-separated string")
    client_id = claims.get("cid")
    if client_id is not None and (not isinstance(client_id, str) or not client_id.isprintable()
                                  or len(client_id) > 64):
        raise Unauthorized("token 'cid' claim must be a client id")
    return Principal(user_id=str(claims["sub"]), community_id=int(community), scopes=frozenset(scope.split()),
                     client_id=client_id)


def unknown_scopes(scope: str) -> list[str]:
    """Scope names a token would carry that no operation checks (a typo in `app.py token --scope`)."""
    return [s for s in scope.split() if s not in SCOPES]


def mint_token(settings: Settings, *, community_id: int, scope: str, subject: str = "local-admin",
               ttl_seconds: int = 3600, private_key: str | None = None,
               extra: dict[str, object] | None = None) -> str:
    """Signs a token (local use, and API clients' tokens). RS/ES algorithms need the private key
    (`--private-key-file`, or JWT_PRIVATE_KEY for the token endpoint)."""
    now = int(time.time())
    claims: dict[str, object] = {**(extra or {}), "sub": subject, "community_id": community_id, "scope": scope,
                                 "iat": now, "exp": now + ttl_seconds}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    key = private_key if settings.jwt_algorithm[:2] in ("RS", "ES") else settings.jwt_secret
    if not key:
        raise ValueError(f"a private key is needed to sign {settings.jwt_algorithm} tokens")
    return jwt.encode(claims, key, algorithm=settings.jwt_algorithm)
