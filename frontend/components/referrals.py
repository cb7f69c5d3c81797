"""The campaign page's referral parts: the seller's own link and the live leaderboard of referrers."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.listing import card_table
from frontend.components.ui import awaiting, error_banner
from frontend.session import use_session

REGENERATE = "mutation Regenerate($input: RegenerateReferralCodeInput!) { regenerateReferralCode(input: $input) { code } }"


@component
def YourLink(link: str, renewed: Any) -> VdomDict:
    """The link a seller shares: sign-ups by it become their leads."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))

    async def regenerate() -> None:
        try:
            await gql.execute(session.actor, REGENERATE, input={})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        renewed()

    return html.div(
        {"className": "card", "aria-label": "Your link"},
        html.h2("Your link"),
        html.p({"className": "muted"}, "Share it: people who sign up by it become your leads, and count for you "
                                       "on the leaderboard."),
        error_banner(problem),
        html.input({"className": "snippet", "readOnly": True, "value": link, "aria-label": "Your campaign link",
                    "data-testid": "your-link", "style": {"padding": "6px 8px"}}),
        html.div({"className": "form-actions"},
                 html.span({"className": "muted", "data-testid": "your-code", "style": {"alignSelf": "center", "marginRight": "auto"}},
                           f"Code {link.rpartition('=')[2]}"),
                 html.a({"className": "btn", "href": link, "target": "_blank", "rel": "noopener"}, "Open ↗"),
                 html.button({"className": "btn", "type": "button", "onClick": awaiting(regenerate),
                              "title": "Links with your old code stop making leads"}, "New code")),
    )


def leaderboard(rows: list[dict[str, Any]]) -> VdomDict:
    body: VdomDict
    if not rows:
        body = html.p({"className": "muted"}, "No referrals yet. Sign-ups by a seller's own link (“Your link” on "
                                              "this page) are counted here as they arrive.")
    else:
        body = card_table(
            "Referrer leaderboard", ("#", "Seller", "Enrolments", "Leads", "Won deals", "Revenue"),
            [(str(r["rank"]), r["name"], f"{r['enrolments']:,}", f"{r['leads']:,}", f"{r['wonDeals']:,}",
              fmt.money(r["revenue"])) for r in rows],
            [r["userId"] for r in rows], wrap=(1,),
        )
    return html.div({"className": "card", "aria-label": "Leaderboard", "data-testid": "leaderboard"},
                    html.h2("Leaderboard"), body)


def revenue_text(revenue: dict[str, Any]) -> str:
    if not revenue["wonDeals"]:
        return "–"
    return fmt.money(revenue["total"])


def revenue_note(revenue: dict[str, Any]) -> str:
    parts = [fmt.money(m) for m in revenue["byCurrency"]]
    won = fmt.plural(revenue["wonDeals"], "won deal")
    return f"{won}" + (f" · {', '.join(parts)}" if len(parts) > 1 else "")
