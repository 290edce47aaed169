"""The small values every fixture set draws: one seeded Faker, and the counters that keep unique
values (phones, Telegram bot ids, LINE ids, e-mail addresses, domains) unique within a document.

Every builder of the other modules takes a `Values` and draws from it in a fixed order: the order
of the calls is part of the output, so a builder that moves a call changes every later value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

LOCALE = "en_US"
DEFAULT_SEED = 1

#: Every date in a document lies in this window.
WINDOW_START = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
BASE64 = ALNUM + "+/"

#: North American area codes of the form NXX with a middle digit below 9 (N9X is reserved) and no
#: N11 service codes. With exchange 555 and lines 0100-0199 (reserved for fiction), no number is
#: anyone's real one: 71,200 numbers.
_NPAS = tuple(n for n in range(200, 1000) if (n // 10) % 10 != 9 and n % 100 != 11)
_FICTION_LINES = 100
#: A prime that divides none of the ranges it spreads over: i -> (offset + i * STRIDE) % size is
#: then a permutation, so distinct counters give distinct values in a scattered order.
_STRIDE = 1_000_003

_COMPANY_NOISE = {"and", "inc", "llc", "ltd", "plc", "group", "sons", "co"}


class FixtureSetError(ValueError):
    """An unknown set, or a size or seed the set cannot take."""


def short_name(company: str) -> str:
    """The first word of a company's name ("Smith, Jones and Lee" -> "Smith")."""
    return company.split(",")[0].split(" ")[0]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Values:
    """One seeded Faker and the counters that keep unique values unique within a document."""

    def __init__(self, seed: int) -> None:
        # Imported on the first set generated: Faker takes 0.07-0.10 s of CPU to import, which a
        # start from a file, a state file or the committed demo (no Faker drawn) need not pay.
        from faker import Faker

        self.fake = Faker(LOCALE, use_weighting=False)
        self.fake.seed_instance(seed)
        self.taken: set[str] = set()
        # Each unique family starts at a seeded offset of its range, so seeds differ in these too.
        self.counters: dict[str, int] = {}
        self.offsets = {family: self.fake.random_int(0, 10**9) for family in ("phone", "telegram", "line")}

    # ------------------------------------------------------------------ small values
    def pick(self, options: tuple) -> Any:
        return self.fake.random_element(options)

    def chars(self, alphabet: str, length: int) -> str:
        return "".join(self.fake.random_choices(alphabet, length=length))

    def digits(self, length: int) -> str:
        return str(self.fake.random_int(10 ** (length - 1), 10**length - 1))

    def moment(self, start: datetime = WINDOW_START, end: datetime = WINDOW_END) -> datetime:
        seconds = int((end - start).total_seconds())
        return start + timedelta(seconds=self.fake.random_int(0, seconds))

    def moments(self, count: int) -> list[str]:
        """`count` increasing times: records created one after another."""
        return [stamp(m) for m in sorted(self.moment() for _ in range(count))]

    def unique(self, candidate: str, variant: Callable[[int], str]) -> str:
        """`candidate`, or the first `variant(n)` (n = 2, 3, ...) not yet used in this document."""
        value, n = candidate, 1
        while value in self.taken:
            n += 1
            value = variant(n)
        self.taken.add(value)
        return value

    def next_index(self, family: str) -> int:
        index = self.counters.get(family, 0)
        self.counters[family] = index + 1
        return index

    def spread(self, family: str, size: int) -> int:
        """The next of `size` distinct values of a family, in a seeded, scattered order."""
        index = self.next_index(family)
        if index >= size:
            raise FixtureSetError(f"more than {size} unique {family} values asked for")
        return (self.offsets[family] + index * _STRIDE) % size

    def phone(self) -> str:
        """A unique E.164 number: +1 NPA 555 01XX, the numbers North America reserves for fiction."""
        slot = self.spread("phone", len(_NPAS) * _FICTION_LINES)
        npa, line = _NPAS[slot % len(_NPAS)], slot // len(_NPAS)
        return f"+1{npa}55501{line:02d}"

    def telegram_token(self) -> str:
        """Telegram's format: the bot's numeric id, a colon, 35 URL-safe characters (starting "AA")."""
        bot_id = 6_000_000_000 + self.spread("telegram", 10**9)
        return f"{bot_id}:AA{self.chars(URLSAFE, 33)}"

    def line_channel_id(self) -> str:
        return str(1_600_000_000 + self.spread("line", 10**8))

    def token(self, length: int = 24) -> str:
        """Rails' has_secure_token shape (base58), seeded so that answers repeat run after run."""
        return self.chars(BASE58, length)

    # ------------------------------------------------------------------ people and companies
    def company(self) -> tuple[str, str]:
        """A company name and its domain under `.example` (RFC 2606: never a real site or mailbox)."""
        name = self.fake.company()
        words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in _COMPANY_NOISE]
        slug = "-".join(words[:2]) or "company"
        domain = self.unique(f"{slug}.example", lambda n: f"{slug}{n}.example")
        return name, domain

    def person(self, domain: str) -> tuple[str, str, str]:
        """A full name, the first name, and a unique address at `domain`."""
        first, last = self.fake.first_name(), self.fake.last_name()
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email = self.unique(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")
        return f"{first} {last}", first, email

    def mailbox(self, local: str, domain: str) -> str:
        return self.unique(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")
