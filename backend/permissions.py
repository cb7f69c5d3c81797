"""The one place where access is decided: what each role may do, and which rows each user may see.

Row rules (CONTRACT.md, Roles and visibility): sales reps and heads see a customer when its account
manager is in their team or one of its deals is owned by a team member; contacts, leads, deals and
activities of a customer are visible exactly when the customer is; a contact or lead without a customer
is visible to its owner's team. Admin, support and marketing see every customer.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q, Subquery

from backend.auth.actor import Actor
from backend.errors import Forbidden, Unauthenticated
from backend.models import Campaign, CampaignStatus, Contact, Customer, Deal, Role, User, Visibility

ADMIN, HEAD, REP, SUPPORT, MARKETING = Role.ADMIN, Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING
SALES = (HEAD, REP)
EVERYONE = (ADMIN, HEAD, REP, SUPPORT, MARKETING)


class Action(str, Enum):
    CREATE_CUSTOMER = "createCustomer"
    UPDATE_CUSTOMER = "updateCustomer"
    DELETE_CUSTOMER = "deleteCustomer"
    CHANGE_CUSTOMER_STATUS = "changeCustomerStatus"
    WRITE_NOTE = "writeNote"
    CREATE_CONTACT = "createContact"
    UPDATE_CONTACT = "updateContact"
    CONVERT_CONTACT = "convertContact"
    CREATE_LEAD = "createLead"
    UPDATE_LEAD = "updateLead"
    CONVERT_LEAD = "convertLead"
    CREATE_DEAL = "createDeal"
    UPDATE_DEAL = "updateDeal"
    MOVE_DEAL = "moveDeal"
    DELETE_DEAL = "deleteDeal"
    LOG_ACTIVITY = "logActivity"
    COMPLETE_TASK = "completeTask"
    UPDATE_TASK = "updateTask"
    CREATE_CAMPAIGN = "createCampaign"
    UPDATE_CAMPAIGN = "updateCampaign"
    CHANGE_CAMPAIGN_STATUS = "changeCampaignStatus"
    UPDATE_USER = "updateUser"
    SET_EXCHANGE_RATE = "setExchangeRate"
    READ_AUDIT_LOG = "readAuditLog"
    MANAGE_OWN_TOKENS = "createApiToken"


# Which roles may attempt an action at all; row-level checks below narrow it for sales roles.
ROLE_ACTIONS: dict[Action, tuple[Role, ...]] = {
    Action.CREATE_CUSTOMER: (ADMIN, HEAD, REP),
    Action.UPDATE_CUSTOMER: (ADMIN, HEAD, REP),
    Action.DELETE_CUSTOMER: (ADMIN, HEAD),
    Action.CHANGE_CUSTOMER_STATUS: (ADMIN, HEAD, REP),
    Action.WRITE_NOTE: (ADMIN, HEAD, REP, SUPPORT),
    Action.CREATE_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.CONVERT_CONTACT: (ADMIN, HEAD, REP, SUPPORT),
    Action.CREATE_LEAD: (ADMIN, HEAD, REP),
    Action.UPDATE_LEAD: (ADMIN, HEAD, REP),
    Action.CONVERT_LEAD: (ADMIN, HEAD, REP),
    Action.CREATE_DEAL: (ADMIN, HEAD, REP),
    Action.UPDATE_DEAL: (ADMIN, HEAD, REP),
    Action.MOVE_DEAL: (ADMIN, HEAD, REP),
    Action.DELETE_DEAL: (ADMIN, HEAD),
    Action.LOG_ACTIVITY: (ADMIN, HEAD, REP, SUPPORT),
    Action.COMPLETE_TASK: (ADMIN, HEAD, REP, SUPPORT),
    Action.UPDATE_TASK: (ADMIN, HEAD, REP, SUPPORT),
    Action.CREATE_CAMPAIGN: (ADMIN, MARKETING),
    Action.UPDATE_CAMPAIGN: (ADMIN, MARKETING),
    Action.CHANGE_CAMPAIGN_STATUS: (ADMIN, MARKETING),
    Action.UPDATE_USER: (ADMIN,),
    Action.SET_EXCHANGE_RATE: (ADMIN,),
    Action.READ_AUDIT_LOG: (ADMIN, HEAD),
    Action.MANAGE_OWN_TOKENS: EVERYONE,
}


def require_role(actor: Actor) -> Role:
    """Any read or write needs a signed-in user with a mapped role."""
    if actor.role is None:
        if not actor.signed_in:
            raise Unauthenticated()
        raise Forbidden("Your account has no CRM role yet; ask an administrator to grant one")
    return actor.role


def may(actor: Actor, action: Action, obj: Any = None) -> bool:
    """Whether `actor` may perform `action` (on `obj`, a row already known to be visible to them)."""
    if actor.role not in ROLE_ACTIONS[action]:
        return False
    if action is Action.MANAGE_OWN_TOKENS and actor.token_id is not None:
        return False  # a leaked token must not mint successors that outlive its revocation
    if actor.role is not REP or obj is None:
        return True
    # A sales rep changes only customers they manage, deals they own and tasks that are theirs.
    if action in (Action.UPDATE_CUSTOMER, Action.CHANGE_CUSTOMER_STATUS):
        return obj.account_manager_id == actor.user_id
    if action in (Action.CREATE_DEAL, Action.UPDATE_DEAL, Action.MOVE_DEAL):
        return obj.owner_id == actor.user_id  # creating: the deal-to-be, owned by the rep themselves
    if action in (Action.COMPLETE_TASK, Action.UPDATE_TASK):
        return actor.user_id in (obj.assignee_id, obj.author_id)
    return True


def require(actor: Actor, action: Action, obj: Any = None) -> None:
    role = require_role(actor)
    if not may(actor, action, obj):
        raise Forbidden(f"Your role ({role.value}) may not {action.value} here")


def allowed_actions(actor: Actor) -> list[str]:
    """The operations the UI and clients may offer this user (row rules still apply per row)."""
    return [a.value for a in ROLE_ACTIONS if may(actor, a)]


# --- Row rules -------------------------------------------------------------------------------------

def sees_everything(actor: Actor) -> bool:
    return actor.role in (ADMIN, SUPPORT, MARKETING)


def audience(actor: Actor) -> tuple[object, ...]:
    """Equal for two actors whose customer, contact, lead, deal and activity rules select the same
    rows, so live streams check visibility once per audience rather than once per subscriber."""
    require_role(actor)
    if sees_everything(actor):
        return ("all",)
    if actor.team_id is None:
        return ("user", actor.user_id)
    return ("team", actor.team_id)


def view(actor: Actor) -> tuple[object, ...]:
    """Equal for two actors to whom a subscription's event resolves alike: they see the same rows
    (audience) and have the same role, the only other thing the fields of its types depend on (enrolees'
    names among them: reads_enrolees)."""
    return (*audience(actor), actor.role)


async def audiences_seeing(customer_ids: Collection[int]) -> dict[int, set[tuple[object, ...]]]:
    """For each customer, every audience (as audience() names them) that sees it: everyone who sees all
    customers, the account manager's team and each deal owner's team (for a member of no team, that
    member alone) — customer_rule read the other way round. Live streams compare it before and after a
    change to tell an audience that a customer, with its deals and activities, left its view."""
    seen: dict[int, set[tuple[object, ...]]] = {id: {("all",)} for id in customer_ids}
    ids = list(seen)
    for start in range(0, len(ids), 500):  # bound parameters per query, well under every database's limit
        chunk = ids[start:start + 500]
        managers = Customer.filter(id__in=chunk, account_manager_id__isnull=False).values_list(
            "id", "account_manager_id", "account_manager__team_id")
        owners = Deal.filter(customer_id__in=chunk, owner_id__isnull=False).values_list(
            "customer_id", "owner_id", "owner__team_id")
        for customer_id, user_id, team_id in [*await managers, *await owners]:
            seen[customer_id].add(("team", team_id) if team_id is not None else ("user", user_id))
    return seen


def _team_member_ids(actor: Actor) -> Subquery | list[int]:
    if actor.team_id is None:
        return [actor.user_id or 0]
    return Subquery(User.filter(team_id=actor.team_id).values("id"))


def visible_customer_ids(actor: Actor) -> Subquery:
    return Subquery(Customer.filter(customer_rule(actor)).values("id"))


def customer_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    members = _team_member_ids(actor)
    by_deal = Subquery(Deal.filter(owner_id__in=members).values("customer_id"))
    return Q(account_manager_id__in=members) | Q(id__in=by_deal)


def _customer_or_owner_rule(actor: Actor) -> Q:
    """Contacts and leads: through their customer, or their owner's team when they have none."""
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(customer_id__in=visible_customer_ids(actor)) | Q(customer_id=None, owner_id__in=_team_member_ids(actor))


