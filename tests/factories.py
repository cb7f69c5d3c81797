"""Plain factory functions for tests: users per role, actors, and rows made through the services."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.graphql.root import schema
from backend.models import Role, Team, User
from backend.reads.context import Context
from backend.services import tokens

_seq = itertools.count(1)


def _next() -> str:
    """The next number, zero-padded so made names sort in the order they were made, whatever the worker ran
    before ("User 10" sorts before "User 9")."""
    return f"{next(_seq):05d}"


async def make_team(name: str | None = None) -> Team:
    return await Team.create(name=name or f"Team {_next()}")


async def make_user(role: Role | str | None = Role.ADMIN, team: Team | None = None, email: str | None = None) -> User:
    n = _next()
    return await User.create(
        email=email or f"user{n}@example.com",
        name=f"User {n}",
        role=Role(role) if role else None,
        team_id=team.id if team else None,
    )


def actor(user: User, via: str = "api") -> Actor:
    return Actor.for_user(user, via=via)


async def gql(who: Actor | User, document: str, **variables: Any) -> Any:
    """Run a document against the schema in-process; returns the execution result."""
    who = who if isinstance(who, Actor) else actor(who)
    return await schema.execute(document, variable_values=variables, context_value=Context(actor=who))


async def ok(who: Actor | User, document: str, **variables: Any) -> dict[str, Any]:
    result = await gql(who, document, **variables)
    assert result.errors is None, result.errors
    return result.data


async def error(who: Actor | User, document: str, **variables: Any) -> dict[str, Any]:
    """The first error's extensions (with its message under `message`)."""
    result = await gql(who, document, **variables)
    assert result.errors, f"expected an error, got {result.data}"
    return {**(result.errors[0].extensions or {}), "message": result.errors[0].message}


async def make_customer(who: User, **fields: Any) -> dict[str, Any]:
    values = {"name": f"Customer {_next()}", "email": f"c{_next()}@example.com", **fields}
    data = await ok(
        who,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version name status } }",
        input=values,
    )
    return data["createCustomer"]


async def make_contact(who: Actor | User, **fields: Any) -> dict[str, Any]:
    n = _next()
    values = {"name": f"Contact {n}", "email": f"p{n}@example.com", **fields}
    data = await ok(
        who,
        "mutation($input: CreateContactInput!) { createContact(input: $input) { id version name status isPrimary } }",
        input=values,
    )
    return data["createContact"]


async def log_activity(who: Actor | User, **fields: Any) -> dict[str, Any]:
    values = {"kind": "NOTE", "title": f"Activity {_next()}", **fields}
    if values["kind"] == "TASK":  # every task has a due date; tomorrow unless the test picks one
        values.setdefault("dueAt", (datetime.now(UTC) + timedelta(days=1)).isoformat())
    data = await ok(
        who,
        "mutation($input: LogActivityInput!) { logActivity(input: $input) { id version kind title taskStatus } }",
        input=values,
    )
    return data["logActivity"]


async def make_campaign(who: Actor | User, **fields: Any) -> dict[str, Any]:
    data = await ok(
        who,
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id code version status title } }",
        input={"title": f"Campaign {_next()}", "type": "PROMOTION", **fields},
    )
    return data["createCampaign"]


async def open_campaign(who: Actor | User, **fields: Any) -> dict[str, Any]:
    """A public campaign taken through the workflow to active: its public page is open."""
    c = await make_campaign(who, visibility="PUBLIC", **fields)
    for version, status in ((1, "NEW"), (2, "ACTIVE")):
        await ok(
            who,
            "mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) { status } }",
            input={"id": c["id"], "version": version, "status": status},
        )
    return {**c, "version": 3, "status": "ACTIVE"}


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change CRM_* settings for one test: `setting(CRM_PUBLIC_RATE_LIMIT="3")`; restored afterwards."""
    from backend.settings import reset_settings

    def change(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        reset_settings()

    yield change
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def fresh_limiter() -> Iterator[None]:
    """Public-action rate limits counted from zero (every test client comes from the same address)."""
    from backend.ratelimit import limiter

    limiter.reset()
    yield
    limiter.reset()


async def make_deal(who: Actor | User, customer_id: str, **fields: Any) -> dict[str, Any]:
    data = await ok(
        who,
        "mutation($input: CreateDealInput!) { createDeal(input: $input) "
        "{ id version title probability amount { amount currency } stage { id name kind } } }",
        input={"title": f"Deal {_next()}", "customerId": customer_id, **fields},
    )
    return data["createDeal"]


async def deal_watcher_and_changer() -> tuple[str, str, str]:
    """API tokens of a head watching and a rep changing deals of one customer, and its id (for tests
    across server processes, which take tokens)."""
    team = await make_team()
    admin = await make_user(Role.ADMIN)
    head, rep = await make_user(Role.SALES_HEAD, team), await make_user(Role.SALES_REP, team)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    _, watcher = await tokens.create(actor(head), "watcher")
    _, changer = await tokens.create(actor(rep), "changer")
    return watcher, changer, customer["id"]


def published(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The payloads of the events published from now on (the hub still delivers them), in order."""
    from backend.live import broadcast

    sent: list[Any] = []
    original = broadcast.hub.publish

    async def recording(event: Any) -> None:
        sent.append(event.data)
        await original(event)

    monkeypatch.setattr(broadcast.hub, "publish", recording)
    return sent
