"""Duplicate signals shared by the import and the duplicates view: normalised keys and a blocked matcher.

A record is reduced to keys once (email, phone, domain, name); exact keys are looked up in dicts and fuzzy
names are compared only within blocks (records sharing a name token or the first letters of the name), never
all-pairs, so matching 100,000 rows against 100,000 existing ones stays linear (bench/, `scripts/bench`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz, process

# Mail providers anyone can sign up with: two people on gmail.com are not one company.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "yahoo.de", "yahoo.co.uk", "ymail.com",
    "hotmail.com", "hotmail.fr", "hotmail.de", "hotmail.co.uk", "outlook.com", "outlook.fr", "outlook.de",
    "live.com", "live.fr", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net",
    "gmx.com", "gmx.at", "gmx.ch", "web.de", "t-online.de", "freenet.de", "orange.fr", "wanadoo.fr", "free.fr",
    "laposte.net", "sfr.fr", "libero.it", "virgilio.it", "protonmail.com", "proton.me", "pm.me", "tutanota.com",
    "mail.com", "mail.ru", "yandex.ru", "yandex.com", "zoho.com", "fastmail.com", "qq.com", "163.com",
    "naver.com", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "bluewin.ch", "telenet.be", "skynet.be",
    "hetnet.nl", "ziggo.nl", "kpnmail.nl", "btinternet.com", "sky.com", "comcast.net", "verizon.net",
})

# Legal forms say what kind of company it is, not which: "Acme GmbH" and "ACME Ltd." are compared as "acme".
# Written without dots; dots are removed before the lookup so "S.A." and "s.a" both become "sa".
LEGAL_FORMS = frozenset({
    "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "ev", "co", "cie", "company", "corp", "corporation", "inc",
    "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "pty", "sarl", "sa", "sas", "sasu", "eurl",
    "sci", "snc", "se", "nv", "bv", "vof", "cv", "bvba", "sprl", "srl", "spa", "sl", "slu", "sro", "as", "asa",
    "ab", "oy", "oyj", "aps", "kft", "zrt", "doo", "ooo", "pllc", "pc", "gbr", "und", "and", "et", "the",
    # French and other common ones: "Société Dupont", "Dupont Sté", "Ets Martin", "S.A.U.", "Ltda", "e.K."
    "societe", "ste", "ets", "etablissements", "compagnie", "selarl", "selas", "scop", "scp", "gie", "sau", "sll",
    "ltda", "lda", "sagl", "ek", "eg", "ggmbh", "partg", "kk", "pte", "bhd", "sdn", "spzoo", "cvba", "scrl", "srls",
    "sapa", "coop", "haftungsbeschrankt", "ltee", "limitee", "cia",
})
# Common name words keep their meaning but say little; a block this large is not worth comparing.
MAX_BLOCK = 300
PREFIX = 4  # letters of a word, or of the whole name, that form its block
FUZZY_CUTOFF = 88  # a ratio of the word-sorted names below this is a different name ("Acme Systems" vs "Acme Services" = 83)

WORD_CUTOFF = 75  # each differing word must be this close to one of the other name's ("industires" = 80)

NOT_WORD = re.compile(r"[^\w]+")
POLISH_LLC = re.compile(r"\bsp\s*z\s*oo\b")
SARL = re.compile(r"\bsa\s+rl\b")  # "S.à r.l." without its dots
# Legal forms written out, removed whole before the words are looked up one by one.
SPELLED_FORMS = re.compile(
    r"\b(societe (anonyme|par actions simplifiee( unipersonnelle)?|a responsabilite limitee|en nom collectif"
    r"|civile( immobiliere| professionnelle)?|en commandite( simple| par actions)?|dexercice liberal)"
    r"|entreprise unipersonnelle a responsabilite limitee|gesellschaft mit beschrankter haftung"
    r"|kommanditgesellschaft|aktiengesellschaft|besloten vennootschap|naamloze vennootschap|societa per azioni"
    r"|societa a responsabilita limitata|sociedad anonima|sociedad limitada|public limited company)\b")
DIGITS = re.compile(r"\D+")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


class Signal(Enum):
    EMAIL = "email"
    PHONE = "phone"
    DOMAIN = "domain"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal alone says that two records are one; several signals combine as independent."""

    email: float
    phone: float
    domain: float
    name: float
    threshold: float = 0.5  # matches below this confidence are not reported


# A shared info@ address is strong evidence for companies; a website domain shared by two companies is rare.
CUSTOMERS = Weights(email=0.9, phone=0.8, domain=0.7, name=0.8)
# Colleagues share a domain, and two people can share a name: for contacts each of those needs another signal.
CONTACTS = Weights(email=0.95, phone=0.8, domain=0.2, name=0.45)


