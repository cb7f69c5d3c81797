"""Duplicate matching for imports: the same email, the same phone number, the same website domain, or a
company name that is the same or nearly so (rapidfuzz) once legal forms and punctuation are gone.

The signals are matching.py's; its Matcher ranks candidates with reasons for the duplicates view, while an
import needs the first match of each row, fast and small. The keys of the records a run knows (in the
database, or written earlier from the file) live in the table import_key (KeyStore), not in memory: each
batch loads only the entries its own rows' keys hit into a small Index, matches its rows in order (a row
also matches the rows before it in the batch), and the batch's new records add their keys in the batch's
own transaction. Memory is thus bounded by the batch, whatever the size of the file or the customer base.
Fuzzy names are compared only within a block (same first letters and the same numbers, since "Filiale 12"
and "Filiale 13" are different companies), at most BLOCK_LIMIT names each, which keeps a 100,000-row file
from becoming 10^10 comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from tortoise import connections

from backend.services.matching import FUZZY_CUTOFF, domain_of_website, normalise_email, normalise_name, normalise_phone

BLOCK_LIMIT = 64  # names compared per block at most
DIGITS = re.compile(r"\d+")

# The signals are the duplicates view's own (matching.py), so an import and that view agree on what a duplicate is.
email_key, phone_key, domain_key, name_key = normalise_email, normalise_phone, domain_of_website, normalise_name


class Keys(NamedTuple):
    """A record's signals, normalised once (a row is matched, then remembered, then re-pointed after its commit)."""

    email: str
    phone: str
    domain: str
    name: str
    block: str = ""  # the name's fuzzy block (block_of), and its words sorted (token_sorted)
    sorted_name: str = ""


def keys_of(values: Mapping[str, Any], signals: tuple[str, ...]) -> Keys:
    """The normalised signals among `signals` (email, phone, website, name) of a record's values."""
    def raw(key: str) -> str:
        return str(values.get(key) or "") if key in signals else ""

    name = name_key(raw("name"))
    return Keys(email_key(raw("email")), phone_key(raw("phone")), domain_key(raw("website")), name,
                block_of(name) if name else "", token_sorted(name) if name else "")


def block_of(name: str) -> str:
    """The fuzzy-name block of a normalised name: its first three letters and the numbers in it."""
    return f"{name[:3]}|{' '.join(DIGITS.findall(name))}"[:100]


def token_sorted(name: str) -> str:
    """token_sort_ratio(a, b) is ratio(token_sorted(a), token_sorted(b)): sorted once, when stored."""
    return " ".join(sorted(name.split()))


@dataclass
class Index:
    """Keys of known records -> their ids (or, for rows of the file not yet written, a negative row number).
    One batch's worth: loaded from the KeyStore for the keys of the batch's rows."""

    by_email: dict[str, int] = field(default_factory=dict)
    by_phone: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, dict[str, int]] = field(default_factory=dict)  # block -> token-sorted name -> id

    def add(self, ident: int, keys: Keys) -> None:
        """Remember a record's keys; the first record with a key keeps it."""
        for table, key in ((self.by_email, keys.email), (self.by_phone, keys.phone), (self.by_domain, keys.domain),
                           (self.by_name, keys.name)):
            if key and key not in table:
                table[key] = ident
        if keys.name:
            block = self.blocks.setdefault(keys.block, {})
            if len(block) < BLOCK_LIMIT:
                block.setdefault(keys.sorted_name, ident)

    def match(self, keys: Keys) -> tuple[int, str] | None:
        """(id, which signal) of the first known record this one duplicates, strongest signal first."""
        for table, key, signal in ((self.by_email, keys.email, "email"), (self.by_phone, keys.phone, "phone"),
                                   (self.by_domain, keys.domain, "website")):
            if key and key in table:
                return table[key], signal
        key = keys.name
        if not key:
            return None
        if key in self.by_name:
            return self.by_name[key], "name"
        block = self.blocks.get(keys.block)
        if not block:
            return None
        digits = sorted(DIGITS.findall(key))  # the block holds these numbers, unless they were too long for it
        for found, _, _ in process.extract(keys.sorted_name, list(block), scorer=fuzz.ratio,
                                           score_cutoff=FUZZY_CUTOFF, limit=5):
            if sorted(DIGITS.findall(found)) == digits:
                return block[found], "similar name"
        return None


KINDS = (("e", "email"), ("p", "phone"), ("d", "domain"), ("n", "name"))
CHUNK = 900  # values per IN (...) list: under every database's limit on parameters


