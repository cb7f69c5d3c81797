"""Meeting booking: each user's working hours, and the links that let a contact book a meeting with them."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.activities import Activity
    from backend.models.contacts import Contact
    from backend.models.users import User


class WorkingHours(Model):
    """When a user takes meetings, in their own time zone (users.time_zone); a user without a row works
    the default week (services/booking.py: Monday to Friday, 09:00–17:00)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation["User"] = fields.OneToOneField(
        "models.User", related_name="working_hours", on_delete=fields.CASCADE
    )
    user_id: int
    weekdays = fields.CharField(max_length=7)  # ISO weekdays as digits, "12345" = Monday to Friday
    start_minute = fields.IntField()  # minutes after local midnight
    end_minute = fields.IntField()

    class Meta:
        table = "working_hours"


class BookingLink(Model):
    """A link `/b/{token}` sent to a contact: they pick one of the user's free slots, once, before it expires.
    Only the token's hash is kept (as for API tokens): the link itself is shown once and emailed."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="booking_links", on_delete=fields.CASCADE
    )
    user_id: int
    contact: fields.ForeignKeyRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", related_name="booking_links", on_delete=fields.CASCADE
    )
    contact_id: int
    duration_minutes = fields.IntField()
    days_ahead = fields.IntField()
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    booked_at = fields.DatetimeField(null=True)
    starts_at = fields.DatetimeField(null=True)  # the slot booked
    ends_at = fields.DatetimeField(null=True)
    activity: fields.ForeignKeyNullableRelation["Activity"] = fields.ForeignKeyField(
        "models.Activity", null=True, related_name="booking_links", on_delete=fields.SET_NULL
    )
    activity_id: int | None

    class Meta:
        table = "booking_link"