@dataclass(frozen=True, slots=True)
class Record:
    """What the matcher needs of a customer, a contact or an import row; `id` is anything hashable."""

    id: Hashable
    name: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    signal: Signal
    value: str  # the shared key, e.g. the normalised email or the two names compared
    score: float  # 0..1: 1 for an exact key, the fuzzy ratio for names


@dataclass(frozen=True, slots=True)
class Match:
    id: Hashable
    confidence: float
    reasons: tuple[Reason, ...]


def normalise_email(value: str | None) -> str:
    """Lower-cased, without a "+tag" on the local part (ann+crm@x.com is ann@x.com)."""
    cleaned = (value or "").strip().lower()
    local, at, domain = cleaned.rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):  # Gmail ignores dots in the local part
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else ""


def normalise_phone(value: str | None) -> str:
    """The last nine digits of the national number, so "+33 1 23 45 67 89", "0033 1 23 45 67 89" and
    "01 23 45 67 89" agree without a table of calling codes: the international prefix (+ or 00) with its
    country code, or the trunk 0, falls before them. Nine digits are the national number in most of Europe
    and the last nine of North America's ten, and rarely shared by chance; shorter numbers keep all digits
    after the trunk 0. Fewer than six digits is no phone number to match on."""
    raw = (value or "").strip()
    digits = DIGITS.sub("", raw)
    if raw.startswith("+") or digits.startswith("00"):
        digits = digits.lstrip("0")
        # the country code (1–3 digits) stays in front unless nine digits follow it
    elif digits.startswith("0"):
        digits = digits[1:]
    key = digits[-9:]
    return key if len(key) >= 6 else ""


def domain_of_website(value: str | None) -> str:
    cleaned = SCHEME.sub("", (value or "").strip().lower())
    host = re.split(r"[/?#:]", cleaned, maxsplit=1)[0].strip(".")
    host = host.removeprefix("www.")
    return host if "." in host and host not in FREE_MAIL else ""


def domain_of_email(value: str | None) -> str:
    domain = normalise_email(value).rpartition("@")[2]
    return domain if domain and domain not in FREE_MAIL else ""


def normalise_name(value: str | None) -> str:
    """Case, accents, punctuation and legal forms removed: "Café Müller G.m.b.H." → "cafe muller"."""
    folded = (value or "").casefold()
    if folded.isascii():  # nothing to decompose (most names): the per-character pass is most of the cost
        plain = folded
    else:
        decomposed = unicodedata.normalize("NFKD", folded)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("&", " and ").replace(".", "").replace("'", "")
    plain = POLISH_LLC.sub(" spzoo ", plain)  # "Sp. z o.o." is one legal form written in three words
    plain = SARL.sub(" sarl ", SPELLED_FORMS.sub(" ", plain))
    tokens = [t for t in NOT_WORD.sub(" ", plain).replace("_", " ").split()]
    tokens = _join_initials(tokens)
    kept = [t for t in tokens if t not in LEGAL_FORMS]
    return " ".join(kept or tokens)  # a name made only of such words ("The Company") stays itself


def _join_initials(tokens: list[str]) -> list[str]:
    """"S A" (from "S. A.") is one word, so it can be recognised as a legal form."""
    out: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1:
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        out.append(token)
    if run:
        out.append(run)
    return out


@dataclass(frozen=True, slots=True)
class _Keys:
    email: str
    phone: str
    domain: str
    name: str
    sorted_name: str  # words in order, so the ratio ignores word order ("Smith Ann" is "Ann Smith")

    @classmethod
    def of(cls, record: Record) -> _Keys:
        name = normalise_name(record.name)
        return cls(
            email=normalise_email(record.email),
            phone=normalise_phone(record.phone),
            domain=domain_of_website(record.website) or domain_of_email(record.email),
            name=name,
            sorted_name=" ".join(sorted(name.split())),
        )


def _blocks(name: str) -> set[str]:
    """The blocks a name is compared within: the start of each word of three letters or more (so a typo
    late in a word still meets its original), and the start of the whole name (for names split differently)."""
    blocks = {f"w:{token[:PREFIX]}" for token in name.split() if len(token) >= 3}
    compact = name.replace(" ", "")
    if compact:
        blocks.add(f"p:{compact[:PREFIX]}")
    return blocks


