"""The deal report (`report(input)`): every measure by every dimension, checked against figures computed here in
Python from the seeded rows (two currencies and a rate, a currency without one, month edges, won/lost/open
deals), under each role's row rules; the same filters as `deals`; limits; a fixed number of statements."""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from backend.models import Customer, Deal, ExchangeRate, Lead, LostReason, Role, Stage, StageKind, User, Visibility
from backend.services.currency import set_exchange_rate
from tests.factories import actor, error, make_campaign, make_team, make_user, ok
from tests.sqlcount import count_statements

DIMENSIONS = ["STAGE", "OWNER", "TEAM", "CLOSE_MONTH", "INDUSTRY", "COUNTRY", "LOST_REASON", "CAMPAIGN"]
MEASURES = ["COUNT", "SUM", "WEIGHTED_SUM", "AVERAGE", "WIN_RATE", "CYCLE_DAYS"]
ROW = ("stage { id } owner { id } team { id } month industry country lostReason { id } campaign { id } "
       "count sum { amount currency } weightedSum { amount } average { amount } winRate cycleDays")
REPORT = ("query($input: DealReportInput!, $first: Int) { report(input: $input) { groupCount currency ratesAsOf "
          "missingRates rates { currency rate updatedAt } rows(first: $first) { " + ROW + " } total { " + ROW + " } } }")
USD_RATE = Decimal("0.9")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def seed() -> dict[str, Any]:
    """Two northern salespeople and a head, a southern rep, an admin; deals in EUR, USD (rated) and JPY (not),
    closing on both sides of month edges."""
    north, south = await make_team("North"), await make_team("South")
    people = {
        "head": await make_user(Role.SALES_HEAD, north), "rep": await make_user(Role.SALES_REP, north),
        "colleague": await make_user(Role.SALES_REP, north), "rep2": await make_user(Role.SALES_REP, south),
        "admin": await make_user(Role.ADMIN),
    }
    await set_exchange_rate(actor(people["admin"]), "USD", USD_RATE)
    kinds = {s.kind: s for s in await Stage.filter(pipeline__is_default=True).order_by("position")}
    first_open = await Stage.filter(pipeline__is_default=True, kind=StageKind.OPEN).order_by("position").first()
    assert first_open
    price, timing = await LostReason.create(name="Price"), await LostReason.create(name="Timing")

    async def customer(manager: str, industry: str, country: str) -> Customer:
        return await Customer.create(name=f"{industry} {country} {manager}", account_manager_id=people[manager].id,
                                     industry=industry, country=country)

    c1, c2 = await customer("rep", "Rail", "DE"), await customer("colleague", "Energy", "FR")
    c3, c4 = await customer("rep2", "Rail", "DE"), await customer("admin", "", "")
    specs: list[tuple[Customer, str | None, StageKind, str, int, int, str, str | None, date | None, Any]] = [
        (c1, "rep", StageKind.WON, "EUR", 100_000, 100, "2026-01-01 00:00", "2026-01-31 23:30", None, None),
        (c1, "rep", StageKind.WON, "USD", 50_001, 100, "2026-01-10 08:00", "2026-02-01 00:00", None, None),
        (c1, "rep", StageKind.LOST, "EUR", 30_000, 0, "2025-12-15 12:00", "2026-02-28 23:59:59", None, price),
        (c2, "colleague", StageKind.OPEN, "USD", 70_001, 40, "2026-01-02 00:00", None, date(2026, 3, 31), None),
        (c2, "colleague", StageKind.OPEN, "EUR", 20_000, 25, "2026-01-03 00:00", None, None, None),
        (c3, "rep2", StageKind.WON, "EUR", 80_000, 100, "2026-01-05 00:00", "2026-01-15 06:00", None, None),
        (c3, "rep2", StageKind.LOST, "USD", 10_003, 0, "2026-02-01 00:00", "2026-03-01 00:00", None, timing),
        (c4, "rep2", StageKind.OPEN, "JPY", 5_000_000, 50, "2026-01-20 00:00", None, date(2026, 2, 1), None),
        (c4, None, StageKind.OPEN, "EUR", 1_001, 15, "2026-01-21 00:00", None, date(2026, 1, 31), None),
    ]
    deals = []
    for cust, owner, kind, currency, amount, probability, created, closed, expected, reason in specs:
        stage = first_open if kind is StageKind.OPEN else kinds[kind]
        deal = await Deal.create(
            title=f"{cust.name} {amount}", customer_id=cust.id, owner_id=people[owner].id if owner else None,
            pipeline_id=stage.pipeline_id, stage_id=stage.id, amount=amount, currency=currency, probability=probability,
            expected_close_date=expected, closed_at=at(closed) if closed else None,
            lost_reason_choice_id=reason.id if reason else None,
        )
        await Deal.filter(id=deal.id).update(created_at=at(created))
        deals.append(deal)
    spring, autumn = await make_campaign(people["admin"], visibility="INTERNAL"), await make_campaign(people["admin"])
    # The first deal came from spring; the second from two leads, autumn's first: it counts for autumn.
    for title, campaign, deal in (("a", spring, deals[0]), ("b", autumn, deals[1]), ("c", spring, deals[1])):
        await Lead.create(title=title, campaign_id=int(campaign["id"]), deal_id=deal.id)
    return people


