"""The language of a user's mail (mail/language.py): from the identity provider's `locale` claim on
sign-in until the user picks one, templates in English where a language has none, dates in the
reader's zone and language."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.mail import language, render
from backend.models import User
from backend.services import users
from backend.settings import get_settings
from tests.factories import ok

SETTINGS = "mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { language } }"


def test_language_tags_become_language_codes() -> None:
    assert [language.normalize(tag) for tag in ("de-DE", "de_AT", "EN-us", "fr", "", "zz-top!", None, 7)] == [
        "de", "de", "en", "fr", None, None, None, None]


def test_dates_read_in_the_readers_zone_and_language() -> None:
    at = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert language.when(at, "Europe/Berlin", "de") == "Mo., 1. März 2027, 09:00 MEZ"
    assert language.when(at, "Europe/Berlin", None) == "Mon, Mar 1, 2027, 09:00 CET"
    assert language.when(at, "Asia/Tokyo", "en") == "Mon, Mar 1, 2027, 17:00 JST"
    assert language.when(at, "Not/AZone", "xx") == "Mon, Mar 1, 2027, 08:00 UTC"


def test_every_kind_has_its_german_templates_and_falls_back_to_english() -> None:
    values = {"name": "Anna", "title": "T", "due": "d", "about": "", "count": 1, "tasks": [], "items": [], "more": 0}
    for kind in ("task_reminder", "overdue_digest", "digest"):
        german, english = render.render(kind, "http://crm", "de", **values), render.render(kind, "http://crm", None, **values)
        assert german.subject != english.subject and 'lang="de"' in german.html, kind
        assert render.render(kind, "http://crm", "fr", **values) == english


async def test_sign_in_takes_the_locale_claim_until_the_user_chooses(db: str) -> None:
    claims = {"sub": "lena@example.com", "email": "lena@example.com", "name": "Lena", "groups": "sales_rep",
              "locale": "de-DE"}
    user, _ = await users.sign_in(claims, get_settings())
    assert user.language == "de"
    await ok(user, SETTINGS, input={"language": "en"})
    user, _ = await users.sign_in(claims, get_settings())  # the provider's locale no longer overrides the choice
    assert (await User.get(id=user.id)).language == "en"
    other, _ = await users.sign_in({**claims, "sub": "max@example.com", "email": "max@example.com", "locale": "??"},
                                   get_settings())
    assert other.language is None