class Matcher:
    """Indexes records by their keys; `match` finds the ones a candidate duplicates.

    Records can be added while matching, so an import finds duplicates within its own file too.
    """

    def __init__(self, records: Iterable[Record] = (), *, weights: Weights = CUSTOMERS) -> None:
        self.weights = weights
        self._keys: dict[Hashable, _Keys] = {}
        self._exact: dict[Signal, defaultdict[str, list[Hashable]]] = {
            signal: defaultdict(list) for signal in Signal
        }
        # per block, its records' ids and sorted names side by side: rapidfuzz scores a whole block in C
        self._blocks: defaultdict[str, tuple[list[Hashable], list[str]]] = defaultdict(lambda: ([], []))
        self.compared = 0  # names scored so far (bench and tests watch that blocking keeps it small)
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, record: Record) -> None:
        keys = _Keys.of(record)
        self._keys[record.id] = keys
        for signal, key in (
            (Signal.EMAIL, keys.email), (Signal.PHONE, keys.phone), (Signal.DOMAIN, keys.domain),
            (Signal.NAME, keys.name),
        ):
            if key:
                self._exact[signal][key].append(record.id)
        for block in _blocks(keys.name):
            ids, names = self._blocks[block]
            ids.append(record.id)
            names.append(keys.sorted_name)

    def match(self, candidate: Record, *, limit: int = 10) -> list[Match]:
        """The indexed records `candidate` duplicates (itself excluded), most confident first."""
        return self._match(_Keys.of(candidate), candidate.id, limit)

    def _match(self, keys: _Keys, own_id: Hashable, limit: int) -> list[Match]:
        w = self.weights
        found: defaultdict[Hashable, list[Reason]] = defaultdict(list)
        for signal, key in ((Signal.EMAIL, keys.email), (Signal.PHONE, keys.phone), (Signal.DOMAIN, keys.domain)):
            if key:
                for other in self._exact[signal].get(key, ()):
                    found[other].append(Reason(signal, key, 1.0))
        if keys.name:
            for other in self._exact[Signal.NAME].get(keys.name, ()):
                found[other].append(Reason(Signal.NAME, keys.name, 1.0))
            named = {id_ for id_, reasons in found.items() if reasons[-1].signal is Signal.NAME}
            for other, score in self._fuzzy(keys):
                if other not in named:
                    named.add(other)
                    name = self._keys[other].name
                    found[other].append(Reason(Signal.NAME, f"{keys.name} ~ {name}", round(score / 100, 3)))
        weight = {Signal.EMAIL: w.email, Signal.PHONE: w.phone, Signal.DOMAIN: w.domain, Signal.NAME: w.name}
        matches = []
        for other, reasons in found.items():
            if other == own_id:
                continue
            doubt = 1.0
            for reason in reasons:
                # a fuzzy name counts for less the further it is from exact: at the cutoff, 60 % of an exact one
                strength = reason.score if reason.signal is not Signal.NAME else _name_strength(reason.score)
                doubt *= 1 - weight[reason.signal] * strength
            confidence = round(1 - doubt, 3)
            if confidence >= w.threshold:
                matches.append(Match(other, confidence, tuple(reasons)))
        matches.sort(key=lambda m: -m.confidence)
        return matches[:limit]

    def _fuzzy(self, keys: _Keys) -> Iterator[tuple[Hashable, float]]:
        """Records in the name's blocks whose names score at least the cutoff, as (id, score)."""
        for block in _blocks(keys.name):
            found = self._blocks.get(block)
            if found is None or len(found[0]) > MAX_BLOCK:
                continue
            ids, names = found
            self.compared += len(names)
            hits = process.extract(
                keys.sorted_name, names, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_CUTOFF, limit=None
            )
            for name, score, index in hits:
                if _words_agree(keys.sorted_name, name):
                    yield ids[index], score

    def pairs(self) -> Iterator[tuple[Hashable, Match]]:
        """Every duplicate pair among the indexed records once, as (record, match); the later-added record
        of the pair comes first."""
        order = {id_: n for n, id_ in enumerate(self._keys)}
        for id_, keys in self._keys.items():
            for match in self._match(keys, id_, limit=50):
                if order[match.id] < order[id_]:
                    yield id_, match


def _words_agree(a: str, b: str) -> bool:
    """A typo changes a word a little; another word is another company: "Baltic Grid Services" and "Cobalt
    Grid Services" score 90 as whole names, but "baltic" and "cobalt" are far apart (a ratio of 50)."""
    a_words, b_words = a.split(), b.split()
    left = [w for w in a_words if w not in b_words]
    right = [w for w in b_words if w not in a_words]
    if not left or not right:
        return True
    return all(max(fuzz.ratio(word, other) for other in right) >= WORD_CUTOFF for word in left)


def _name_strength(score: float) -> float:
    cutoff = FUZZY_CUTOFF / 100
    return 0.6 + 0.4 * (score - cutoff) / (1 - cutoff) if score < 1 else 1.0