# --- the figures, computed here from the rows -------------------------------------------------------------------

async def visible_to(user: User) -> list[Deal]:
    """The row rules of the contract, written out: salespeople see deals of customers their team manages or
    has a deal with; admins see all."""
    deals = await Deal.all().prefetch_related("customer", "stage")
    if user.role is Role.ADMIN:
        return deals
    team = {u.id for u in await User.filter(team_id=user.team_id)} if user.team_id else {user.id}
    seen = {d.customer_id for d in deals if d.owner_id in team or d.customer.account_manager_id in team}
    return [d for d in deals if d.customer_id in seen]


async def key_of(dimension: str, user: User) -> Any:
    teams = {u.id: u.team_id for u in await User.all()}
    leads = sorted(await Lead.filter(campaign_id__not_isnull=True).prefetch_related("campaign"), key=lambda lead: lead.id)
    campaign: dict[int, int | None] = {}
    for lead in leads:
        # Salespeople see internal and public campaigns; one they may not see counts as none.
        shown = user.role is Role.ADMIN or lead.campaign.visibility in (Visibility.INTERNAL, Visibility.PUBLIC)
        campaign.setdefault(lead.deal_id, lead.campaign_id if shown else None)  # type: ignore[arg-type]

    def month(d: Deal) -> date | None:
        when = d.closed_at.astimezone(UTC).date() if d.closed_at else d.expected_close_date
        return when.replace(day=1) if when else None

    return {
        "STAGE": lambda d: d.stage_id, "OWNER": lambda d: d.owner_id, "TEAM": lambda d: teams.get(d.owner_id),
        "CLOSE_MONTH": month, "INDUSTRY": lambda d: d.customer.industry or None,
        "COUNTRY": lambda d: d.customer.country or None, "LOST_REASON": lambda d: d.lost_reason_choice_id,
        "CAMPAIGN": lambda d: campaign.get(d.id),
    }[dimension]


