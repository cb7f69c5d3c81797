"""How each user wants to hear of each kind of notification: in the app, by email, or both."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.users import User


class NotificationPreference(Model):
    """A user's choice for one kind; a kind without a row uses the kind's default (services/preferences.py)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="notification_preferences", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=40)
    in_app = fields.BooleanField()
    email = fields.BooleanField()
    digest = fields.BooleanField(default=False, description="email collected into one morning digest")

    class Meta:
        table = "notification_preference"
        unique_together = (("user", "kind"),)


class DigestItem(Model):
    """Something a user chose to hear of in their morning digest rather than by one email each; the
    digest that carried it sets `sent_at` (services/digest.py)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="digest_items", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=40)
    values: fields.Field[dict] = fields.JSONField(default=dict)
    entity = fields.CharField(max_length=40, null=True)
    entity_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "digest_item"
