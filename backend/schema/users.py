"""Users, teams and API tokens as the API shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry
from strawberry.types.unset import UNSET
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import ApiToken, Team, User
from backend.models import Role as RoleModel
from backend.models import TokenScope as TokenScopeModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.common import SortDirection
from backend.schema.rows import Shows

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
Role = RoleModel
strawberry.enum(Role, name="Role", description="What a user may see and do")
TokenScope = TokenScopeModel
strawberry.enum(
    TokenScope,
    name="TokenScope",
    description="What an API token may do, never beyond its user's role: READ (every token: what its user sees); "
    "CUSTOMERS (customers, contacts, leads, activities, tasks, notes, files, segments), DEALS (deals, converting "
    "leads), CAMPAIGNS, TICKETS: writes in that domain; ADMIN: settings and administration",
)


@strawberry.type(name="Team", description="A sales team; visibility of customers follows teams")
class TeamType(Shows[Team]):
    id: strawberry.ID = strawberry.field(description="Team id")
    name: str = strawberry.field(description="Team name")

    @strawberry.field(description="The team's head: its member with the sales_head role")
    @staticmethod
    async def head(team: strawberry.Parent[Team], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.team_head.load(team.id))

    @strawberry.field(description="The team's members (deactivated ones included), by name")
    @staticmethod
    async def members(team: strawberry.Parent[Team], info: Info) -> list[UserType]:
        return UserType.of_all(await info.context.loaders.members_of_team.load(team.id))


@strawberry.type(name="User", description="A person who signs in to the CRM")
class UserType(Shows[User]):
    id: strawberry.ID = strawberry.field(description="User id")
    email: str = strawberry.field(description="Sign-in email")
    name: str = strawberry.field(description="Display name")
    role: Role | None = strawberry.field(description="Role, or null when the identity provider maps none")
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin")
    language: str | None = strawberry.field(
        description="Language of the user's mail, e.g. de (null: not known; English)"
    )
    active: bool = strawberry.field(description="Deactivated users cannot sign in")
    version: int = strawberry.field(description="Send it back with updateUser")
    last_login_at: datetime | None = strawberry.field(description="Last sign-in")

    @strawberry.field(description="The user's team")
    @staticmethod
    async def team(user: strawberry.Parent[User], info: Info) -> TeamType | None:
        return TeamType.of_maybe(await info.context.loaders.team.load(user.team_id)) if user.team_id else None


@strawberry.type(name="ApiToken", description="A token for API clients; its secret was shown once, at creation")
class ApiTokenType(Shows[ApiToken]):
    id: strawberry.ID = strawberry.field(description="Token id (pass it to revokeApiToken)")
    name: str = strawberry.field(description="What the token is for; audit entries show it as token:<name>")
    prefix: str = strawberry.field(description="The start of the secret (crm_<prefix>_…), to tell tokens apart")
    created_at: datetime = strawberry.field(description="When it was created")
    last_used_at: datetime | None = strawberry.field(description="Last request made with it (to the minute)")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; it no longer works")
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: until revoked")

    @strawberry.field(description="What it may do (READ always among them), within its user's rights",
                      metadata=reads("scopes"))
    @staticmethod
    def scopes(token: strawberry.Parent[ApiToken]) -> list[TokenScope]:
        return [TokenScope(value) for value in token.scopes]

    @strawberry.field(description="Whose token it is: it acts as this user")
    @staticmethod
    async def user(token: strawberry.Parent[ApiToken], info: Info) -> UserType | None:
        return UserType.of_maybe(await info.context.loaders.user.load(token.user_id))


@strawberry.type(name="Me", description="The signed-in user (or the owner of the API token in use)")
class MeType(UserType):
    @strawberry.field(description="Operations your role may offer (row rules still apply to each row)")
    def allowed_actions(self, info: Info) -> list[str]:
        return permissions.allowed_actions(info.context.actor)

    @strawberry.field(description="Your API tokens that still work, newest first")
    async def api_tokens(self, info: Info) -> list[ApiTokenType]:
        return ApiTokenType.of_all(await live_tokens(info.context.actor).order_by("-created_at", "-id"))


def live_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """The caller's tokens that still work, by the clock now (Me.apiTokens, on both read paths)."""
    return ApiToken.filter(ApiToken.working(datetime.now(UTC)), user_id=actor.user_id)