def converted(by_currency: dict[str, int], rates: dict[str, Decimal]) -> int:
    return sum(int((Decimal(total) * rates[c]).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
               for c, total in by_currency.items() if c in rates)


def figures(deals: list[Deal], rates: dict[str, Decimal]) -> dict[str, Any]:
    amounts: dict[str, int] = defaultdict(int)
    weighted: dict[str, int] = defaultdict(int)
    for d in deals:
        amounts[d.currency] += d.amount
        weighted[d.currency] += d.amount * d.probability
    total = converted(amounts, rates)
    won = sum(d.stage.kind is StageKind.WON for d in deals)
    closed = [d for d in deals if d.stage.kind is not StageKind.OPEN]
    days = sum((d.closed_at - d.created_at).total_seconds() / 86400 for d in closed)  # type: ignore[operator]
    return {
        "count": len(deals), "sum": total, "weightedSum": round(Decimal(converted(weighted, rates)) / 100),
        "average": round(Decimal(total) / len(deals)), "winRate": won / len(closed) if closed else None,
        "cycleDays": days / len(closed) if closed else None,
    }


async def expected(user: User, dimensions: list[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    rates = {"EUR": Decimal(1), "USD": USD_RATE}
    keys = [await key_of(d, user) for d in dimensions]
    groups: dict[tuple[Any, ...], list[Deal]] = defaultdict(list)
    for deal in await visible_to(user):
        groups[tuple(key(deal) for key in keys)].append(deal)
    return {k: figures(v, rates) for k, v in groups.items()}


def answered(row: dict[str, Any], dimension: str) -> Any:
    if dimension == "CLOSE_MONTH":
        return date.fromisoformat(row["month"]) if row["month"] else None
    field = {"STAGE": "stage", "OWNER": "owner", "TEAM": "team", "LOST_REASON": "lostReason", "CAMPAIGN": "campaign"}
    if dimension in field:
        return int(row[field[dimension]]["id"]) if row[field[dimension]] else None
    return row[dimension.lower()]


def measured(row: dict[str, Any]) -> dict[str, Any]:
    return {"count": row["count"], "sum": row["sum"]["amount"], "weightedSum": row["weightedSum"]["amount"],
            "average": row["average"]["amount"], "winRate": row["winRate"], "cycleDays": row["cycleDays"]}


async def report(user: User, dimensions: list[str], **more: Any) -> dict[str, Any]:
    data = await ok(user, REPORT, input={"groupBy": dimensions, "measures": MEASURES, **more}, first=100)
    return data["report"]


def approx(found: dict[tuple[Any, ...], dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {k: {m: pytest.approx(v) if isinstance(v, float) else v for m, v in f.items()} for k, f in found.items()}


# --- the tests ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dimension", DIMENSIONS)
async def test_every_measure_by_each_dimension_matches_the_rows_for_each_role(db, dimension):
    people = await seed()
    for who in ("admin", "head", "rep", "rep2"):
        got = await report(people[who], [dimension])
        rows = {(answered(r, dimension),): measured(r) for r in got["rows"]}
        assert rows == approx(await expected(people[who], [dimension])), (who, dimension)
        assert got["groupCount"] == len(rows)
        everything = (await expected(people[who], ["STAGE"])).values()
        assert got["total"]["count"] == sum(f["count"] for f in everything)
        assert got["total"]["sum"]["amount"] == sum(f["sum"] for f in everything) or dimension != "STAGE"


async def test_stages_come_in_their_pipelines_order(db):
    people = await seed()
    lost = await Stage.get(pipeline__is_default=True, kind=StageKind.LOST)
    customer = await Customer.create(name="Lost often")
    for n in range(4):  # the last stage holds the most deals
        await Deal.create(title=f"Lost {n}", customer_id=customer.id, pipeline_id=lost.pipeline_id, stage_id=lost.id,
                          amount=1_000, currency="EUR", probability=0, closed_at=at("2026-01-05 00:00"))
    got = await report(people["admin"], ["STAGE"])
    stages = {stage.id: (stage.pipeline_id, stage.position) for stage in await Stage.all()}
    places = [stages[answered(r, "STAGE")] for r in got["rows"]]
    assert len(places) > 2 and places == sorted(places), "a funnel reads top down, not most deals first"


async def test_two_dimensions_owner_by_month_with_month_edges(db):
    people = await seed()
    got = await report(people["admin"], ["OWNER", "CLOSE_MONTH"])
    rows = {(answered(r, "OWNER"), answered(r, "CLOSE_MONTH")): measured(r) for r in got["rows"]}
    assert rows == approx(await expected(people["admin"], ["OWNER", "CLOSE_MONTH"]))
    rep = people["rep"].id
    # 23:30 on 31 January is January; midnight on 1 February and 23:59:59 on 28 February are February.
    assert rows[(rep, date(2026, 1, 1))]["count"] == 1 and rows[(rep, date(2026, 2, 1))]["count"] == 2
    months = [answered(r, "CLOSE_MONTH") for r in got["rows"]]
    assert months == sorted(months, key=lambda m: (m is None, m or date.min)), "months in order, no month last"


async def test_money_is_in_the_base_currency_with_the_rates_used_and_their_date(db):
    people = await seed()
    got = await report(people["admin"], ["COUNTRY"])
    usd = await ExchangeRate.get(currency="USD")
    assert got["currency"] == "EUR" and got["missingRates"] == ["JPY"]
    assert got["rates"] == [{"currency": "USD", "rate": "0.9", "updatedAt": usd.updated_at.isoformat()}]
    assert got["ratesAsOf"] == usd.updated_at.isoformat()
    germany = next(r for r in got["rows"] if r["country"] == "DE")
    # 100,000 + 80,000 EUR won, 30,000 EUR lost, 50,001 and 10,003 USD at 0.9, each currency's total rounded once
    assert germany["sum"] == {"amount": 210_000 + 54_004, "currency": "EUR"}
    assert germany["winRate"] == pytest.approx(3 / 5)
    only_euros = await report(people["rep2"], ["STAGE"], filter={"currency": ["EUR"]})
    assert only_euros["rates"] == [] and only_euros["ratesAsOf"] is None


async def test_unasked_measures_and_ungrouped_keys_stay_null(db):
    people = await seed()
    data = await ok(people["head"], REPORT, input={"groupBy": ["OWNER"], "measures": ["WIN_RATE"]})
    row = data["report"]["rows"][0]
    assert row["winRate"] is not None and row["owner"] is not None
    assert (row["count"], row["sum"], row["cycleDays"], row["stage"], row["month"]) == (None, None, None, None, None)


async def test_the_deals_filters_search_and_archive_choice_mean_what_they_mean_in_the_list(db):
    people = await seed()
    rep_id = str(people["rep"].id)
    cases: list[dict[str, Any]] = [
        {"filter": {"stageKind": ["WON", "LOST"]}}, {"filter": {"ownerId": [rep_id], "currency": ["USD"]}},
        {"filter": {"createdAt": {"start": "2026-01-05T00:00:00+00:00"}}}, {"search": "Rail"}, {"archived": False},
    ]
    for who in ("admin", "head", "rep2"):
        for case in cases:
            listed = await ok(people[who], "query($f: DealFilter, $s: String, $a: Boolean) "
                              "{ deals(filter: $f, search: $s, archived: $a) { totalCount } }",
                              f=case.get("filter"), s=case.get("search"), a=case.get("archived"))
            got = await report(people[who], ["STAGE"], **case)
            assert got["total"]["count"] == listed["deals"]["totalCount"], (who, case)


async def test_only_admins_and_salespeople_read_reports(db):
    people = await seed()
    for role in (Role.SUPPORT, Role.MARKETING):
        found = await error(await make_user(role), REPORT, input={"groupBy": ["OWNER"], "measures": ["COUNT"]})
        assert found["code"] == "FORBIDDEN", role
    assert (await report(people["rep2"], ["OWNER"]))["total"]["count"] == 4


async def test_bad_input_and_limits(db):
    people = await seed()
    admin = people["admin"]
    for group_by in ([], ["OWNER", "STAGE", "TEAM"], ["OWNER", "OWNER"]):
        found = await error(admin, REPORT, input={"groupBy": group_by, "measures": ["COUNT"]})
        assert (found["code"], found["field"]) == ("BAD_USER_INPUT", "groupBy")
    found = await error(admin, REPORT, input={"groupBy": ["OWNER"], "measures": []})
    assert (found["code"], found["field"]) == ("BAD_USER_INPUT", "measures")
    # Groups beyond the page are counted, not returned; a page over the cap is refused like any list's.
    got = (await ok(admin, REPORT, input={"groupBy": ["STAGE", "OWNER"], "measures": ["COUNT"]}, first=2))["report"]
    assert len(got["rows"]) == 2 and got["groupCount"] == 7  # open × 3 owners, won and lost × 2
    assert (await error(admin, REPORT, input={"groupBy": ["OWNER"], "measures": ["COUNT"]}, first=101))["code"] == (
        "QUERY_TOO_COMPLEX")
    heavy = ("{ a: report(input: {groupBy: [OWNER], measures: [COUNT]}) { rows(first: 100) { owner { team { members "
             "{ team { members { id } } } } } } } }")
    found = await error(admin, heavy)
    assert found["code"] == "QUERY_TOO_COMPLEX", "the cost rule counts the rows page like any other list"


async def test_a_fixed_number_of_statements_whatever_the_number_of_deals(db):
    people = await seed()
    every_key = {"groupBy": ["STAGE", "OWNER"], "measures": MEASURES}
    document = REPORT.replace("campaign { id }", "campaign { id } ")

    async def statements() -> int:
        with count_statements() as sent:
            await ok(people["head"], document, input=every_key, first=100)
        return len(sent)

    few = await statements()
    template = await Deal.filter(owner_id=people["rep"].id).first()
    assert template
    await Deal.bulk_create([Deal(title=f"More {i}", customer_id=template.customer_id, owner_id=people["colleague"].id,
                                 pipeline_id=template.pipeline_id, stage_id=template.stage_id, amount=i, currency="USD")
                            for i in range(40)])
    assert await statements() == few
    assert few <= 6, "rates, one GROUP BY (the row rules inside it), one read per kind of key shown"


async def test_a_stage_kind_filter_groups_on_postgresql_too(db):
    """The filter joins the stage table; the grouping's own stage-kind key must not be read as that join's column
    (PostgreSQL answered INTERNAL: "subquery uses ungrouped column")."""
    people = await seed()
    rows = (await ok(people["admin"], REPORT, input={"groupBy": ["OWNER"], "measures": ["COUNT"],
                                                    "filter": {"stageKind": ["WON"]}}))["report"]["rows"]
    won = await Deal.filter(stage__kind=StageKind.WON).count()
    assert sum(r["count"] for r in rows) == won > 0
