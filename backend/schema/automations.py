"""Automation rules as the API shows them (admins), and what an admin sends to switch or edit one."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.unset import UNSET

from backend.models import AssigneeRule as AssigneeRuleModel
from backend.models import AutomationRule
from backend.schema.rows import Shows
from backend.services import automations

AssigneeRule = AssigneeRuleModel
strawberry.enum(AssigneeRule, name="AssigneeRule", description="Whom a rule's task goes to")


@strawberry.type(name="AutomationRule", description="Something the CRM does by itself when something happens")
class AutomationRuleType(Shows[AutomationRule]):
    id: strawberry.ID = strawberry.field(description="Rule id")
    key: str = strawberry.field(
        description="What the rule does: new_contact_call (a new contact gets a call task), customer_activation "
        "(a new customer, or one a contact is converted at, gets an activation task for its account manager), "
        "deal_next_step (stages flagged requiresNextStep need a next step on moves into them)"
    )
    name: str = strawberry.field(description="The rule in words")
    enabled: bool = strawberry.field(description="Switched on; a rule switched off does nothing")
    title_template: str = strawberry.field(description="Title of the task it creates, with placeholders")
    due_in_days: int = strawberry.field(description="Its task is due this many days after the change")
    assignee_rule: AssigneeRule | None = strawberry.field(description="Whom its task goes to")
    version: int = strawberry.field(description="Send it back with updateAutomationRule")
    updated_at: datetime = strawberry.field(description="Last changed")

    @strawberry.field(description="The placeholders its title template may use, e.g. contact for {contact}")
    @staticmethod
    def placeholders(rule: strawberry.Parent[AutomationRule]) -> list[str]:
        return list(automations.PLACEHOLDERS.get(rule.key, ()))

    @strawberry.field(description="The assignee rules it offers (none: its task is given with the change)")
    @staticmethod
    def assignee_rules(rule: strawberry.Parent[AutomationRule]) -> list[AssigneeRule]:
        return list(automations.ASSIGNEES.get(rule.key, ()))


@strawberry.input(description="Switch a rule on or off, or edit its task; fields left out stay as they are")
class UpdateAutomationRuleInput:
    id: strawberry.ID = strawberry.field(description="Rule id")
    version: int = strawberry.field(description="The version you read")
    enabled: bool | None = strawberry.field(default=UNSET, description="true switches it on, false off")
    title_template: str | None = strawberry.field(
        default=UNSET, description="Task title; placeholders as the rule's placeholders list them, e.g. {contact}"
    )
    due_in_days: int | None = strawberry.field(default=UNSET, description="Days until its task is due (0–365)")
    assignee_rule: AssigneeRule | None = strawberry.field(default=UNSET, description="One of its assigneeRules")
