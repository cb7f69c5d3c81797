"""What the demo data is made of: countries, industries, names, titles and the demo campaigns.

Kept apart from backend/seed.py, which decides how these become customers, deals and campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.models import ActivityKind, CampaignStatus, CampaignType, CustomerStatus, Visibility

# Base-currency units per unit, as seen from EUR; converted when CRM_BASE_CURRENCY is another currency.
EUR_RATES = {
    "EUR": Decimal("1"), "USD": Decimal("0.92"), "GBP": Decimal("1.17"), "CHF": Decimal("1.04"),
    "SEK": Decimal("0.087"), "PLN": Decimal("0.23"), "NOK": Decimal("0.085"), "DKK": Decimal("0.134"),
}

COUNTRIES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    # code: (legal form, phone prefix, cities, currency)
    "DE": ("GmbH", "+49", ("Berlin", "Hamburg", "Munich", "Cologne", "Stuttgart"), "EUR"),
    "FR": ("SAS", "+33", ("Paris", "Lyon", "Toulouse", "Lille"), "EUR"),
    "GB": ("Ltd", "+44", ("London", "Manchester", "Leeds", "Bristol"), "GBP"),
    "NL": ("B.V.", "+31", ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"), "EUR"),
    "ES": ("S.L.", "+34", ("Madrid", "Barcelona", "Valencia", "Bilbao"), "EUR"),
    "IT": ("S.p.A.", "+39", ("Milan", "Turin", "Bologna", "Rome"), "EUR"),
    "SE": ("AB", "+46", ("Stockholm", "Gothenburg", "Malmö"), "SEK"),
    "PL": ("Sp. z o.o.", "+48", ("Warsaw", "Kraków", "Gdańsk", "Wrocław"), "PLN"),
    "US": ("Inc.", "+1", ("Chicago", "Boston", "Austin", "Seattle"), "USD"),
    "CH": ("AG", "+41", ("Zurich", "Basel", "Geneva"), "CHF"),
}
INDUSTRIES = {
    "Rail": ("Rail Systems", "Rolling Stock", "Signalling", "Railway Components"),
    "Food & Beverage": ("Foods", "Dairy", "Bakeries", "Brewing", "Beverages"),
    "General Industry": ("Machinery", "Metalworks", "Components", "Industries"),
    "Technology": ("Software", "Digital", "Analytics", "Systems"),
    "Logistics": ("Logistics", "Freight", "Cargo", "Shipping"),
    "Energy": ("Energy", "Power", "Renewables", "Grid Services"),
    "Healthcare": ("Medical", "Health", "Lab Supplies"),
}
PREFIXES = (
    "Baltic", "Alpine", "Nordic", "Atlas", "Helix", "Rhein", "Iberia", "Aurora", "Vega", "Orion", "Delta",
    "Meridian", "Polaris", "Tessera", "Vanguard", "Zenith", "Harbor", "Summit", "Cobalt", "Linden", "Falcon",
    "Granite", "Silver", "Blue Ridge", "Oakfield", "Riverside", "Kestrel", "Northgate", "Bright", "Crown",
)
FIRST_NAMES = (
    "Anna", "Lukas", "Marie", "Jonas", "Camille", "Louis", "Olivia", "James", "Sophie", "Daan", "Lucía", "Pablo",
    "Giulia", "Marco", "Elsa", "Oskar", "Zofia", "Jakub", "Emily", "Michael", "Lea", "Noah", "Clara", "Matteo",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Dubois", "Laurent", "Smith", "Taylor", "de Vries", "Jansen", "García", "López", "Rossi",
    "Bianchi", "Andersson", "Nilsson", "Kowalski", "Nowak", "Johnson", "Brown", "Weber", "Moreau", "Conti", "Berg",
)
JOB_TITLES = (
    ("CEO", "Management"), ("Head of Procurement", "Purchasing"), ("Purchasing Manager", "Purchasing"),
    ("CTO", "Engineering"), ("Operations Director", "Operations"), ("Plant Manager", "Operations"),
    ("Finance Director", "Finance"), ("Project Engineer", "Engineering"), ("Office Manager", "Administration"),
)
TAGS = ("key-account", "framework-agreement", "trade-fair", "referral", "public-sector", "export")
SEGMENTS = (("Enterprise", 2), ("Mid-market", 4), ("SMB", 4))
CUSTOMER_STATUSES = (
    (CustomerStatus.ACTIVE, 45), (CustomerStatus.PROSPECT, 25), (CustomerStatus.DRAFT, 8),
    (CustomerStatus.INACTIVE, 10), (CustomerStatus.CHURNED, 7), (CustomerStatus.BLOCKED, 5),
)

BRIEFS = (
    "long-standing customer, orders twice a year.", "evaluating a framework agreement.",
    "price-sensitive; competes with two local suppliers.", "expanding into new plants next year.",
    "curious but cautious; wants references first.", "key account with a dedicated service contract.",
)
ACTIVITY_TITLES = {
    ActivityKind.CALL: ("Intro call", "Follow-up call", "Call about the quote", "Quarterly check-in call"),
    ActivityKind.EMAIL: ("Sent product brochure", "Quote sent", "Answered delivery question", "Meeting recap"),
    ActivityKind.MEETING: ("On-site visit", "Workshop with engineering", "Contract negotiation", "Trade fair meeting"),
    ActivityKind.NOTE: ("Budget approved for next year", "New procurement lead", "Prefers contact by phone"),
}
PRODUCTS = (
    "Service contract", "Spare parts framework", "Line retrofit", "Maintenance package", "Pilot installation",
    "Software licences", "Training programme", "Fleet upgrade",
)
LEAD_SOURCES = ("Trade fair", "Website", "Referral", "Cold call", "Campaign", "Partner")  # as m0030 lists them
LOST_REASONS = ("Price too high", "Chose a competitor", "Project cancelled", "No budget this year")
TASK_TITLES = (
    "Send revised quote", "Call back about delivery dates", "Prepare contract draft", "Check payment status",
    "Book on-site visit", "Send references", "Follow up on trial", "Update contact details",
)


@dataclass(frozen=True)
class CampaignSpec:
    code: str
    title: str
    type: CampaignType
    visibility: Visibility
    path: tuple[CampaignStatus, ...]  # statuses it goes through after draft
    starts: int  # days from today
    ends: int
    description: str


_LIVE = (CampaignStatus.NEW, CampaignStatus.ACTIVE)
CAMPAIGNS = (
    CampaignSpec("spring-referral", "Spring referral programme", CampaignType.REFERRAL, Visibility.PUBLIC, _LIVE, -20, 70,
                 "Recommend us to a colleague: both of you get a free maintenance check."),
    CampaignSpec("summer-service", "Summer service promotion", CampaignType.PROMOTION, Visibility.PUBLIC, _LIVE, -5, 60,
                 "15% off every service contract signed before the end of summer."),
    CampaignSpec("season-greetings", "Season's greetings", CampaignType.GREETINGS, Visibility.PUBLIC, _LIVE, -10, 30,
                 "Thank you for a great year together. Sign up for our customer evening."),
    CampaignSpec("partner-referral", "Partner referral (internal)", CampaignType.REFERRAL, Visibility.INTERNAL,
                 (CampaignStatus.NEW,), 10, 100, "Referral bonus for our integration partners."),
    CampaignSpec("rail-expo", "Rail expo promotion", CampaignType.PROMOTION, Visibility.PRIVATE, (), 40, 50,
                 "Draft: trade fair offer for rail customers."),
    CampaignSpec("winter-webinar", "Winter webinar series", CampaignType.PROMOTION, Visibility.PUBLIC,
                 (*_LIVE, CampaignStatus.INACTIVE), -120, -60, "Webinars on predictive maintenance (finished)."),
    CampaignSpec("new-year-card", "New year card", CampaignType.GREETINGS, Visibility.INTERNAL,
                 (CampaignStatus.DISCARDED,), -40, -30, "Replaced by the season's greetings campaign."),
)


@dataclass(frozen=True)
class TicketSpec:
    subject: str
    description: str
    priority: str  # models.TicketPriority's value
    channel: str  # models.TicketChannel's value
    category: str
    fate: str  # breaching (new, urgent, SLA due within the hour), new, open, pending, resolved, closed
    assignee: str | None  # a demo user's email; None: the queue's unassigned
    days_ago: float  # when it came in (resolved and closed ones; the others came in within the hour)
    reply: str = ""  # support's first public reply
    satisfaction: int | None = None  # the customer's survey answer (resolved and closed ones)


# The support queue of the demo: every status and priority, one about to breach its first-response target.
TICKETS = (
    TicketSpec("Line 3 stopped after the firmware update", "The press on line 3 shows error E-214 since this morning's "
               "update; production is down.", "urgent", "phone", "Outage", "breaching", "support@example.com", 0),
    TicketSpec("Invoice shows the wrong VAT rate", "Invoice 2026-0412 charges 19 % instead of 7 %.", "normal", "email",
               "Billing", "new", None, 0),
    TicketSpec("Spare parts delivery delayed", "Order of bearings promised for Monday has not arrived.", "high", "email",
               "Delivery", "open", "support@example.com", 0,
               "We have asked the warehouse and will send you the tracking number today."),
    TicketSpec("Training for two new operators", "Could you schedule an on-site training in the coming weeks?", "low",
               "web", "Service", "pending", "support@example.com", 0,
               "Happy to: which days suit your operators best?"),
    TicketSpec("Sensor readings drop out at night", "The vibration sensors stop reporting between 2 and 3 am.", "high",
               "chat", "Technical", "open", None, 0),
    TicketSpec("Password reset for the customer portal", "Our plant manager cannot sign in to the portal.", "normal",
               "email", "Access", "resolved", "support@example.com", 3,
               "We have sent a new sign-in link; it is valid for 24 hours.", 5),
    TicketSpec("Maintenance report missing from the portal", "The March report is not listed.", "normal", "web",
               "Service", "closed", "support@example.com", 9, "The report is online again; sorry for the gap.", 4),
    TicketSpec("Noise from the gearbox after service", "A grinding noise since last week's maintenance visit.",
               "urgent", "phone", "Technical", "closed", "support@example.com", 16,
               "A technician is on the way and will be with you this afternoon.", 3),
)
