"""People who use the CRM, their teams, sign-in sessions and API tokens."""

from datetime import datetime
from enum import Enum

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from backend.codes import referral_code
from backend.models.base import Editable


class Role(str, Enum):
    ADMIN = "admin"
    SALES_HEAD = "sales_head"
    SALES_REP = "sales_rep"
    SUPPORT = "support"
    MARKETING = "marketing"


class TokenScope(str, Enum):
    """What an API token may do, on top of (never beyond) its user's role: READ is every token's floor (what
    the user may see); each other scope allows the user's writes in one domain."""

    READ = "read"
    CUSTOMERS = "customers"  # customers, contacts, leads, activities, tasks, notes, files, segments
    DEALS = "deals"  # deals and lead conversion
    CAMPAIGNS = "campaigns"
    TICKETS = "tickets"
    ADMIN = "admin"  # settings: one's own, and an admin's administration (users, pipelines, erasure, …)


# Tokens made before scopes existed, and tokens created without a choice, keep their user's full rights.
ALL_SCOPES = [scope.value for scope in TokenScope]


class Team(Model):
    """A sales team; its head is the member whose role is sales_head (no cyclic key with User)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)

    class Meta:
        table = "team"


class User(Editable):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    subject = fields.CharField(max_length=255, unique=True, null=True, description="OIDC `sub`")
    role = fields.CharEnumField(Role, max_length=20, null=True)
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", null=True, related_name="members", on_delete=fields.SET_NULL
    )
    team_id: int | None
    time_zone = fields.CharField(max_length=64, default="UTC")
    # Who sells carries this in their campaign links (?ref=): drawn when the user is made (m0026 gave one to
    # those made before), renewed on request; everyone has one, and it counts only while they sell.
    referral_code = fields.CharField(max_length=16, null=True, unique=True, default=referral_code)
    language = fields.CharField(max_length=16, null=True, description="e.g. de; null: not known (English)")
    active = fields.BooleanField(default=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "crm_user"


class Session(Model):
    """A server-side sign-in: the cookie carries only a random id whose hash is the key."""

    id = fields.CharField(max_length=64, primary_key=True, description="sha256 of the cookie value")
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    user_agent = fields.CharField(max_length=300, default="")

    class Meta:
        table = "crm_session"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=12)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    scopes: fields.Field[list[str]] = fields.JSONField(default=lambda: list(ALL_SCOPES))  # TokenScope values
    expires_at = fields.DatetimeField(null=True)  # refused from then on, like a revoked token

    class Meta:
        table = "api_token"

    def expired(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at

    @staticmethod
    def working(at: datetime) -> Q:
        """The tokens that work at `at`: not revoked, not expired (the query's form of `expired`)."""
        return Q(revoked_at=None) & (Q(expires_at=None) | Q(expires_at__gt=at))


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=40)
    message = fields.CharField(max_length=500)
    entity = fields.CharField(max_length=40, null=True)
    entity_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
