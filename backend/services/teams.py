"""Teams: the admin creates and renames them; members join through updateUser (services.users)."""

from __future__ import annotations

from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import Team
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import diff, write


async def _free_name(value: Any, except_id: int | None = None) -> str:
    name = v.text("name", value, max_length=100, required=True)
    taken = Team.filter(name__iexact=name)
    if except_id is not None:
        taken = taken.exclude(id=except_id)
    if await taken.exists():
        raise BadUserInput("name", f"another team is already called {name!r}")
    return name


async def create_team(actor: Actor, name: Any) -> Team:
    permissions.require(actor, Action.CREATE_TEAM)
    clean = await _free_name(name)
    async with write(actor) as unit:
        team = await Team.create(name=clean)
        await unit.audit("team.create", "team", team.id, diff({}, {"name": clean}))
    return team


async def update_team(actor: Actor, raw_id: Any, name: Any) -> Team:
    """Rename a team. Nothing else about a team is stored: its members and head are users (updateUser)."""
    permissions.require(actor, Action.UPDATE_TEAM)
    team = await v.one(Team.filter(id=v.parse_id("id", raw_id)), "Team", raw_id, "id")
    clean = await _free_name(name, team.id)
    changes = diff({"name": team.name}, {"name": clean})
    if changes:
        async with write(actor) as unit:
            await Team.filter(id=team.id).update(name=clean)
            team.name = clean
            await unit.audit("team.update", "team", team.id, changes)
    return team
