"""The status transitions admins allow: which status of a customer, contact, lead or task may follow which.

One row per allowed step (entity, from, to); a step without a row is refused. Statuses are the entity's
enum values (models.CustomerStatus and co.): the statuses themselves stay fixed in code, their order is
the admins' to shape."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class TransitionEntity(str, Enum):
    CUSTOMER = "customer"
    CONTACT = "contact"
    LEAD = "lead"
    TASK = "task"


class StatusTransition(Model):
    id = fields.IntField(primary_key=True)
    entity = fields.CharEnumField(TransitionEntity, max_length=20)
    from_status = fields.CharField(max_length=20)
    to_status = fields.CharField(max_length=20)

    class Meta:
        table = "status_transition"
        unique_together = (("entity", "from_status", "to_status"),)
