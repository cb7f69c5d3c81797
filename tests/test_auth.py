"""Signing in for real through OpenID Connect (oidc-provider-mock), sessions, sign-out, origins."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.auth.callers import callers
from backend.auth.sessions import now
from backend.models import AuditEntry, Role, Session, User
from backend.settings import get_settings, reset_settings
from tests.factories import make_customer, make_team, make_user, ok
from tests.oidc import (
    APP,
    access_revocations,
    approve,
    browser,
    crm_app,
    error_code,
    graphql,
    issuer,
    put_demo_user,
    put_user,
    query_params,
    session_cookie,
    sign_in,
    start_login,
)

__all__ = ["crm_app", "issuer"]  # fixtures used by the tests below

ME = "{ me { email name role team { name } allowedActions } }"


@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_each_role_signs_in_and_me_shows_it(crm_app, issuer, role):
    email = f"{role}.person@example.com"
    await put_demo_user(issuer, email, role, name="Pat Person")
    async with browser(crm_app) as client:
        response = await sign_in(client, email)
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert "crm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        me = (await graphql(client, ME))["data"]["me"]
    assert (me["email"], me["name"], me["role"]) == (email, "Pat Person", role.upper())
    user = await User.get(email=email)
    assert user.subject == email and user.last_login_at is not None
    actions = await AuditEntry.filter(entity="user", entity_id=str(user.id)).values_list("action", flat=True)
    assert sorted(actions) == ["user.create", "user.sign_in"]


async def test_later_sign_in_updates_name_and_role_from_claims(crm_app, issuer):
    await put_demo_user(issuer, "mover@example.com", "sales_rep", name="Old Name")
    async with browser(crm_app) as client:
        await sign_in(client, "mover@example.com")
    await put_demo_user(issuer, "mover@example.com", "sales_head", name="New Name")
    async with browser(crm_app) as client, access_revocations() as next_event:
        await sign_in(client, "mover@example.com")
        me = (await graphql(client, ME))["data"]["me"]
        event = await next_event()
    assert (me["name"], me["role"]) == ("New Name", "SALES_HEAD")
    user = await User.get(email="mover@example.com")
    assert event.payload == {"user_id": user.id} and user.version == 2
    update = await AuditEntry.get(action="user.update", entity_id=str(user.id))
    assert update.changes == {"name": ["Old Name", "New Name"], "role": ["sales_rep", "sales_head"]}


async def test_first_sign_in_links_a_user_created_beforehand(crm_app, issuer):
    team = await make_team("North")
    seeded = await make_user(Role.SALES_REP, team=team, email="seeded@example.com")
    await put_demo_user(issuer, "seeded@example.com", "sales_rep")
    async with browser(crm_app) as client:
        await sign_in(client, "seeded@example.com")
        me = (await graphql(client, ME))["data"]["me"]
    assert me["team"] == {"name": "North"}
    assert (await User.get(id=seeded.id)).subject == "seeded@example.com"


async def test_unmapped_role_signs_in_but_every_operation_is_forbidden(crm_app, issuer):
    await put_demo_user(issuer, "nobody@example.com", "crm-visitors")
    async with browser(crm_app) as client:
        response = await sign_in(client, "nobody@example.com")
        assert response.status_code == 303 and session_cookie(client)
        for query in (ME, "{ customers { totalCount } }", "{ users { totalCount } }", "{ teams { id } }"):
            assert error_code(await graphql(client, query)) == "FORBIDDEN"
        mutation = 'mutation { createApiToken(input: {name: "x"}) { token } }'
        assert error_code(await graphql(client, mutation)) == "FORBIDDEN"
    assert (await User.get(email="nobody@example.com")).role is None


async def test_role_claim_and_role_map_settings(crm_app, issuer, monkeypatch):
    monkeypatch.setenv("CRM_ROLE_CLAIM", "crm_roles")
    monkeypatch.setenv("CRM_ROLE_MAP", "crm-sales=sales_rep, crm-admins=admin")
    reset_settings()
    await put_user(issuer, "mapped@example.com", {"email": "mapped@example.com", "name": "M", "crm_roles": "crm-sales"})
    await put_user(
        issuer, "multi@example.com", {"email": "multi@example.com", "name": "N", "crm_roles": ["crm-sales", "crm-admins"]}
    )
    await put_user(issuer, "direct@example.com", {"email": "direct@example.com", "name": "D", "crm_roles": ["support"]})
    roles = {}
    for email in ("mapped@example.com", "multi@example.com", "direct@example.com"):
        async with browser(crm_app) as client:
            await sign_in(client, email)
            roles[email] = (await graphql(client, ME))["data"]["me"]["role"]
    assert roles == {"mapped@example.com": "SALES_REP", "multi@example.com": "ADMIN", "direct@example.com": "SUPPORT"}


@pytest.mark.parametrize("claim", [None, "crm-visitors"])
async def test_without_a_mapped_role_claim_the_admins_choice_stands(crm_app, issuer, claim):
    await make_user(Role.SUPPORT, email="granted@example.com")
    await put_demo_user(issuer, "granted@example.com", claim)
    async with browser(crm_app) as client:
        await sign_in(client, "granted@example.com")
        assert (await graphql(client, ME))["data"]["me"]["role"] == "SUPPORT"


async def test_deactivation_ends_the_session_and_refuses_sign_in(crm_app, issuer):
    admin = await make_user(Role.ADMIN)
    await put_demo_user(issuer, "leaver@example.com", "sales_rep")
    async with browser(crm_app) as client:
        await sign_in(client, "leaver@example.com")
        assert (await graphql(client, ME))["data"]["me"]["email"] == "leaver@example.com"
        leaver = await User.get(email="leaver@example.com")
        async with access_revocations() as next_event:
            await ok(
                admin,
                "mutation($input: UpdateUserInput!) { updateUser(input: $input) { active } }",
                input={"id": str(leaver.id), "version": leaver.version, "active": False},
            )
            assert (await next_event()).payload == {"user_id": leaver.id}
        assert await Session.filter(user_id=leaver.id, ended_at=None).count() == 0
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"
        refused = await sign_in(client, "leaver@example.com")
    assert refused.status_code == 403 and "deactivated" in refused.text
    assert "crm_session" not in refused.headers.get("set-cookie", "")


async def test_sign_out_ends_the_session(crm_app, issuer):
    await put_demo_user(issuer, "bye@example.com", "support")
    async with browser(crm_app) as client:
        await sign_in(client, "bye@example.com")
        cookie = session_cookie(client)
        confirm = await client.get(f"{APP}/auth/logout")
        assert confirm.status_code == 200 and 'method="post"' in confirm.text
        async with access_revocations() as next_event:
            response = await client.post(f"{APP}/auth/logout")
            event = await next_event()
        assert response.status_code == 200 and session_cookie(client) is None
    session = await Session.get(user__email="bye@example.com")
    assert session.ended_at is not None and event.payload == {"session_id": session.id}
    async with browser(crm_app) as replay:
        replay.cookies.set("crm_session", cookie)
        assert error_code(await graphql(replay, ME)) == "UNAUTHENTICATED"
    assert await AuditEntry.filter(action="user.sign_out").count() == 1


async def test_idle_and_absolute_expiry(crm_app, issuer):
    settings = get_settings()
    await put_demo_user(issuer, "idle@example.com", "support")
    async with browser(crm_app) as client:
        await sign_in(client, "idle@example.com")
        session = await Session.get(user__email="idle@example.com")
        # Seen recently: the request does not rewrite last_seen_at; seen two minutes ago: it does.
        await graphql(client, ME)
        assert (await Session.get(id=session.id)).last_seen_at == session.last_seen_at
        # Time passes as edits of the row here; the held session sees them at its re-check (each second).
        two_minutes_ago = now() - timedelta(minutes=2)
        await Session.filter(id=session.id).update(last_seen_at=two_minutes_ago)
        await callers.recheck()
        await graphql(client, ME)
        assert (await Session.get(id=session.id)).last_seen_at > two_minutes_ago
        idle_past = now() - timedelta(seconds=settings.session_idle_seconds + 1)
        await Session.filter(id=session.id).update(last_seen_at=idle_past)
        await callers.recheck()
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"
        assert (await Session.get(id=session.id)).ended_at is not None

        await sign_in(client, "idle@example.com")
        assert (await graphql(client, ME))["data"]["me"]
        await Session.filter(ended_at=None).update(expires_at=now() - timedelta(seconds=1))
        await callers.recheck()
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"


async def test_forged_state_is_refused(crm_app, issuer):
    await put_demo_user(issuer, "forger@example.com", "admin")
    async with browser(crm_app) as client:
        callback = await approve(client, await start_login(client), "forger@example.com")
        params = query_params(callback)
        forged = await client.get(f"{APP}/auth/callback", params={**params, "state": "forged" + params["state"]})
        assert forged.status_code == 400 and session_cookie(client) is None
    async with browser(crm_app) as stranger:  # a callback this browser never started
        response = await stranger.get(callback)
        assert response.status_code == 400 and session_cookie(stranger) is None
    assert await Session.all().count() == 0


async def test_replayed_code_is_refused(crm_app, issuer):
    await put_demo_user(issuer, "replay@example.com", "admin")
    async with browser(crm_app) as client:
        callback = await approve(client, await start_login(client), "replay@example.com")
        assert (await client.get(callback)).status_code == 303
        assert (await client.get(callback)).status_code == 400  # same state again
    async with browser(crm_app) as attacker:  # a fresh state of their own, with the used code
        fresh = query_params(await approve(attacker, await start_login(attacker), "replay@example.com"))
        used_code = query_params(callback)["code"]
        response = await attacker.get(f"{APP}/auth/callback", params={"code": used_code, "state": fresh["state"]})
        assert response.status_code == 400 and session_cookie(attacker) is None
    assert await Session.all().count() == 1


async def test_tampered_cookie_is_refused(crm_app, issuer):
    await put_demo_user(issuer, "tamper@example.com", "admin")
    async with browser(crm_app) as client:
        await sign_in(client, "tamper@example.com")
        value = session_cookie(client)
        client.cookies.set("crm_session", value[:-1] + ("A" if value[-1] != "A" else "B"))
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"


async def test_next_is_kept_on_this_site(crm_app, issuer):
    await put_demo_user(issuer, "next@example.com", "admin")
    async with browser(crm_app) as client:
        response = await sign_in(client, "next@example.com", next_path="/customers/7?tab=deals")
        assert response.headers["location"] == "/customers/7?tab=deals"
        # Already signed in: /auth/login goes straight on.
        again = await client.get(f"{APP}/auth/login", params={"next": "/pipeline"})
        assert again.status_code == 303 and again.headers["location"] == "/pipeline"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        async with browser(crm_app) as client:
            response = await sign_in(client, "next@example.com", next_path=evil)
            assert response.headers["location"] == "/"


async def test_a_foreign_origin_cannot_use_the_session(crm_app, issuer, monkeypatch):
    await put_demo_user(issuer, "origin@example.com", "admin")
    async with browser(crm_app) as client:
        await sign_in(client, "origin@example.com")
        evil = await client.post(
            f"{APP}/graphql", json={"query": ME}, headers={"Origin": "https://evil.example"}
        )
        assert evil.status_code == 403
        assert (await client.post(f"{APP}/auth/logout", headers={"Origin": "https://evil.example"})).status_code == 403
        assert (await graphql(client, ME, headers={"Origin": APP}))["data"]["me"]
        assert (await graphql(client, ME, headers={"Origin": "http://127.0.0.1:8000"}))["data"]["me"]
        monkeypatch.setenv("CRM_ALLOWED_ORIGINS", "https://partner.example")
        reset_settings()
        assert (await graphql(client, ME, headers={"Origin": "https://partner.example"}))["data"]["me"]
    assert await Session.filter(ended_at=None).count() == 1  # the foreign logout ended nothing


async def test_two_reps_in_different_teams_see_different_customers(crm_app, issuer):
    admin = await make_user(Role.ADMIN)
    north, south = await make_team("North"), await make_team("South")
    rep = await make_user(Role.SALES_REP, team=north, email="rep@example.com")
    rep2 = await make_user(Role.SALES_REP, team=south, email="rep2@example.com")
    mine = await make_customer(admin, name="North Co", accountManagerId=str(rep.id))
    theirs = await make_customer(admin, name="South Co", accountManagerId=str(rep2.id))
    for email in ("rep@example.com", "rep2@example.com"):
        await put_demo_user(issuer, email, "sales_rep")
    listing = "{ customers { totalCount edges { node { name } } } }"
    one = "query($id: ID!) { customer(id: $id) { name } }"
    async with browser(crm_app) as north_client, browser(crm_app) as south_client:
        await sign_in(north_client, "rep@example.com")
        await sign_in(south_client, "rep2@example.com")
        north_list = (await graphql(north_client, listing))["data"]["customers"]
        south_list = (await graphql(south_client, listing))["data"]["customers"]
        assert north_list == {"totalCount": 1, "edges": [{"node": {"name": "North Co"}}]}
        assert south_list == {"totalCount": 1, "edges": [{"node": {"name": "South Co"}}]}
        assert (await graphql(north_client, one, id=mine["id"]))["data"]["customer"]["name"] == "North Co"
        assert error_code(await graphql(north_client, one, id=theirs["id"])) == "NOT_FOUND"
        assert error_code(await graphql(south_client, one, id=mine["id"])) == "NOT_FOUND"


async def test_anonymous_requests_are_unauthenticated(crm_app):
    async with browser(crm_app) as client:
        for query in (ME, "{ customers { totalCount } }", "{ auditLog { totalCount } }"):
            assert error_code(await graphql(client, query)) == "UNAUTHENTICATED"
        login = await client.get(f"{APP}/auth/login")
        assert login.status_code == 302
        target = query_params(login.headers["location"])
        assert target["code_challenge_method"] == "S256" and target["code_challenge"]
        assert target["nonce"] and target["state"] and target["client_id"] == "crm-test"


async def test_ui_pages_send_strangers_to_sign_in_and_roleless_users_to_a_page_saying_so(crm_app, issuer):
    async with browser(crm_app) as client:
        response = await client.get(f"{APP}/customers?status=active")
        assert response.status_code == 303
        assert response.headers["location"] == "/auth/login?next=/customers%3Fstatus%3Dactive"
    await put_demo_user(issuer, "waiting@example.com", "nothing-mapped")
    async with browser(crm_app) as client:
        await sign_in(client, "waiting@example.com")
        page = await client.get(f"{APP}/")
        assert page.status_code == 403 and "no CRM role" in page.text and 'action="/auth/logout"' in page.text
        assert "waiting@example.com" in page.text


async def test_denying_at_the_provider_cancels_sign_in(crm_app, issuer):
    async with browser(crm_app) as client:
        denied = await client.post(await start_login(client), data={"action": "deny"})
        assert denied.status_code == 302
        response = await client.get(denied.headers["location"])
    assert response.status_code == 400 and "cancelled" in response.text and session_cookie(client) is None


async def test_an_unverified_email_does_not_take_over_an_existing_account(crm_app, issuer):
    await make_user(Role.ADMIN, email="boss@example.com")
    await put_user(issuer, "intruder", {"email": "boss@example.com", "email_verified": False, "groups": ["admin"]})
    async with browser(crm_app) as client:
        response = await sign_in(client, "intruder")
    assert response.status_code == 403 and "not verified" in response.text
    assert (await User.get(email="boss@example.com")).subject is None


async def test_session_cookie_is_secure_over_https(crm_app, issuer):
    await put_demo_user(issuer, "tls@example.com", "admin")
    async with httpx.AsyncClient(mounts={"https://testserver": httpx.ASGITransport(crm_app)}) as client:
        login = await client.get("https://testserver/auth/login")
        assert query_params(login.headers["location"])["redirect_uri"] == "https://testserver/auth/callback"
        response = await client.get(await approve(client, login.headers["location"], "tls@example.com"))
    cookie = response.headers["set-cookie"]
    assert "crm_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


async def test_an_unreachable_provider_gives_a_clear_page(crm_app, monkeypatch):
    monkeypatch.setenv("CRM_OIDC_ISSUER", "http://127.0.0.1:9")  # discard port: nothing listens
    reset_settings()
    async with browser(crm_app) as client:
        response = await client.get(f"{APP}/auth/login")
    assert response.status_code == 502 and "does not answer" in response.text
