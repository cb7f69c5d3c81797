"""Users, teams and API tokens: thin reads, and calls into services.users and services.tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import ApiToken, Team, User
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.common import SortDirection, provided
from backend.schema.users import (
    ApiTokenFilter,
    ApiTokenType,
    CreateApiTokenInput,
    CreateApiTokenPayload,
    CreateTeamInput,
    MeType,
    RevokeApiTokenInput,
    TeamType,
    UpdateMySettingsInput,
    UpdateTeamInput,
    UpdateUserInput,
    UserFilter,
    UserOrder,
    UserOrderField,
    UserType,
)
from backend.services import teams, tokens
from backend.services import users as service
from backend.services import validate as v


def filter_query(actor: Actor, query: QuerySet, where: UserFilter | None) -> QuerySet:
    if where is None:
        return query
    if where.assignable_for is not None:
        query = query.filter(permissions.assignee_rule(actor, where.assignable_for))
    if where.role:
        query = query.filter(role__in=list(where.role))
    if where.team_id:
        query = query.filter(team_id__in=[v.parse_id("filter.teamId", i) for i in where.team_id])
    if where.active is not None:
        query = query.filter(active=where.active)
    if where.search and where.search.strip():
        fragment = v.text("filter.search", where.search, max_length=100)
        query = query.filter(Q(name__icontains=fragment) | Q(email__icontains=fragment))
    return query


@strawberry.type
class UserQuery:
    @strawberry.field(description="You: the signed-in user, or the owner of the API token in use")
    async def me(self, info: Info) -> MeType:
        actor = info.context.actor
        permissions.require_role(actor)
        return MeType.of(await User.get(id=actor.user_id))

    @strawberry.field(description="Everyone who uses the CRM (every signed-in user may list colleagues)")
    async def users(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: UserFilter | None = None,
        order_by: UserOrder | None = None,
    ) -> Connection[UserType]:
        actor = info.context.actor
        permissions.require_role(actor)
        order = order_by or UserOrder(field=UserOrderField.NAME)
        return await paginate(
            filter_query(actor, User.all(), filter),
            field=order.field.value,
            descending=order.direction is SortDirection.DESC,
            first=first,
            after=after,
        )

    @strawberry.field(description="All teams, by name")
    async def teams(self, info: Info) -> list[TeamType]:
        permissions.require_role(info.context.actor)
        return TeamType.of_all(await Team.all().order_by("name", "id"))

    @strawberry.field(description="API tokens, newest first: your own; an admin's list holds everyone's")
    async def api_tokens(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: ApiTokenFilter | None = None,
    ) -> Connection[ApiTokenType]:
        query = filter_tokens(ApiToken.filter(permissions.token_rule(info.context.actor)), filter)
        # Ids grow with time: id order is creation order, and a cursor on the id alone is stable.
        return await paginate(query, field="id", descending=True, first=first, after=after)


def filter_tokens(query: QuerySet[ApiToken], where: ApiTokenFilter | None) -> QuerySet[ApiToken]:
    """The tokens of the list's filter (`working` reads the clock; the compiled reads narrow by it too)."""
    if where is not None and where.user_id is not None:
        query = query.filter(user_id=v.parse_id("filter.userId", where.user_id))
    if where is not None and where.working is not None:
        working = ApiToken.working(datetime.now(UTC))
        query = query.filter(working if where.working else ~working)
    return query


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Change a user's role, team, active flag, name or time zone (admins only)")
    async def update_user(self, info: Info, input: UpdateUserInput) -> UserType:
        data = provided(input)
        return UserType.of(await service.update_user(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Change your own settings: the language of your mail and your time zone")
    async def update_my_settings(self, info: Info, input: UpdateMySettingsInput) -> MeType:
        return MeType.of(await service.update_my_settings(info.context.actor, provided(input)))

    @strawberry.mutation(description="Create an API token for yourself; its secret is in the answer, and only there")
    async def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        token, secret = await tokens.create(
            info.context.actor, input.name, scopes=input.scopes, expires_at=input.expires_at)
        return CreateApiTokenPayload(token=secret, api_token=ApiTokenType.of(token))

    @strawberry.mutation(description="Revoke an API token: it stops working at once and its open streams end")
    async def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> ApiTokenType:
        return ApiTokenType.of(await tokens.revoke(info.context.actor, input.id))

    @strawberry.mutation(description="Create a team (admins); members join it through updateUser")
    async def create_team(self, info: Info, input: CreateTeamInput) -> TeamType:
        return TeamType.of(await teams.create_team(info.context.actor, input.name))

    @strawberry.mutation(description="Rename a team (admins)")
    async def update_team(self, info: Info, input: UpdateTeamInput) -> TeamType:
        return TeamType.of(await teams.update_team(info.context.actor, input.id, input.name))
