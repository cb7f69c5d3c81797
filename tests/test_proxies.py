"""Behind a TLS-terminating reverse proxy: the scheme the client used (X-Forwarded-Proto) is believed
only from CRM_TRUSTED_PROXIES. Then the session and sign-in cookies are Secure, the origin check
compares with the https origin and the OIDC redirect_uri is https; from anyone else the header is
ignored. Signing in runs the real authorization-code flow against the test provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from backend.proxies import forwarded
from backend.settings import reset_settings
from tests.oidc import approve, crm_app, issuer, put_demo_user, query_params  # noqa: F401

SITE = "crm.example.com"
PROXY = "10.0.0.7"
STRANGER = "192.0.2.9"
FORWARDED_HTTPS = {"x-forwarded-proto": "https"}
ME = {"query": "{ me { email } }"}


@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TRUSTED_PROXIES", "10.0.0.0/24")
    reset_settings()


class TlsTerminatingProxy(httpx.AsyncBaseTransport):
    """A reverse proxy at `peer` that takes the client's HTTPS and speaks plain HTTP to the app, saying
    which scheme the client used in X-Forwarded-Proto (as nginx's `$scheme` does)."""

    def __init__(self, app, peer: str) -> None:  # type: ignore[no-untyped-def]
        self.app = httpx.ASGITransport(app, client=(peer, 40000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["x-forwarded-proto"] = request.url.scheme
        request.url = request.url.copy_with(scheme="http")
        return await self.app.handle_async_request(request)


@asynccontextmanager
async def via(app, peer: str) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A browser on https://crm.example.com whose requests reach the app through a proxy at `peer`."""
    proxy = TlsTerminatingProxy(app, peer)
    async with httpx.AsyncClient(mounts={f"http://{SITE}": proxy, f"https://{SITE}": proxy}, timeout=10.0) as client:
        yield client


async def signed_in(client: httpx.AsyncClient, email: str) -> tuple[str, httpx.Response]:
    """The redirect_uri the app sent to the provider, and the callback's answer."""
    login = await client.get(f"https://{SITE}/auth/login")
    assert login.status_code == 302, login.text
    assert "secure" in login.headers["set-cookie"].lower()  # the sign-in state too
    redirect_uri = query_params(login.headers["location"])["redirect_uri"]
    return redirect_uri, await client.get(await approve(client, login.headers["location"], email))


async def test_a_trusted_proxy_makes_cookies_secure_origins_https_and_redirects_https(crm_app, issuer, behind_proxy):  # noqa: F811
    await put_demo_user(issuer, "proxied@example.com", "admin")
    async with via(crm_app, PROXY) as client:
        redirect_uri, callback = await signed_in(client, "proxied@example.com")
        assert redirect_uri == f"https://{SITE}/auth/callback"
        assert callback.status_code == 303, callback.text
        cookie = callback.headers["set-cookie"]
        assert "crm_session=" in cookie and "Secure" in cookie
        same_site = await client.post(f"https://{SITE}/graphql", json=ME, headers={"origin": f"https://{SITE}"})
        plain = await client.post(f"https://{SITE}/graphql", json=ME, headers={"origin": f"http://{SITE}"})
    assert same_site.status_code == 200 and same_site.json()["data"]["me"]["email"] == "proxied@example.com"
    assert plain.status_code == 403  # http://… is another origin than the https one the client uses


@asynccontextmanager
async def claiming_https(app, peer: str) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A client at `peer` speaking plain HTTP to the app itself while saying X-Forwarded-Proto: https."""
    transport = httpx.ASGITransport(app, client=(peer, 40000))
    async with httpx.AsyncClient(mounts={f"http://{SITE}": transport}, headers=FORWARDED_HTTPS, timeout=10.0) as client:
        yield client


async def test_an_untrusted_peer_cannot_claim_https(crm_app, issuer, behind_proxy):  # noqa: F811
    await put_demo_user(issuer, "direct@example.com", "admin")
    async with claiming_https(crm_app, STRANGER) as client:
        login = await client.get(f"http://{SITE}/auth/login")
        redirect_uri = query_params(login.headers["location"])["redirect_uri"]
        callback = await client.get(await approve(client, login.headers["location"], "direct@example.com"))
        cookie = callback.headers["set-cookie"]
        claimed = await client.post(f"http://{SITE}/graphql", json=ME, headers={"origin": f"https://{SITE}"})
        actual = await client.post(f"http://{SITE}/graphql", json=ME, headers={"origin": f"http://{SITE}"})
    assert redirect_uri == f"http://{SITE}/auth/callback"
    assert "crm_session=" in cookie and "Secure" not in cookie
    assert claimed.status_code == 403
    assert actual.status_code == 200 and actual.json()["data"]["me"]["email"] == "direct@example.com"


async def test_without_trusted_proxies_the_header_is_ignored(crm_app, issuer):  # noqa: F811
    async with claiming_https(crm_app, PROXY) as client:
        login = await client.get(f"http://{SITE}/auth/login")
    assert query_params(login.headers["location"])["redirect_uri"] == f"http://{SITE}/auth/callback"


def scope(kind: str, peer: str, *headers: tuple[bytes, bytes]) -> dict:
    return {"type": kind, "scheme": "ws" if kind == "websocket" else "http", "client": (peer, 1),
            "headers": [(b"host", SITE.encode()), *headers]}


@pytest.mark.parametrize(
    ("kind", "peer", "proto", "scheme"),
    [
        ("http", PROXY, b"https", "https"),
        ("http", PROXY, b"HTTPS", "https"),
        ("websocket", PROXY, b"https", "wss"),
        ("websocket", PROXY, b"wss", "wss"),
        ("http", PROXY, b"http, https", "https"),  # the rightmost entry is the one our proxy added
        ("http", PROXY, b"https, http", "http"),
        ("http", PROXY, b"gopher", "http"),
        ("http", STRANGER, b"https", "http"),
        ("websocket", STRANGER, b"https", "ws"),
    ],
)
def test_the_forwarded_scheme(behind_proxy, kind, peer, proto, scheme):
    assert forwarded(scope(kind, peer, (b"x-forwarded-proto", proto)))["scheme"] == scheme


def test_forwarded_host_is_not_believed(behind_proxy):
    """The proxy passes the Host the client addressed (and routes by it); X-Forwarded-Host is often
    passed through from the client unchecked, so it never replaces Host."""
    changed = forwarded(scope("http", PROXY, (b"x-forwarded-proto", b"https"), (b"x-forwarded-host", b"evil.example")))
    assert (b"host", SITE.encode()) in changed["headers"] and changed["scheme"] == "https"
