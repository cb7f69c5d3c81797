"""The referral loop as the API shows it: a campaign's revenue, its leaderboard of referrers, codes."""

from __future__ import annotations

import strawberry

from backend.schema.common import BigInt, Money
from backend.services import referrals


@strawberry.type(name="CampaignRevenue", description="Deals won from the campaign's leads")
class CampaignRevenue:
    won_deals: int = strawberry.field(description="How many won deals came from the campaign's leads")
    total: Money = strawberry.field(description="Their amount, converted to the base currency with the exchange rates")
    by_currency: list[Money] = strawberry.field(description="Their amount per currency, as the deals were won")


@strawberry.type(name="CampaignReferrer", description="One seller's referrals for a campaign")
class CampaignReferrer:
    rank: int = strawberry.field(description="1 for the first place (by won revenue, then leads, then enrolments)")
    user_id: strawberry.ID = strawberry.field(description="The seller's user id")
    name: str = strawberry.field(description="The seller's name")
    enrolments: int = strawberry.field(description="Enrolments that came by their link")
    leads: int = strawberry.field(description="Leads made for them from those enrolments")
    won_deals: int = strawberry.field(description="Deals won from those leads")
    revenue: Money = strawberry.field(description="Amount of those won deals, in the base currency")


@strawberry.input(description="A new referral code: yours, or (admins) a seller's")
class RegenerateReferralCodeInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Whose code (default: yours; others: admins only)")


@strawberry.type(name="ReferralCode", description="A seller's referral code, carried as ?ref= in campaign links")
class ReferralCode:
    user_id: strawberry.ID = strawberry.field(description="Whose code")
    code: str = strawberry.field(description="The new code; links with the old one no longer make leads")


def revenue_of(found: referrals.Revenue) -> CampaignRevenue:
    base = referrals.base_currency()
    return CampaignRevenue(
        won_deals=found.won_deals,
        total=Money(amount=BigInt(found.total), currency=base),
        by_currency=[Money(amount=BigInt(amount), currency=code) for code, amount in sorted(found.by_currency.items())],
    )


def standings_of(board: list[referrals.Standing]) -> list[CampaignReferrer]:
    base = referrals.base_currency()
    return [
        CampaignReferrer(rank=i, user_id=strawberry.ID(str(s.user_id)), name=s.name, enrolments=s.enrolments,
                         leads=s.leads, won_deals=s.won_deals, revenue=Money(amount=BigInt(s.revenue), currency=base))
        for i, s in enumerate(board, start=1)
    ]