AssignmentPurpose = permissions.Assignment
strawberry.enum(
    AssignmentPurpose,
    name="AssignmentPurpose",
    description="What a user would be made responsible for: ACCOUNT_MANAGER of a customer, OWNER of a contact, "
    "lead or deal, or assignee of a TASK",
)


@strawberry.input(description="Which users to list")
class UserFilter:
    role: list[Role] | None = strawberry.field(default=None, description="Any of these roles")
    team_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Members of any of these teams")
    active: bool | None = strawberry.field(default=None, description="Only active (true) or deactivated (false) users")
    search: str | None = strawberry.field(default=None, description="Fragment of name or email")
    assignable_for: AssignmentPurpose | None = strawberry.field(
        default=None, description="Only users you may make responsible for this (what pickers offer)"
    )


@strawberry.enum(description="What to sort users by")
class UserOrderField(Enum):
    NAME = "name"
    EMAIL = "email"
    CREATED_AT = "created_at"


@strawberry.input(description="Sort order of users")
class UserOrder:
    field: UserOrderField = strawberry.field(description="Sort key")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="An admin's change to a user; send only the fields to change, and the version read")
class UpdateUserInput:
    id: strawberry.ID = strawberry.field(description="The user")
    version: int = strawberry.field(description="The version you read (CONFLICT when it changed since)")
    role: Role | None = strawberry.field(default=UNSET, description="New role; null removes every right")
    team_id: strawberry.ID | None = strawberry.field(default=UNSET, description="New team; null for none")
    active: bool | None = strawberry.field(
        default=UNSET, description="false deactivates: sessions and live streams end at once"
    )
    name: str | None = strawberry.field(default=UNSET, description="Display name")
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA time zone, e.g. Europe/Berlin")


@strawberry.input(description="Your own settings; send only those to change")
class UpdateMySettingsInput:
    language: str | None = strawberry.field(
        default=UNSET, description="Language of your mail, e.g. en or de (de-DE works too); null: not set (English)"
    )
    time_zone: str | None = strawberry.field(
        default=UNSET, description="Your IANA time zone, e.g. Asia/Tokyo: your morning digest comes at 07:00 there"
    )


@strawberry.input(description="A new API token")
class CreateApiTokenInput:
    name: str = strawberry.field(description="What the token is for, unique among your working tokens")
    scopes: list[TokenScope] | None = strawberry.field(
        default=None, description="What it may do (READ is added); omitted: everything you may (all scopes)"
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working (in the future); omitted: until revoked"
    )


@strawberry.type(description="A new API token and its secret")
class CreateApiTokenPayload:
    token: str = strawberry.field(description="The secret (Authorization: Bearer <token>); shown only this once")
    api_token: ApiTokenType = strawberry.field(description="The token's record")


@strawberry.input(description="The token to revoke")
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(description="Token id (yours; an admin may revoke anyone's)")



@strawberry.input(description="Which API tokens to list")
class ApiTokenFilter:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Tokens of this user")
    working: bool | None = strawberry.field(
        default=None, description="true: only tokens that still work; false: only revoked or expired ones"
    )


@strawberry.input(description="A new team")
class CreateTeamInput:
    name: str = strawberry.field(description="Team name, unique (ignoring case)")


@strawberry.input(description="A team's new name (members change team with updateUser)")
class UpdateTeamInput:
    id: strawberry.ID = strawberry.field(description="The team")
    name: str = strawberry.field(description="New name, unique (ignoring case)")
