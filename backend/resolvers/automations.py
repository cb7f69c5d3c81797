"""Automation rules: admins read them and switch or edit them (calls into services.automations)."""

from __future__ import annotations

import strawberry

from backend.reads.context import Info
from backend.schema.automations import AutomationRuleType, UpdateAutomationRuleInput
from backend.schema.common import provided
from backend.services import automations as service


@strawberry.type
class AutomationQuery:
    @strawberry.field(description="The automation rules, switched on or off (admins)")
    async def automation_rules(self, info: Info) -> list[AutomationRuleType]:
        return AutomationRuleType.of_all(await service.rules(info.context.actor))


@strawberry.type
class AutomationMutation:
    @strawberry.mutation(description="Switch an automation rule on or off, or edit the task it creates (admins)")
    async def update_automation_rule(self, info: Info, input: UpdateAutomationRuleInput) -> AutomationRuleType:
        data = provided(input)
        return AutomationRuleType.of(
            await service.update_rule(info.context.actor, data.pop("id"), data.pop("version"), data))