def contact_rule(actor: Actor) -> Q:
    return _customer_or_owner_rule(actor)


def lead_rule(actor: Actor) -> Q:
    return _customer_or_owner_rule(actor)


def deal_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    return Q(customer_id__in=visible_customer_ids(actor))


def activity_rule(actor: Actor) -> Q:
    require_role(actor)
    if sees_everything(actor):
        return Q()
    visible_contacts = Subquery(Contact.filter(contact_rule(actor)).values("id"))
    return (
        Q(customer_id__in=visible_customer_ids(actor))
        | Q(customer_id=None, contact_id__in=visible_contacts)
        # A task about nothing in particular is seen by its author's team, and by whoever it was given to.
        | Q(
            Q(customer_id=None, contact_id=None),
            Q(author_id__in=_team_member_ids(actor)) | Q(assignee_id=actor.user_id or 0),
        )
    )


def managed_customer_rule(actor: Actor) -> Q:
    """Customers whose relationship `actor` runs, so whose own data (contacts, account manager) a salesperson
    may change: reps those they manage, heads those a team member manages, admins all. Seeing a customer
    through a deal is not running it (issue 13: a rep re-pointed such a customer's primary contact)."""
    require_role(actor)
    if actor.role is ADMIN:
        return Q()
    if actor.role is HEAD:
        return Q(account_manager_id__in=_team_member_ids(actor))
    if actor.role is REP:
        return Q(account_manager_id=actor.user_id or 0)
    return Q(id__in=[])