class KeyStore:
    """The keys of the records one run knows, in the table import_key under the run's `scope`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._rows = 0  # written by this store since it was made
        self._analysed_at = 0  # what _rows was when PostgreSQL last read the table's statistics

    @staticmethod
    def _marks(count: int, first: int = 1) -> str:
        if connections.get("default").capabilities.dialect == "postgres":
            return ", ".join(f"${i}" for i in range(first, first + count))
        return ", ".join("?" * count)

    async def clear(self) -> None:
        conn = connections.get("default")
        await conn.execute_query(f'DELETE FROM "import_key" WHERE "scope" = {self._marks(1)}', [self.scope])

    async def load(self, keys: Iterable[Keys]) -> Index:
        """A small Index of the stored entries these keys hit: exact keys, and the blocks of their names."""
        conn = connections.get("default")
        wanted: dict[str, set[str]] = {kind: set() for kind, _ in KINDS}
        blocks: set[str] = set()
        for k in keys:
            for kind, name in KINDS:
                if value := getattr(k, name):
                    wanted[kind].add(value)
            if k.name:
                blocks.add(k.block)
        index = Index()
        tables = {"e": index.by_email, "p": index.by_phone, "d": index.by_domain, "n": index.by_name}
        for kind, values in wanted.items():
            for part in _chunks(sorted(values)):
                _, rows = await conn.execute_query(
                    f'SELECT "key", "record_id" FROM "import_key" WHERE "scope" = {self._marks(1)} AND "kind" = '
                    f'{self._marks(1, 2)} AND "key" IN ({self._marks(len(part), 3)})', [self.scope, kind, *part])
                tables[kind].update((row["key"], row["record_id"]) for row in rows)
        for part in _chunks(sorted(blocks)):
            _, rows = await conn.execute_query(
                f'SELECT "block", "key", "record_id" FROM "import_key" WHERE "scope" = {self._marks(1)} AND "kind" = '
                f"'b' AND \"block\" IN ({self._marks(len(part), 2)}) ORDER BY \"id\"", [self.scope, *part])
            for row in rows:
                name = row["key"].partition("\t")[2]
                index.blocks.setdefault(row["block"], {}).setdefault(name, row["record_id"])
        return index

    async def add(self, entries: Sequence[tuple[int, Keys]]) -> None:
        """Store the keys of these records (id, keys); a key already stored keeps its first record, and a block
        takes at most BLOCK_LIMIT names."""
        if not entries:
            return
        conn = connections.get("default")
        rows: list[list[Any]] = []
        named: list[tuple[str, str, int]] = []
        for ident, keys in entries:
            for kind, name in KINDS:
                if value := getattr(keys, name):
                    rows.append([self.scope, kind, value, "", ident])
            if keys.name:
                named.append((keys.block, keys.sorted_name, ident))
        counts: dict[str, int] = {}
        for part in _chunks(sorted({block for block, _, _ in named})):
            _, found = await conn.execute_query(
                f'SELECT "block", COUNT(*) AS n FROM "import_key" WHERE "scope" = {self._marks(1)} AND "kind" = '
                f"'b' AND \"block\" IN ({self._marks(len(part), 2)}) GROUP BY \"block\"", [self.scope, *part])
            counts.update((row["block"], row["n"]) for row in found)
        seen: set[tuple[str, str]] = set()
        for block, name, ident in named:
            if counts.get(block, 0) < BLOCK_LIMIT and (block, name) not in seen:
                seen.add((block, name))
                counts[block] = counts.get(block, 0) + 1
                rows.append([self.scope, "b", f"{block}\t{name}"[:300], block, ident])
        await conn.execute_many(
            'INSERT INTO "import_key" ("scope", "kind", "key", "block", "record_id") '
            f'VALUES ({self._marks(5)}) ON CONFLICT DO NOTHING', rows)
        self._rows += len(rows)
        if conn.capabilities.dialect == "postgres" and self._rows >= 2 * self._analysed_at + 1000:
            # The table grows by a batch at a time, faster than autovacuum reads it: with the statistics of an
            # empty table, PostgreSQL answered the block lookups by scanning every key of the run through the
            # unique index (0.6 s a lookup at 90,000 rows; 250 rows/s). Read again each time the run's keys
            # have doubled, a handful of times per import.
            await conn.execute_script('ANALYZE "import_key"')
            self._analysed_at = self._rows


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]
