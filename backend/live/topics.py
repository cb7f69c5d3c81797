"""The one place where pub/sub topic (channel) names are made."""


def deals() -> str:
    """Every deal change: created, updated, moved, deleted."""
    return "crm.deals"


def pipelines() -> str:
    """Pipelines and stages created, renamed, reordered or re-weighted: boards redraw their columns."""
    return "crm.pipelines"


def campaign_engagement(campaign_id: int) -> str:
    return f"crm.campaign.{campaign_id}.engagement"


def customer_activities(customer_id: int) -> str:
    return f"crm.customer.{customer_id}.activities"


def notifications(user_id: int) -> str:
    return f"crm.user.{user_id}.notifications"


def access_revoked() -> str:
    """A session, token or user lost access: their open streams must end.

    The payload names exactly one of them: {"session_id": …} (sign-out, expiry is checked on use),
    {"token_id": …} (revoked), or {"user_id": …} (deactivated, or role or team changed: every stream
    of that user ends, and clients reconnect with their new rights).
    """
    return "crm.access.revoked"


def customer_changes(customer_id: int) -> str:
    """A customer's own record changed (edited, status changed, deleted): its page's header follows it."""
    return f"crm.customer.{customer_id}.changes"
