"""Plain factory functions for tests: users per role, actors, and rows made through the services."""

from __future__ import annotations

import itertools
from typing import Any

from backend.auth.actor import Actor
from backend.models import Role, Team, User
from backend.schema.context import Context
from backend.schema.root import schema

_seq = itertools.count(1)


async def make_team(name: str | None = None) -> Team:
    return await Team.create(name=name or f"Team {next(_seq)}")


async def make_user(role: Role | str | None = Role.ADMIN, team: Team | None = None, email: str | None = None) -> User:
    n = next(_seq)
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
    values = {"name": f"Customer {next(_seq)}", "email": f"c{next(_seq)}@example.com", **fields}
    data = await ok(
        who,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version name status } }",
        input=values,
    )
    return data["createCustomer"]


async def make_contact(who: Actor | User, **fields: Any) -> dict[str, Any]:
    n = next(_seq)
    values = {"name": f"Contact {n}", "email": f"p{n}@example.com", **fields}
    data = await ok(
        who,
        "mutation($input: CreateContactInput!) { createContact(input: $input) { id version name status isPrimary } }",
        input=values,
    )
    return data["createContact"]


async def log_activity(who: Actor | User, **fields: Any) -> dict[str, Any]:
    values = {"kind": "NOTE", "title": f"Activity {next(_seq)}", **fields}
    data = await ok(
        who,
        "mutation($input: LogActivityInput!) { logActivity(input: $input) { id version kind title taskStatus } }",
        input=values,
    )
    return data["logActivity"]
