"""Users and teams as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from backend.models import Role as RoleModel
from backend.models import Team as TeamModel
from backend.schema.context import Info

Role = strawberry.enum(RoleModel, name="Role", description="What a user may see and do")


@strawberry.type(name="Team", description="A sales team; visibility of customers follows teams")
class TeamType:
    id: strawberry.ID = strawberry.field(description="Team id")
    name: str = strawberry.field(description="Team name")


@strawberry.type(name="User", description="A person who signs in to the CRM")
class UserType:
    id: strawberry.ID = strawberry.field(description="User id")
    email: str = strawberry.field(description="Sign-in email")
    name: str = strawberry.field(description="Display name")
    role: Role | None = strawberry.field(description="Role, or null when the identity provider maps none")  # type: ignore[valid-type]
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin")
    active: bool = strawberry.field(description="Deactivated users cannot sign in")
    version: int = strawberry.field(description="Send it back with updateUser")
    last_login_at: datetime | None = strawberry.field(description="Last sign-in")

    @strawberry.field(description="The user's team")
    async def team(self, info: Info) -> TeamType | None:
        team_id = self.team_id  # type: ignore[attr-defined]
        return await TeamModel.get_or_none(id=team_id) if team_id else None
