"""The fields an import can fill per entity, the column names (and synonyms, English and German) that map to
each automatically, and the template file people start from."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from backend.models import CustomEntity, CustomField, CustomFieldType, ImportEntity


@dataclass(frozen=True)
class ImportField:
    name: str  # the service's input key
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = field(default=())
    example: str = ""


_E = ImportEntity
_COMPANY = ("company", "company name", "firma", "firmenname", "organisation", "organization", "account",
            "account name", "unternehmen", "business", "customer", "customer name", "kunde", "client")
_EMAIL = ("email", "e-mail", "e mail", "mail", "email address", "e-mail-adresse", "emailadresse")
_PHONE = ("phone", "telephone", "tel", "telefon", "phone number", "telefonnummer", "mobile", "mobil", "handy")
_OWNER = ("owner", "owner email", "assigned to", "sales rep", "verantwortlich", "besitzer")

FIELDS: dict[ImportEntity, tuple[ImportField, ...]] = {
    _E.CUSTOMERS: (
        ImportField("name", "Name", True, _COMPANY + ("name",), "Acme Corp"),
        ImportField("legal_form", "Legal form", False, ("legal form", "rechtsform", "entity type"), "GmbH"),
        ImportField("email", "Email", True, _EMAIL, "sales@acme.example"),
        ImportField("phone", "Phone", False, _PHONE, "+49 30 123456"),
        ImportField("website", "Website", False, ("website", "web", "url", "homepage", "webseite", "domain"),
                    "https://acme.example"),
        ImportField("street", "Street", False, ("street", "address", "strasse", "straße", "adresse", "address 1"),
                    "Main St 1"),
        ImportField("city", "City", False, ("city", "town", "stadt", "ort"), "Berlin"),
        ImportField("postcode", "Postcode", False, ("postcode", "zip", "zip code", "postal code", "plz",
                                                     "postleitzahl"), "10115"),
        ImportField("country", "Country", False, ("country", "land", "country code", "staat"), "DE"),
        ImportField("industry", "Industry", False, ("industry", "branche", "sector", "sektor"), "Technology"),
        ImportField("segment", "Segment", False, ("segment", "tier", "size"), "SMB"),
        ImportField("tags", "Tags", False, ("tags", "labels", "schlagworte"), "partner; trade fair"),
        ImportField("description", "Description", False, ("description", "notes", "note", "beschreibung",
                                                           "notizen", "comment", "comments"), ""),
        ImportField("status", "Status", False, ("status", "stage", "state"), "prospect"),
        # New customers only: an existing one's phase moves by hand with its why (setCustomerPhase).
        ImportField("phase", "Relationship phase", False, ("phase", "relationship", "beziehungsphase", "beziehung"),
                    "exploring"),
        ImportField("high_level_status", "High-level status", False,
                    ("high level status", "account status", "kundenstatus", "classification", "einstufung"),
                    "Key account"),
        ImportField("account_manager", "Account manager (email)", False,
                    ("account manager", "account manager email", "manager", "kundenbetreuer", "betreuer")
                    + _OWNER, ""),
    ),
    _E.CONTACTS: (
        ImportField("name", "Name", True, ("name", "full name", "contact", "contact name", "person", "ansprechpartner",
                                           "kontakt"), "Ada Lovelace"),
        ImportField("email", "Email", True, _EMAIL, "ada@acme.example"),
        ImportField("phone", "Phone", False, _PHONE, "+44 20 123456"),
        ImportField("job_title", "Job title", False, ("job title", "title", "position", "funktion", "role"), "CTO"),
        ImportField("department", "Department", False, ("department", "abteilung", "team"), "IT"),
        ImportField("customer", "Customer (name or email)", False, _COMPANY, "Acme Corp"),
        ImportField("status", "Status", False, ("status", "state"), "new"),
        ImportField("owner", "Owner (email)", False, _OWNER, ""),
    ),
    _E.LEADS: (
        ImportField("title", "Title", True, ("title", "lead", "lead title", "subject", "titel", "betreff", "name"),
                    "Website relaunch"),
        ImportField("source", "Source", False, ("source", "lead source", "quelle", "channel"), "trade fair"),
        ImportField("company_name", "Company name", False, _COMPANY[:-4], "Acme Corp"),
        ImportField("scope_of_work", "Scope of work", False, ("scope", "scope of work", "description", "notes",
                                                               "beschreibung"), ""),
        ImportField("customer", "Customer (name or email)", False, ("customer", "customer name", "kunde", "client"),
                    ""),
        ImportField("owner", "Owner (email)", False, _OWNER, ""),
    ),
    _E.DEALS: (
        ImportField("title", "Title", True, ("title", "deal", "deal name", "opportunity", "name", "titel"),
                    "Annual licence"),
        ImportField("customer", "Customer (name or email)", True, _COMPANY, "Acme Corp"),
        ImportField("amount", "Amount", False, ("amount", "value", "deal value", "betrag", "wert", "volume"), "12000.00"),
        ImportField("currency", "Currency", False, ("currency", "währung", "waehrung", "cur"), "EUR"),
        ImportField("stage", "Stage", False, ("stage", "phase", "status", "deal stage"), ""),
        ImportField("probability", "Probability (%)", False, ("probability", "chance", "wahrscheinlichkeit"), ""),
        ImportField("expected_close_date", "Expected close date", False,
                    ("expected close date", "close date", "closing date", "abschlussdatum"), "2027-03-31"),
        ImportField("owner", "Owner (email)", False, _OWNER, ""),
    ),
}


def fields_of(entity: ImportEntity) -> tuple[ImportField, ...]:
    return FIELDS[entity]


CUSTOM = "custom."  # the target of a custom field: custom.<key>
# Imports write custom values for customers, contacts and leads (their bulk inserts write custom_value rows in
# the same batch; a contact or lead written one by one goes through its service with its customFields).
CUSTOM_ENTITIES = {ImportEntity.CUSTOMERS: CustomEntity.CUSTOMER, ImportEntity.CONTACTS: CustomEntity.CONTACT,
                   ImportEntity.LEADS: CustomEntity.LEAD}
CUSTOM_EXAMPLES = {CustomFieldType.NUMBER: "12", CustomFieldType.MONEY: "1250.50 EUR", CustomFieldType.DATE: "2027-06-30",
                   CustomFieldType.DATE_TIME: "2027-06-30T09:00:00+02:00", CustomFieldType.BOOLEAN: "yes",
                   CustomFieldType.USER: "rep@example.com"}


async def import_fields(entity: ImportEntity) -> tuple[ImportField, ...]:
    """The built-in fields, then the entity's active custom fields in their order (required when they are
    and have no default), mapped automatically by their label or key."""
    kind = CUSTOM_ENTITIES.get(entity)
    if kind is None:
        return FIELDS[entity]
    custom = await CustomField.filter(entity=kind, archived=False).order_by("position", "id")
    return FIELDS[entity] + tuple(
        ImportField(f"{CUSTOM}{f.key}", f.label, f.required and f.default_value is None, (f.key.replace("_", " "),),
                    CUSTOM_EXAMPLES.get(f.type, (f.options or [""])[0]))
        for f in custom)


def _key(text: str) -> str:
    """A column name as compared: no accents, case, punctuation or extra spaces ("E-Mail " = "e mail")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def auto_mapping(entity: ImportEntity, columns: list[str], known: tuple[ImportField, ...] | None = None) -> dict[str, str]:
    """column -> field for the columns recognised by name or synonym; each field taken once, the exact name
    winning over a synonym ("Name" is the contact's name even when "Company" is also a column)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for exact in (True, False):
        for column in columns:
            if column in mapping:
                continue
            key = _key(column)
            for f in known or FIELDS[entity]:
                if f.name in taken:
                    continue
                names = (_key(f.name), _key(f.label)) if exact else tuple(_key(s) for s in f.synonyms)
                if key in names:
                    mapping[column] = f.name
                    taken.add(f.name)
                    break
    return mapping


async def template_columns(entity: ImportEntity) -> tuple[list[str], list[str]]:
    """The template's header (field labels, which map back automatically) and one example row."""
    known = await import_fields(entity)
    return [f.label for f in known], [f.example for f in known]
