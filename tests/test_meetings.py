"""Meetings: a start (occurredAt), an end after it from which the duration follows, and attendees; other
kinds have neither, and each wrong value is refused naming its field, with nothing written."""

from backend.models import Activity, AuditEntry, Role
from tests.factories import error, make_contact, make_customer, make_user, ok

LOG = """mutation($input: LogActivityInput!) { logActivity(input: $input) {
  id occurredAt endsAt durationMinutes attendees contact { id } } }"""
START = "2030-03-04T10:00:00+00:00"


async def test_a_meeting_keeps_its_end_and_attendees_and_its_duration_follows(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    contact = await make_contact(admin, customerId=customer["id"])
    made = (await ok(admin, LOG, input={
        "kind": "MEETING", "title": "Workshop", "customerId": customer["id"], "contactId": contact["id"],
        "occurredAt": START, "endsAt": "2030-03-04T11:30:00+00:00",
        "attendees": [" Anna Berg ", "tom@example.com", "anna berg"],
    }))["logActivity"]
    assert made["durationMinutes"] == 90 and made["endsAt"].startswith("2030-03-04T11:30")
    assert made["attendees"] == ["Anna Berg", "tom@example.com"]  # trimmed, each person once
    assert made["contact"] == {"id": contact["id"]}
    entry = await AuditEntry.get(entity="activity", entity_id=made["id"])
    assert entry.changes["attendees"] == [None, ["Anna Berg", "tom@example.com"]]


async def test_wrong_meeting_details_name_their_field_and_write_nothing(db):
    admin = await make_user(Role.ADMIN)
    base = {"kind": "MEETING", "title": "Review", "occurredAt": START}
    wrong = [
        ({"endsAt": START}, "endsAt", "after the start"),
        ({"endsAt": "2030-03-04T09:00:00+00:00"}, "endsAt", "after the start"),
        ({"endsAt": "2030-03-05T11:00:00+00:00"}, "endsAt", "24 hours"),
        ({"endsAt": "2030-03-04T11:00:00+00:00", "durationMinutes": 30}, "durationMinutes", "(60)"),
        ({"attendees": ["Anna", "  "]}, "attendees", "empty"),
        ({"attendees": [f"p{i}@example.com" for i in range(51)]}, "attendees", "at most 50"),
        ({"kind": "CALL", "endsAt": "2030-03-04T11:00:00+00:00"}, "endsAt", "only meetings"),
        ({"kind": "NOTE", "attendees": ["Anna"]}, "attendees", "only meetings"),
    ]
    for extra, field, words in wrong:
        refused = await error(admin, LOG, input={**base, **extra})
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", field), extra
        assert words in refused["message"], (extra, refused["message"])
    assert await Activity.all().count() == 0 and await AuditEntry.filter(entity="activity").count() == 0


async def test_a_meeting_without_an_end_is_fine_and_other_kinds_have_no_attendees(db):
    admin = await make_user(Role.ADMIN)
    meeting = (await ok(admin, LOG, input={"kind": "MEETING", "title": "Drop-in", "durationMinutes": 20}))["logActivity"]
    assert (meeting["endsAt"], meeting["durationMinutes"], meeting["attendees"]) == (None, 20, [])
    call = (await ok(admin, LOG, input={"kind": "CALL", "title": "Ring", "attendees": []}))["logActivity"]
    assert call["attendees"] == []
