"""Duplicate signals: normalised keys, the matcher's reasons and confidences, and its blocking."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from backend.services import matching as m
from backend.services.matching import CONTACTS, Matcher, Record, Signal


@pytest.mark.parametrize(("raw", "key"), [
    ("+33 1 23 45 67 89", "123456789"),
    ("0033 1 23 45 67 89", "123456789"),
    ("01 23 45 67 89", "123456789"),
    ("(01) 23.45.67.89", "123456789"),
    ("+49 30 1234567", "301234567"),
    ("030 1234567", "301234567"),
    ("+1 (212) 555-0100", "125550100"),
    ("212-555-0100", "125550100"),
    ("12 34", ""),
    ("", ""),
    (None, ""),
])
def test_phone_key(raw: str | None, key: str) -> None:
    assert m.normalise_phone(raw) == key


@pytest.mark.parametrize(("raw", "key"), [
    ("  Ann@Example.COM ", "ann@example.com"),
    ("ann+crm@example.com", "ann@example.com"),
    ("a.n.n@googlemail.com", "ann@gmail.com"),
    ("not-an-email", ""),
    ("@example.com", ""),
])
def test_email_key(raw: str, key: str) -> None:
    assert m.normalise_email(raw) == key


def test_domains_ignore_free_mail_and_url_parts() -> None:
    assert m.domain_of_website("https://www.Acme.com/about?x=1") == "acme.com"
    assert m.domain_of_website("acme.co.uk:8080") == "acme.co.uk"
    assert m.domain_of_website("localhost") == ""
    assert m.domain_of_email("sales@acme.com") == "acme.com"
    assert m.domain_of_email("someone@gmail.com") == ""
    assert m.domain_of_email("someone@GMX.de") == ""


@pytest.mark.parametrize(("raw", "key"), [
    ("Acme GmbH", "acme"),
    ("ACME Ltd.", "acme"),
    ("Acme, Inc.", "acme"),
    ("Acme S.A.", "acme"),
    ("Acme S. A.", "acme"),
    # "Société" is the French word for company, the legal form's first word ("Société Dupont" is Dupont):
    # like "Company" it is left out, so "Société Générale" reads as "generale" (a fuzzy match needs that word).
    ("Société Générale SARL", "generale"),
    ("Société Dupont", "dupont"),
    ("Dupont Sté", "dupont"),
    ("Dupont SAS", "dupont"),
    ("DUPONT S.A.S.", "dupont"),
    ("Dupont S.à r.l.", "dupont"),
    ("Dupont, société par actions simplifiée", "dupont"),
    ("Müller GmbH & Co. KG", "muller"),
    ("Rossi S.p.A.", "rossi"),
    ("Jansen B.V.", "jansen"),
    ("Kowalski Sp. z o.o.", "kowalski"),
    ("Silva Ltda.", "silva"),
    ("Établissements Martin", "martin"),
    ("Café Müller G.m.b.H.", "cafe muller"),
    ("Smith & Sons Ltd", "smith sons"),
    ("The Company", "the company"),  # only legal words: kept rather than emptied
    ("", ""),
])
def test_name_key(raw: str, key: str) -> None:
    assert m.normalise_name(raw) == key


def test_exact_keys_match_with_reasons() -> None:
    matcher = Matcher([
        Record(1, "Acme GmbH", "info@acme.com", "+33 1 23 45 67 89", "acme.com"),
        Record(2, "Globex", "hello@globex.com", "", ""),
    ])
    [match] = matcher.match(Record("new", "ACME Ltd.", "INFO@acme.com", "01 23 45 67 89", "https://www.acme.com"))
    assert match.id == 1
    assert {r.signal for r in match.reasons} == {Signal.EMAIL, Signal.PHONE, Signal.DOMAIN, Signal.NAME}
    assert match.confidence > 0.99


def test_fuzzy_name_alone_ranks_below_exact_signals() -> None:
    matcher = Matcher([
        Record(1, "Acme Industries"),
        Record(2, "Initech", phone="+44 20 7946 0958"),
        Record(3, "Acme Services"),
    ])
    matches = matcher.match(Record("x", "Acme Industires", phone="020 7946 0958"))
    assert [x.id for x in matches] == [2, 1]
    [reason] = matches[1].reasons
    assert reason.signal is Signal.NAME and 0.88 <= reason.score < 1
    assert matches[1].confidence < matches[0].confidence


def test_different_names_do_not_match() -> None:
    matcher = Matcher([Record(1, "Acme Systems")])
    assert matcher.match(Record("x", "Acme Services")) == []
    assert matcher.match(Record("x", "Zeta Holdings")) == []
    other = Matcher([Record(1, "Baltic Grid Services"), Record(2, "Crown Rail Systems")])
    assert other.match(Record("x", "Cobalt Grid Services")) == []  # one word apart, and that word differs
    assert other.match(Record("x", "Orion Rail Systems")) == []
    assert [x.id for x in other.match(Record("x", "Baltic Grid Servcies"))] == [1]


def test_free_mail_domain_is_no_signal() -> None:
    matcher = Matcher([Record(1, "Ann Smith", "ann@gmail.com")])
    assert matcher.match(Record("x", "Bob Jones", "bob@gmail.com")) == []


def test_contacts_need_more_than_a_shared_domain_or_name() -> None:
    matcher = Matcher([Record(1, "Ann Smith", "ann@acme.com")], weights=CONTACTS)
    assert matcher.match(Record("x", "Bob Jones", "bob@acme.com")) == []  # a colleague
    assert matcher.match(Record("x", "Ann Smith", "ann.smith@other.org")) == []  # a namesake
    [match] = matcher.match(Record("x", "Ann Smith", "a.smith@acme.com"))  # same name, same company
    assert match.id == 1


def test_a_record_does_not_match_itself_and_pairs_come_once() -> None:
    matcher = Matcher([
        Record(1, "Acme GmbH"), Record(2, "Acme Ltd"), Record(3, "Globex"), Record(4, "ACME"),
    ])
    assert [x.id for x in matcher.match(Record(1, "Acme GmbH"))] == [2, 4] or [
        x.id for x in matcher.match(Record(1, "Acme GmbH"))] == [4, 2]
    pairs = {frozenset((a, b.id)) for a, b in matcher.pairs()}
    assert pairs == {frozenset((1, 2)), frozenset((1, 4)), frozenset((2, 4))}
    assert len(list(matcher.pairs())) == 3


def test_records_added_while_matching_find_duplicates_within_a_file() -> None:
    matcher = Matcher()
    rows = [Record(n, name) for n, name in enumerate(["Acme", "Globex", "ACME GmbH"])]
    found: list[tuple[Hashable, Hashable]] = []
    for row in rows:
        found.extend((row.id, x.id) for x in matcher.match(row))
        matcher.add(row)
    assert found == [(2, 0)]


def test_large_blocks_are_skipped_but_exact_names_still_match() -> None:
    # 1,000 companies sharing the word "solutions": that block is too big to compare within.
    records = [Record(n, f"Solutions {n:04d} Zq{n}") for n in range(1000)]
    records.append(Record("a", "Solutions Acme"))
    matcher = Matcher(records)
    assert [x.id for x in matcher.match(Record("x", "solutions acme"))] == ["a"]
    assert [x.id for x in matcher.match(Record("x", "Solutions Acmee"))] == ["a"]  # through the "acme" block


def test_blocking_keeps_comparisons_bounded() -> None:
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    records = [Record(n, f"{words[n % 10]}{n} {words[(n // 10) % 10]}x{n}") for n in range(5000)]
    records.append(Record("t", "Tangerine Works"))
    matcher = Matcher(records)
    for n in range(100):
        matcher.match(Record(f"c{n}", f"{words[n % 10]}{n} newco"))
    assert [x.id for x in matcher.match(Record("c", "Tangerine Wroks"))] == ["t"]
    assert 0 < matcher.compared < 101 * 3 * m.MAX_BLOCK  # all-pairs would be over 500,000
