"""A campaign's page as the statement reads it: whether it is open, its public addresses, what it earned, its
referrers, its engagement over time, who enrolled, its mail and its greetings. The rows come in the statement; Python
then runs the resolver path's own functions on them (schema.campaigns, services.referrals, services.engagement),
so the figures, the ranks and the addresses are computed once, by one piece of code, for both paths."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from backend.compiled.computed import Compiler, Relation, columns, derived, rate_table, record_of, stored_rate
from backend.compiled.pages import paged
from backend.compiled.selection import NotCovered, Selected
from backend.models import (
    Campaign,
    CampaignSend,
    Deal,
    EngagementEvent,
    Enrolment,
    Greeting,
    Lead,
    Stage,
    StageKind,
    User,
)
from backend.permissions import reads_enrolees
from backend.reads.paging import nested_size
from backend.schema.campaigns import embed_snippet_of, page_is_open, points_of, public_url_of, your_link_of
from backend.schema.mailing import counts_of
from backend.schema.referrals import revenue_of, standings_of
from backend.services.engagement import STEP, bucket_sql, fill, window
from backend.services.referrals import rank, tally

_ONE = 0  # the key of the one campaign the pure tallies (referrals.tally, .rank) are given

# The campaign's columns each address is made of.
_ADDRESS = ("visibility", "code", "title")


def _addressed(address: Callable[[Campaign, str], str | None]) -> Relation:
    """publicUrl, embedSnippet: `address` of the campaign at the request's origin."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        origin = c.at_origin()
        return derived(c, f, columns(row, _ADDRESS), lambda v: address(record_of(Campaign, _ADDRESS, v), origin))

    return relation


def _your_link(c: Compiler, f: Selected, row: str) -> str:
    """The caller's own link, with their role and referral code as the users table holds them now."""
    me = c.actor.user_id
    person = ("role", "referral_code")
    mine = "NULL" if me is None else c.st.nested(f'SELECT {c.st.array(*columns("u", person))} '
                                                 f'FROM "{User._meta.db_table}" u WHERE u."id" = {c.st.param(me)}')
    origin = c.at_origin()

    def answer(v: list[Any]) -> str | None:
        user = None if v[-1] is None else record_of(User, person, v[-1])
        return your_link_of(record_of(Campaign, _ADDRESS, v), origin, user)

    return derived(c, f, [*columns(row, _ADDRESS), mine], answer)


def _is_open(c: Compiler, f: Selected, row: str) -> str:
    """Open now, by the clock when the answer is written (so a kept statement is never stale), in the owner's zone."""
    period = ("visibility", "status", "starts_on", "ends_on")
    zone = f'(SELECT u."time_zone" FROM "{User._meta.db_table}" u WHERE u."id" = {row}."owner_id")'
    return derived(c, f, [*columns(row, period), zone], lambda v: page_is_open(record_of(Campaign, period, v), v[-1]))


def _won(c: Compiler, head: list[str], source: str, where: str) -> str:
    """The won deals of the leads (`l`) that `source` joins in, as a JSON list of `head` (what each deal is
    credited to) with the deal's amount, currency and stored rate."""
    item = c.st.array(*head, 'd."amount"', 'd."currency"', stored_rate('d."currency"'))
    return c.st.nested(
        f'SELECT {c.st.aggregate(item, "d.id")} FROM {source} JOIN "{Deal._meta.db_table}" d ON d."id" = l."deal_id" '
        f'JOIN "{Stage._meta.db_table}" s ON s."id" = d."stage_id" WHERE {where} '
        f'AND s."kind" = {c.st.param(StageKind.WON.value)}')


def _at_rates(found: list[list[Any]]) -> tuple[list[tuple[Any, int, str]], dict[str, Decimal]]:
    """The won deals _won read, as (what each is credited to, amount, currency), and the rate table of their
    currencies."""
    return ([(head, amount, code) for head, amount, code, _ in found],
            rate_table([(code, text) for _, _, code, text in found]))


def _revenue(c: Compiler, f: Selected, row: str) -> str:
    """The won deals of the campaign's leads, tallied by referrals.tally (a deal of two leads counts once)."""
    won = _won(c, ['l."deal_id"'], f'"{Lead._meta.db_table}" l', f'l."campaign_id" = {row}."id"')

    def answer(v: list[Any]) -> Any:
        deals, table = _at_rates(v[0])
        return revenue_of(tally([_ONE], [(_ONE, *deal) for deal in deals], table)[_ONE])

    return derived(c, f, [won], answer)


