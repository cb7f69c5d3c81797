"""List fields read only the columns a request selects: every field of Customer, Contact, Deal and Activity,
selected alone through every list that serves it, answers exactly what it answers from whole rows."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryObjectDefinition
from tortoise.exceptions import IncompleteInstanceError

from backend.auth.actor import Actor
from backend.models import Activity, Contact, Customer, Deal, Role, User
from backend.reads import columns
from backend.schema.activities import ActivityType
from backend.schema.contacts import ContactType
from backend.schema.customers import CustomerType
from backend.schema.deals import DealType
from backend.seed import seed_demo
from tests.factories import gql, make_contact, make_customer, make_deal, make_user

TYPES = [(CustomerType, Customer), (ContactType, Contact), (DealType, Deal), (ActivityType, Activity)]

# Each list that serves a type, as a document with `FIELD` where the field goes.
PATHS = {
    CustomerType: ["{ customers(first: 15) { edges { node { FIELD } } } }"],
    ContactType: [
        "{ contacts(first: 15) { edges { node { FIELD } } } }",
        "{ customers(first: 15) { edges { node { contacts { FIELD } } } } }",
        "{ customers(first: 15) { edges { node { primaryContact { FIELD } } } } }",
    ],
    DealType: ["{ customers(first: 15) { edges { node { deals { FIELD } } } } }"],
    ActivityType: [
        "{ activities(first: 15) { edges { node { FIELD } } } }",
        "{ customers(first: 15) { edges { node { activities(first: 5) { FIELD } } } } }",
        "{ contacts(first: 15) { edges { node { activities(first: 5) { FIELD } } } } }",
        "{ customers(first: 5) { edges { node { deals { activities(first: 5) { FIELD } } } } } }",
    ],
}


def graphql_fields(type_: type) -> list[tuple[str, bool]]:
    """Each field's GraphQL name, and whether it is an object that needs a selection of its own."""
    names = NameConverter(auto_camel_case=True)
    found = []
    for field in type_.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        inner = field.type
        while hasattr(inner, "of_type") or hasattr(inner, "resolve_type"):  # lists, optionals, lazy types
            inner = inner.of_type if hasattr(inner, "of_type") else inner.resolve_type()
        is_object = isinstance(getattr(inner, "__strawberry_definition__", None), StrawberryObjectDefinition)
        found.append((names.get_graphql_name(field), is_object))
    return found


def fields(instance: object) -> dict[str, object]:
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def whole_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "_columns", lambda *args: None)


@pytest.fixture
async def demo(db) -> None:
    await seed_demo(Actor.system(via="cli"))


async def test_each_field_alone_answers_as_from_whole_rows(demo, monkeypatch):
    readers = [Actor.for_user(await User.get(email=e), via="api") for e in ("admin@example.com", "rep@example.com")]
    for type_, _ in TYPES:
        for field, is_object in graphql_fields(type_):
            selection = f"{field} {{ __typename }}" if is_object else field
            for document in (path.replace("FIELD", selection) for path in PATHS[type_]):
                for reader in readers:
                    partial = await gql(reader, document)
                    with monkeypatch.context() as whole:
                        whole_rows(whole)
                        expected = await gql(reader, document)
                    assert partial.errors is None, (document, partial.errors)
                    assert partial.data == expected.data, document


@pytest.mark.parametrize("type_, model", TYPES, ids=lambda t: getattr(t, "__name__", ""))
def test_every_field_of_the_listed_types_knows_its_columns(type_, model):
    """So that the test above runs each field on partial rows, and a new field is not read whole unnoticed."""
    known = columns._field_columns(type_, model, NameConverter(auto_camel_case=True))
    assert [name for name, read in known.items() if read is None] == []
    assert all(set(read) <= set(model._meta.fields_db_projection) for read in known.values())


def test_a_resolver_that_declares_nothing_gets_whole_rows():
    @strawberry.type
    class Probe:
        name: str
        not_a_column: str

        @strawberry.field
        def shout(self) -> str:
            return self.name.upper()

        @strawberry.field(metadata=columns.reads("email"))
        def mail(self) -> str:
            return self.email

    known = columns._field_columns(Probe, Customer, NameConverter(auto_camel_case=True))
    assert known == {"name": ("name",), "notAColumn": None, "shout": None, "mail": ("email",)}


async def test_partial_rows_are_tortoises_own_and_refuse_to_be_saved(db):
    admin = await make_user(Role.ADMIN)
    for _ in range(3):
        customer = await make_customer(admin)
        await make_contact(admin, customerId=customer["id"])
        await make_deal(admin, customer["id"])
    contacts = Contact.filter(customer_id__isnull=False).order_by("id").limit(5)
    ours = await columns.fetch(contacts, ("customer_id", "email", "id"))
    tortoise = await contacts.only("customer_id", "email", "id")
    assert [vars(c) for c in ours] == [vars(c) for c in tortoise]
    with pytest.raises(IncompleteInstanceError):
        await ours[0].save()
    # A joined relation comes whole when its key is selected (deal.stage reads stage_id), else not at all.
    deals = Deal.all().order_by("id").limit(5)
    joined = await columns.fetch(deals, ("id", "stage_id"), "stage")
    whole = await deals.select_related("stage")
    assert [fields(d.stage) for d in joined] == [fields(w.stage) for w in whole]
    without = await columns.fetch(deals, ("id", "title"), "stage")
    assert all("_stage" not in vars(d) and "stage_id" not in vars(d) for d in without)
