"""The OpenID Connect relying party: which provider, the Authlib client, and roles from claims."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from backend.models import Role
from backend.settings import ROLES, Settings

DEV_CLIENT_ID = "crm-dev"
# The dev provider accepts any secret; one per process keeps a real secret on the wire anyway.
_DEV_CLIENT_SECRET = secrets.token_urlsafe(24)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None


def dev_issuer(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.dev_oidc_port}"


def oidc_config(settings: Settings) -> OidcConfig:
    """CRM_OIDC_* when an issuer is set; otherwise the dev provider that `crm serve` starts."""
    if settings.oidc_issuer:
        return OidcConfig(
            issuer=settings.oidc_issuer.rstrip("/"),
            client_id=settings.oidc_client_id or "crm",
            client_secret=settings.oidc_client_secret,
        )
    return OidcConfig(issuer=dev_issuer(settings), client_id=DEV_CLIENT_ID, client_secret=_DEV_CLIENT_SECRET)


@lru_cache(maxsize=8)
def oidc_client(config: OidcConfig) -> StarletteOAuth2App:
    """Authorization-code flow with PKCE (S256), state and nonce; discovery from the issuer."""
    client_kwargs: dict[str, Any] = {"scope": "openid email profile", "code_challenge_method": "S256"}
    if not config.client_secret:
        client_kwargs["token_endpoint_auth_method"] = "none"  # a public client: PKCE alone proves the caller
    return OAuth().register(
        name="crm",
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )


def role_from_claims(claims: Mapping[str, Any], settings: Settings) -> Role | None:
    """The role the provider grants through CRM_ROLE_CLAIM (a string or a list) and CRM_ROLE_MAP.

    A claim value equal to a role name maps to it; several mapped values grant the strongest role (in
    the order of ROLES). None when nothing maps: the provider grants no role, and the CRM keeps the one
    an administrator gave (a new user starts without one and sees a page saying so).
    """
    raw = claims.get(settings.role_claim)
    if isinstance(raw, str):
        values = [raw]
    else:
        values = [v for v in raw if isinstance(v, str)] if isinstance(raw, list) else []
    granted = {settings.role_map.get(v, v) for v in values} & set(ROLES)
    return next((Role(role) for role in ROLES if role in granted), None)
