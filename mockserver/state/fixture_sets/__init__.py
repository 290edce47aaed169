"""Seeded state documents: the demo, an empty account, and a large installation.

`generate(name, seed=..., inboxes=...)` returns a state document (format
`fixtures/state.schema.json`) that `state.document.build_store` loads. The same name, seed and size
give a byte-identical `dumps(...)` on any machine and any day, because:
- Faker is pinned to one version in pyproject (its data lists change between releases), runs with
  `use_weighting=False` (5x faster, still seeded) and is seeded per instance (`seed_instance`; the
  class-level `Faker.seed` is shared by every instance in the process);
- every date is drawn from a fixed window (nothing relative to today);
- values that must be unique (channel e-mails, phone numbers, LINE ids, Telegram bot ids, tokens)
  come from counters, spread over their range by a fixed permutation, never from `fake.unique`
  (which retries, and fails once a pool runs out);
- `dumps` writes one fixed JSON form.

The demo set keeps the shape the tests and the README rely on (ids, tokens, accounts, the channel
type of each inbox, memberships, campaigns): those are constants here; Faker fills in names,
addresses, URLs, colours, phone numbers and provider credentials.

The modules, by what they build: `values` (the seeded Faker, unique values, people and companies),
`channels` (each channel type's attributes; `ChannelFactory`), `inboxes` (inboxes and their
settings, CSAT templates), `accounts` (accounts, users, bots, memberships), `campaigns`, `policies`
(assignment policies and the inboxes linked to them), and `sets` (the three sets put together).
This package imports only `state.document` (the committed demo, reading a file) and, from the
model, the name Chatwoot gives a CSAT template.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from mockserver.state.document import demo_document, read_document
from mockserver.state.fixture_sets import sets
from mockserver.state.fixture_sets.accounts import LARGE_ACCOUNTS
from mockserver.state.fixture_sets.channels import LARGE_KIND_CYCLE, ChannelFactory
from mockserver.state.fixture_sets.values import DEFAULT_SEED, WINDOW_END, WINDOW_START, FixtureSetError, Values

__all__ = ["DEFAULT_LARGE_INBOXES", "DEFAULT_SEED", "LARGE_ACCOUNTS", "LARGE_KIND_CYCLE", "MAX_INBOXES", "SET_NAMES",
           "WINDOW_END", "WINDOW_START", "ChannelFactory", "FixtureSetError", "dumps", "generate", "load", "write"]

SET_NAMES = ("demo", "empty", "large")
DEFAULT_LARGE_INBOXES = 10_000
MAX_INBOXES = 100_000  # Chatwoot's community inbox limit per installation's account (digest §2.3)


def generate(name: str, *, seed: int | None = None, inboxes: int | None = None) -> dict[str, Any]:
    """The state document of a named set (`seed` default DEFAULT_SEED). `inboxes` sizes the `large`
    set (default 10,000); the other sets have a fixed shape and refuse it."""
    seed = DEFAULT_SEED if seed is None else seed
    if name not in SET_NAMES:
        raise FixtureSetError(f"unknown fixture set {name!r}; choose one of {', '.join(SET_NAMES)}")
    if inboxes is not None and name != "large":
        raise FixtureSetError(f"the {name!r} set has a fixed size; --inboxes applies to 'large' only")
    if inboxes is not None and not 0 <= inboxes <= MAX_INBOXES:
        raise FixtureSetError(f"inboxes must be between 0 and {MAX_INBOXES}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise FixtureSetError("the seed must be an integer")
    values = Values(seed)
    if name == "demo":
        return sets.demo(values)
    if name == "empty":
        return sets.empty(values)
    return sets.large(values, DEFAULT_LARGE_INBOXES if inboxes is None else inboxes)


def dumps(document: dict[str, Any]) -> str:
    """The one serialised form: two-space indent, UTF-8 text as is, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load(source: str | None = None, *, seed: int | None = None, inboxes: int | None = None) -> dict[str, Any]:
    """What `serve --fixtures` and the pytest plugin start from: a set name (generated with `seed`),
    a path to a state document, or nothing (the committed demo). A set name wins over a file of the
    same name; write `./demo` for such a file."""
    if source is None or source in SET_NAMES:
        name = source or "demo"
        if name == "demo" and seed is None and inboxes is None:
            return demo_document()  # the committed file, which equals generate("demo")
        return generate(name, seed=seed, inboxes=inboxes)
    if seed is not None or inboxes is not None:
        raise FixtureSetError(f"--seed and --inboxes apply to a set name ({', '.join(SET_NAMES)}), "
                              f"not to the file {source}")
    if not os.path.exists(source):
        raise FixtureSetError(f"{source!r} is neither a fixture set ({', '.join(SET_NAMES)}) nor a state file")
    return read_document(source)


def write(document: dict[str, Any], path: str | None) -> None:
    """`dumps(document)` to a file, or to standard output for None or "-"."""
    text = dumps(document)
    if path in (None, "-"):
        sys.stdout.write(text)
        return
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