async def manages(actor: Actor, customer_id: int) -> bool:
    return await Customer.filter(managed_customer_rule(actor), id=customer_id).exists()


async def require_runs(actor: Actor, customer_id: int) -> None:
    """A customer's own record (fields, status, account manager, notes) is changed by the salespeople who run
    it; another team that sees it through a deal works on that deal and logs activities, but reads the record
    only (a head reassigning it would take it over)."""
    if actor.role in SALES and not await manages(actor, customer_id):
        raise Forbidden("This customer is managed by another team: you see it through a deal, and may not change it")


async def may_change_contacts_of(actor: Actor, customer_id: int | None, owner_id: int | None) -> bool:
    """Whether `actor` may change the contacts of a customer (`customer_id`), or a contact without one owned by
    `owner_id`. Support keep every customer's contacts (CONTRACT.md); salespeople those of customers they run
    and their own loose contacts (heads: their team's). A move checks both ends, so no contact leaves or
    enters a customer another team manages."""
    require_role(actor)
    if actor.role in (ADMIN, SUPPORT):
        return True
    if actor.role not in SALES:
        return False
    if customer_id is not None:
        return await manages(actor, customer_id)
    if owner_id is None:
        return False
    if actor.role is REP:
        return owner_id == actor.user_id
    return await User.filter(Q(id__in=_team_member_ids(actor)), id=owner_id).exists()


async def require_contacts_of(actor: Actor, customer_id: int | None, owner_id: int | None) -> None:
    if not await may_change_contacts_of(actor, customer_id, owner_id):
        if customer_id is not None:
            raise Forbidden("Only the team that manages this customer may change its contacts")
        raise Forbidden("Only the contact's owner (or their sales head) may change a contact without a customer")


class Assignment(str, Enum):
    """What a user is made responsible for: who may be chosen depends on it (assignee_rule)."""

    ACCOUNT_MANAGER = "account_manager"
    OWNER = "owner"
    TASK = "task"


