"""A form's save that met someone else's: the user's edits stay, the rest is reloaded, changes are named."""

from frontend.components.edit_conflict import merge

READ = {"title": "Pilot", "amount": "1000", "probability": "20", "contactId": "7"}
NAMES = {"7": "Ada", "8": "Bo"}


def shown_as(key: str, value: str) -> str:
    return (NAMES.get(value, value) if key == "contactId" else value) or "–"


def test_edits_are_kept_the_rest_reloaded_and_each_change_underneath_named() -> None:
    mine = {**READ, "title": "Pilot, phase 2", "probability": "40", "stageId": "3"}  # extra controls are ignored
    now = {**READ, "amount": "1500", "probability": "65", "contactId": "8"}
    result = merge(READ, mine, now, shown_as)
    assert result.shown == {"title": "Pilot, phase 2", "amount": "1500", "probability": "40", "contactId": "8"}
    assert result.read == now  # a second conflict is measured from what was read now
    assert result.notices == {
        "amount": "Changed meanwhile (was 1000)",
        "probability": "Changed meanwhile to 65; your entry is kept",
        "contactId": "Changed meanwhile (was Ada)",
    }
    assert "(Amount, Probability, Contact changed)" in result.summary(
        "deal", {"amount": "Amount", "probability": "Probability", "contactId": "Contact"})


def test_a_save_that_changed_none_of_the_forms_fields_says_so() -> None:
    result = merge(READ, {**READ, "title": "New"}, dict(READ), shown_as)
    assert result.notices == {} and result.shown["title"] == "New"
    assert "but none of these fields" in result.summary("deal", {})
