"""/auth/login, /auth/callback and /auth/logout: OpenID Connect sign-in and sign-out."""

from __future__ import annotations

import logging

import httpx2  # Authlib's HTTP client when installed (pyproject pins it), so its errors are httpx2's
from authlib.integrations.base_client import OAuthError
from joserfc.errors import JoseError
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.auth import sessions
from backend.auth.oidc import oidc_client, oidc_config
from backend.services import users
from backend.settings import get_settings
from backend.web import pages
from backend.web.requests import authenticate

log = logging.getLogger("crm.auth")
LOGIN_STATE_SECONDS = 600


class LoginState:
    """Authlib keeps state, nonce and PKCE verifier of a sign-in in progress in a signed cookie.

    Only the /auth paths see it; the CRM's own sessions are server-side. Built on first use so that
    importing the app never reads (or generates) the secret key.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._by_scheme: dict[str, SessionMiddleware] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = scope.get("scheme") in ("https", "wss")
        key = "secure" if secure else "plain"
        if key not in self._by_scheme:
            self._by_scheme[key] = SessionMiddleware(
                self.app,
                secret_key=get_settings().secret_key,
                session_cookie="crm_login",
                max_age=LOGIN_STATE_SECONDS,
                path="/auth",
                same_site="lax",
                https_only=secure,
            )
        await self._by_scheme[key](scope, receive, send)


async def login(request: Request) -> Response:
    target = pages.safe_next(request.query_params.get("next"))
    if (await authenticate(request, via="ui")).signed_in:
        return RedirectResponse(target, status_code=303)
    request.session["next"] = target
    client = oidc_client(oidc_config(get_settings()))
    try:
        return await client.authorize_redirect(request, str(request.url_for("auth:callback")))
    except httpx2.HTTPError as exc:
        log.warning("identity provider unreachable: %s", exc)
        return pages.sign_in_failed("The identity provider does not answer; try again in a moment.", 502)


async def callback(request: Request) -> Response:
    settings = get_settings()
    client = oidc_client(oidc_config(settings))
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:  # forged or stale state, denied consent, replayed or expired code
        log.info("sign-in refused: %s %s", exc.error, exc.description)
        reason = "Sign-in was cancelled." if exc.error == "access_denied" else (
            "This sign-in link is invalid or was already used. Start again."
        )
        return pages.sign_in_failed(reason)
    except JoseError as exc:  # the ID token's signature, issuer, audience or nonce is wrong
        log.warning("ID token rejected: %s", exc)
        return pages.sign_in_failed("The identity provider's answer could not be verified.")
    except httpx2.HTTPError as exc:
        log.warning("identity provider unreachable: %s", exc)
        return pages.sign_in_failed("The identity provider does not answer; try again in a moment.", 502)
    claims = token.get("userinfo")
    if not claims:
        return pages.sign_in_failed("The identity provider sent no ID token.")
    try:
        _, cookie = await users.sign_in(claims, settings, request.headers.get("user-agent", ""))
    except users.SignInRefused as exc:
        return pages.refused(exc.message)
    previous = await authenticate(request, via="ui")
    if previous.session_id:  # one browser, one session: a new sign-in replaces the old one
        await users.sign_out(previous)
    response = RedirectResponse(pages.safe_next(request.session.pop("next", "/")), status_code=303)
    sessions.set_cookie(response, request, cookie, settings)
    return response


async def logout(request: Request) -> Response:
    actor = await authenticate(request, via="ui")
    if request.method == "GET":
        return pages.confirm_sign_out(actor)
    await users.sign_out(actor)
    response = pages.signed_out()
    sessions.clear_cookie(response, request)
    return response


def auth_mount() -> Mount:
    return Mount(
        "/auth",
        routes=[
            Route("/login", login, name="login"),
            Route("/callback", callback, name="callback"),
            Route("/logout", logout, methods=["GET", "POST"], name="logout"),
        ],
        middleware=[Middleware(LoginState)],
        name="auth",
    )
