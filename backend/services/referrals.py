"""The referral loop: each seller's code, the lead a referred enrolment becomes, and what referrals earned.

A seller (rep, head, support) shares `/c/{code}?ref=<their code>`. An enrolment by that link becomes, in
the enrolment's own write, a lead owned by the seller with the campaign as its source — on the known
contact with that email, or on a new contact. A code nobody holds (mistyped, regenerated, a retired user)
is kept as text on the enrolment and makes nothing. Without a code no lead is made: an anonymous sign-up
has nobody to work it, and an unowned lead without a customer is visible to no sales team (leads follow
their owner's team), so it would pile up unseen; the enrolment stays on the campaign's enrolee list,
where marketing follows up.

Deals converted from a campaign's leads and won are its revenue (converted to the base currency with the
admins' exchange rates, and per currency); the leaderboard credits each to the seller whose link it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.codes import referral_code
from backend.errors import BadUserInput
from backend.models import Campaign, Contact, Enrolment, Lead, Role, StageKind, User
from backend.permissions import Action
from backend.services import contacts, currency, leads
from backend.services import validate as v
from backend.services.unit import write
from backend.settings import get_settings

SELLERS = (Role.SALES_REP, Role.SALES_HEAD, Role.SUPPORT)


async def regenerate(actor: Actor, raw_user_id: Any = None) -> tuple[User, str]:
    """A new code for the caller (admins: for anyone who sells); links with the old code stop counting."""
    permissions.require(actor, Action.REGENERATE_REFERRAL_CODE)
    user_id = actor.user_id if raw_user_id is None else v.parse_id("userId", raw_user_id)
    if user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise BadUserInput("userId", "you may renew only your own referral code")
    user = await User.filter(id=user_id or 0, active=True).first()
    if user is None:
        raise BadUserInput("userId", f"no active user with id {raw_user_id}")
    if user.role not in SELLERS:
        raise BadUserInput("userId", "only reps, sales heads and support have referral codes")
    code = referral_code()
    while await User.filter(referral_code=code).exists():  # one held already, however unlikely: draw again
        code = referral_code()
    async with write(actor) as unit:
        await User.filter(id=user.id).update(referral_code=code)
        await unit.audit("user.regenerate_referral_code", "user", user.id, {"referral_code": [user.referral_code, code]})
    return user, code


async def referrer(code: str) -> User | None:
    """The active seller holding `code` (codes are case-insensitive), else None."""
    if not code:
        return None
    return await User.filter(referral_code=code.lower(), active=True, role__in=list(SELLERS)).first()


async def attach(campaign: Campaign, enrolment: Enrolment) -> Lead | None:
    """Inside the enrolment's write: the referred enrolment becomes the seller's lead (see the module)."""
    seller = await referrer(enrolment.referrer_code)
    if seller is None:
        return None
    system = Actor.system(via="referral")
    contact = await Contact.filter(email=enrolment.email, archived_at=None, merged_into_id=None).order_by("id").first()
    if contact is None:
        contact = await contacts.create_contact(
            system, {"name": enrolment.name, "email": enrolment.email, "owner_id": seller.id}
        )
    lead = await leads.create_lead(system, {
        "title": f"{enrolment.name} — {campaign.title}"[:200],
        "source": f"Campaign: {campaign.title}"[:100],
        "contact_id": contact.id,
        "customer_id": contact.customer_id,
        "owner_id": seller.id,
    }, campaign_id=campaign.id)
    await Enrolment.filter(id=enrolment.id).update(referrer_id=seller.id, lead_id=lead.id)
    enrolment.referrer_id, enrolment.lead_id = seller.id, lead.id
    return lead


# --- What referrals earned --------------------------------------------------------------------------


@dataclass
class Revenue:
    """Won deals from a campaign's leads: their count, total in the base currency and per currency."""

    won_deals: int = 0
    total: int = 0  # minor units of the base currency
    by_currency: dict[str, int] = field(default_factory=dict)


@dataclass
class Standing:
    user_id: int
    name: str
    enrolments: int = 0
    leads: int = 0
    won_deals: int = 0
    revenue: int = 0  # minor units of the base currency


async def revenue(campaign_ids: Iterable[int]) -> dict[int, Revenue]:
    """Each campaign's revenue, for several campaigns in one query (and one for the rates)."""
    ids = list(campaign_ids)
    rows = await Lead.filter(campaign_id__in=ids, deal__stage__kind=StageKind.WON).values_list(
        "campaign_id", "deal_id", "deal__amount", "deal__currency"
    )
    return tally(ids, rows, await currency.rates() if rows else {})


def tally(campaign_ids: Iterable[int], won: Iterable[tuple[int, int, int, str]], table: dict[str, Decimal]
          ) -> dict[int, Revenue]:
    """Each campaign's revenue from its leads' won deals, (campaign, deal, amount, currency), at `table`'s rates."""
    found = {campaign_id: Revenue() for campaign_id in campaign_ids}
    seen: set[tuple[int, int]] = set()
    for campaign_id, deal_id, amount, code in won:
        if (campaign_id, deal_id) in seen:
            continue  # two leads converted into one deal count it once
        seen.add((campaign_id, deal_id))
        result = found[campaign_id]
        result.won_deals += 1
        result.total += currency.to_base(amount, code, table)
        result.by_currency[code] = result.by_currency.get(code, 0) + amount
    return found


async def leaderboards(campaign_ids: Iterable[int], limit: int = 10) -> dict[int, list[Standing]]:
    """Referrers of each campaign: enrolments by their link, leads made of them, won deals and revenue;
    ranked by revenue, then leads, then enrolments. Three queries whatever the number of campaigns."""
    ids = list(campaign_ids)
    referred = Enrolment.filter(campaign_id__in=ids, referrer_id__not_isnull=True).order_by("id")
    counted = await referred.values_list("campaign_id", "referrer_id", "lead_id", "referrer__name")
    won = await referred.filter(lead__deal__stage__kind=StageKind.WON).values_list(
        "campaign_id", "referrer_id", "lead__deal__amount", "lead__deal__currency")
    return rank(ids, counted, won, await currency.rates() if won else {}, limit)


def rank(campaign_ids: Iterable[int], counted: Iterable[tuple[int, int, int | None, str]],
         won: Iterable[tuple[int, int, int, str]], table: dict[str, Decimal], limit: int) -> dict[int, list[Standing]]:
    """Each campaign's best `limit` referrers from its referred enrolments (campaign, referrer, lead, referrer's
    name) and their won deals (campaign, referrer, amount, currency), at `table`'s rates; ties by name, then by
    who was referred first."""
    boards: dict[int, dict[int, Standing]] = {campaign_id: {} for campaign_id in campaign_ids}
    for campaign_id, referrer_id, lead_id, name in counted:
        standing = boards[campaign_id].setdefault(referrer_id, Standing(referrer_id, name))
        standing.enrolments += 1
        standing.leads += lead_id is not None
    for campaign_id, referrer_id, amount, code in won:
        standing = boards[campaign_id][referrer_id]
        standing.won_deals += 1
        standing.revenue += currency.to_base(amount, code, table)
    return {
        campaign_id: sorted(board.values(), key=lambda s: (-s.revenue, -s.leads, -s.enrolments, s.name))[:limit]
        for campaign_id, board in boards.items()
    }


def your_link(public_url: str | None, code: str | None) -> str | None:
    return f"{public_url}?ref={code}" if public_url and code else None


def base_currency() -> str:
    return get_settings().base_currency