def assignee_rule(actor: Actor, purpose: Assignment) -> Q:
    """Users `actor` may make responsible for something, as a User query condition shared by the services'
    checks and the UI's pickers: active users with a role; sales roles only within their team (themselves
    when in none), so a record stays with the team that manages it and a task is no message to a stranger
    (issue 13); admins anyone. Support routes work to sales: contacts to anyone, tasks to salespeople and
    themselves (not to admins, marketing or other support). Marketing gives tasks only to themselves.
    Neither appoints account managers, and an account manager is always a salesperson: the relationship is a
    sales team's, and only sales teams see customers by their account manager (issue 13)."""
    require_role(actor)
    usable = Q(active=True, role__isnull=False)
    if purpose is Assignment.ACCOUNT_MANAGER:
        usable &= Q(role__in=list(SALES))
    if actor.role is ADMIN:
        return usable
    if actor.role in SALES:
        return usable & Q(id__in=_team_member_ids(actor))
    if purpose is Assignment.OWNER:
        return usable
    if purpose is Assignment.TASK and actor.role is SUPPORT:
        return usable & (Q(id=actor.user_id or 0) | Q(role__in=list(SALES)))
    if purpose is Assignment.TASK:
        return usable & Q(id=actor.user_id or 0)
    return Q(id__in=[])


def assignee_limit(actor: Actor, purpose: Assignment) -> str:
    """assignee_rule in words, for the error that names the refused field."""
    if purpose is Assignment.ACCOUNT_MANAGER and actor.role is ADMIN:
        return "an account manager must be a salesperson (sales rep or sales head)"
    if actor.role in SALES:
        return "must be an active member of your team" if actor.team_id else "must be you: you are in no team"
    if purpose is Assignment.TASK:
        return "you may give tasks only to salespeople and yourself" if actor.role is SUPPORT else "must be you"
    if purpose is Assignment.ACCOUNT_MANAGER:
        return "your role does not appoint account managers"
    return "must be an active user with a CRM role"


def reads_enrolees(actor: Actor) -> bool:
    """Names, emails and referral codes of people who enrolled in campaigns: campaign owners (marketing) and
    admins; everyone else sees counts only. It depends on the role alone, which view() includes, so a
    subscription result shared per view never carries them to someone who may not read them."""
    return actor.role in (ADMIN, MARKETING)


def campaign_rule(actor: Actor) -> Q:
    """Campaign owners (marketing) and admins see all; others internal and public ones, and their own."""
    require_role(actor)
    if actor.role in (ADMIN, MARKETING):
        return Q()
    return Q(visibility__in=[Visibility.INTERNAL, Visibility.PUBLIC]) | Q(owner_id=actor.user_id)


def token_rule(actor: Actor) -> Q:
    """API tokens: each user revokes their own (a token may revoke itself); admins anyone's (offboarding)."""
    require_role(actor)
    if actor.role is ADMIN:
        return Q()
    return Q(user_id=actor.user_id)


def audit_rule(actor: Actor) -> Q:
    require(actor, Action.READ_AUDIT_LOG)
    if actor.role is ADMIN:
        return Q()
    return Q(actor_id__in=_team_member_ids(actor))


def campaign_is_public(campaign: Campaign, today: date | None = None) -> bool:
    """Public actions (view, like, enrol) need a public, active campaign within its period."""
    today = today or datetime.now(UTC).date()
    return (
        campaign.visibility is Visibility.PUBLIC
        and campaign.status is CampaignStatus.ACTIVE
        and (campaign.starts_on is None or campaign.starts_on <= today)
        and (campaign.ends_on is None or today <= campaign.ends_on)
    )


def public_campaign_rule(today: date) -> Q:
    """campaign_is_public as a query condition, for updates that must re-check it atomically."""
    return (
        Q(visibility=Visibility.PUBLIC, status=CampaignStatus.ACTIVE)
        & (Q(starts_on=None) | Q(starts_on__lte=today))
        & (Q(ends_on=None) | Q(ends_on__gte=today))
    )