def _leaderboard(c: Compiler, f: Selected, row: str) -> str:
    """Referrers ranked by referrals.rank: the referred enrolments in the order they came, and their won deals."""
    limit = nested_size(f.args["first"])
    st, enrolment = c.st, Enrolment._meta.db_table
    referred = f'e."campaign_id" = {row}."id" AND e."referrer_id" IS NOT NULL'
    item = st.array('q."referrer_id"', 'q."lead_id"', 'q."name"')
    counted = st.nested(f'SELECT {st.aggregate(item, "q.id")} FROM (SELECT e."id", e."referrer_id", e."lead_id", '
                        f'u."name" FROM "{enrolment}" e JOIN "{User._meta.db_table}" u ON u."id" = e."referrer_id" '
                        f'WHERE {referred} ORDER BY e."id") q')
    won = _won(c, ['e."referrer_id"'], f'"{enrolment}" e JOIN "{Lead._meta.db_table}" l ON l."id" = e."lead_id"',
               referred)

    def answer(v: list[Any]) -> Any:
        people, (deals, table) = v[0], _at_rates(v[1])
        board = rank([_ONE], [(_ONE, *person) for person in people], [(_ONE, *deal) for deal in deals], table, limit)
        return standings_of(board[_ONE])

    return derived(c, f, [counted, won], answer)


def _engagement(c: Compiler, f: Selected, row: str) -> str:
    """Views, likes and enrolments per bucket, counted by the statement and filled by engagement.fill. A window
    that ends now (no `until`) is the request's own: the statement is not kept for another."""
    bucket = f.args["bucket"]
    start, end = window(bucket, f.args.get("since"), f.args.get("until"))
    if f.args.get("until") is None:
        c.st.kept = False
    st = c.st
    counted = (f'SELECT {bucket_sql("postgres" if st.postgres else "sqlite", bucket)} AS "bucket", "kind", '
               f'COUNT(*) AS "n" FROM "{EngagementEvent._meta.db_table}" WHERE "campaign_id" = {row}."id" '
               f'AND "occurred_at" >= {st.param(start)} AND "occurred_at" < {st.param(end + STEP[bucket])} '
               f'GROUP BY "bucket", "kind"')
    item = st.array('q."bucket"', 'q."kind"', 'q."n"')
    series = st.nested(f'SELECT {st.aggregate(item, "q.bucket")} FROM ({counted}) q')
    return derived(c, f, [series], lambda v: points_of(fill(v[0], bucket, start, end)))


def _send_counts(c: Compiler, f: Selected, row: str) -> str:
    """How many sends are in each status (schema.mailing.counts_of)."""
    st = c.st
    counted = (f'SELECT "status", COUNT(*) AS "n" FROM "{CampaignSend._meta.db_table}" '
               f'WHERE "campaign_id" = {row}."id" GROUP BY "status"')
    counts = st.nested(f'SELECT {st.aggregate(st.array("q.status", "q.n"), "q.status")} FROM ({counted}) q')
    return derived(c, f, [counts], lambda v: counts_of(dict(v[0])))


def enrolee(column: str) -> Relation:
    """An enrolment's name, email or referral code: campaign owners and admins read it, null for everyone else
    (permissions.reads_enrolees, as schema.campaigns decides it)."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        return f'{row}."{column}"' if reads_enrolees(c.actor) else "NULL"

    return relation


def _owners_only(relation: Relation) -> Relation:
    """A list of who enrolled or was mailed: campaign owners (marketing) and admins read it
    (permissions.reads_enrolees); for anyone else the resolver path answers, with its FORBIDDEN."""

    def gated(c: Compiler, f: Selected, row: str) -> str:
        if not reads_enrolees(c.actor):
            raise NotCovered(f"Campaign.{f.name} is forbidden to this caller")
        return relation(c, f, row)

    return gated


def _of_status(c: Compiler, f: Selected, row: str) -> str:
    """sends(status:): any of these (all when none is given), as the resolver narrows."""
    wanted = f.args.get("status")
    if not wanted:
        return ""
    return f' AND {row}."status" IN ({", ".join(c.st.param(status.value) for status in wanted)})'


CAMPAIGN: dict[str, Relation] = {
    "isOpen": _is_open,
    "publicUrl": _addressed(public_url_of),
    "embedSnippet": _addressed(embed_snippet_of),
    "yourLink": _your_link,
    "revenue": _revenue,
    "leaderboard": _leaderboard,
    "engagement": _engagement,
    "sendCounts": _send_counts,
    # Paged as schema.campaigns pages them: newest first; greetings next first.
    "enrolees": _owners_only(paged(Enrolment, "campaign_id", "created_at", descending=True)),
    "sends": _owners_only(paged(CampaignSend, "campaign_id", "created_at", descending=True, narrow=_of_status)),
    "greetings": paged(Greeting, "campaign_id", "send_at", descending=False),
}
