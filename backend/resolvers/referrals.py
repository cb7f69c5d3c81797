"""Referral codes: a seller renews theirs (thin: a service call)."""

from __future__ import annotations

import strawberry

from backend.reads.context import Info
from backend.schema.referrals import ReferralCode, RegenerateReferralCodeInput
from backend.services import referrals


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="A new referral code (yours; admins: any seller's); old links stop making leads")
    async def regenerate_referral_code(self, info: Info, input: RegenerateReferralCodeInput) -> ReferralCode:
        user, code = await referrals.regenerate(info.context.actor, input.user_id)
        return ReferralCode(user_id=strawberry.ID(str(user.id)), code=code)
