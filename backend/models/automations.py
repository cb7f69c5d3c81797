"""Automation rules: what the CRM does by itself when something happens, as data an admin switches on and off."""

from enum import Enum

from tortoise import fields

from backend.models.base import Editable


class AssigneeRule(str, Enum):
    LEAST_BUSY_SUPPORT = "least_busy_support"  # the active support user with the fewest open tasks
    CONTACT_OWNER = "contact_owner"  # the new contact's owner (salesperson), when it has one
    ACCOUNT_MANAGER = "account_manager"  # the customer's account manager
    DEAL_OWNER = "deal_owner"  # the moved deal's owner


class AutomationRule(Editable):
    """One rule, found by its `key` (services/automations.py knows what each key does)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=200)
    enabled = fields.BooleanField(default=True)
    title_template = fields.CharField(max_length=200, default="", description="Title of the task the rule creates")
    due_in_days = fields.IntField(default=1, description="The task is due this many days after the change")
    assignee_rule = fields.CharEnumField(AssigneeRule, max_length=30, null=True)

    class Meta:
        table = "automation_rule"
