"""Startup state: a JSON document (format: `fixtures/state.schema.json`) turned into a store.

Every record goes through the store's own seeding functions, so a document can never build a
state the store's rules would not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs

from mockserver import resources
from mockserver.chatwoot.errors import MockError
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store


class StateDocumentError(ValueError):
    """The document does not follow the state format, or refers to records it lacks."""


@functools.cache
def _schema_validator() -> jsonschema_rs.Validator:
    # jsonschema-rs, not the pure-Python jsonschema: the check of a 10,000-inbox document took
    # 15 s with the latter and takes about 0.1 s with the former, with the same paths and messages.
    schema = resources.load_json(*resources.STATE_SCHEMA_PATH)
    return jsonschema_rs.validator_for(schema, validate_formats=True)


@functools.cache
def format_fingerprint() -> str:
    """The state format in 16 hex digits: a digest of fixtures/state.schema.json as parsed. A state
    database remembers the one its rows were written under (control/state_db.py): a document
    built from rows written under another format is checked against this one."""
    schema = resources.load_json(*resources.STATE_SCHEMA_PATH)
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a state is read and built. Building
    10,000 inboxes makes hundreds of thousands of containers, none of them garbage, and each of
    the collections their count sets off walks what was built so far: about 300 collections, a
    fifth of the CPU of reading and building the `large` set (bench/bench_state.py --only-start).
    The pause is the process's (the collector is one); nothing else changes, and a pause already
    on is left for its owner to end. One pause covers a whole load, taken where it begins:
    `build_store`, `read_document` (the pytest plugin reads a file, then builds it),
    `control.state_file.load` (its read and its build, with no collection between them), `serve`
    (its whole start)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def read_document(path: str | Path) -> dict[str, Any]:
    try:
        with Path(path).open(encoding="utf-8") as handle, collector_paused():
            return json.load(handle, parse_constant=refuse_constant)
    except OSError as error:
        raise StateDocumentError(f"cannot read state file {path}: {error.strerror}") from None
    except ValueError as error:  # json.JSONDecodeError, or a NaN or Infinity refused
        raise StateDocumentError(f"state file {path} is not JSON: {error}") from None


def refuse_constant(name: str) -> Any:
    """`json.loads(parse_constant=...)`: Python's reader takes NaN and Infinity, JSON has neither.
    A record holding one would be exported as text no JSON reader (nor `PUT /_mock/state`) takes."""
    raise ValueError(f"{name} is not a JSON value")


def demo_document() -> dict[str, Any]:
    return resources.load_json(*resources.DEMO_STATE_PATH)


def build_store(document: dict[str, Any], profile: Profile = Profile.DOCS, *, owned: bool = False,
                follows_format: bool = False, generated: bool = False) -> Store:
    """The store a state document describes. Raises StateDocumentError, having changed nothing.
    `owned`: the caller hands the document over (just parsed, held by nothing else): the records
    then keep its values instead of copies of them (a tenth of building the `large` set:
    bench/bench_state.py --only-start). A document still in use, or built from shared parts (a
    generated set), is copied (the default).
    `follows_format`: the document is known to follow the format, so it is not checked against
    fixtures/state.schema.json (a state database's rows as this mock wrote them, unchanged since:
    `control.state_db.read`); the store's own rules still check every record.
    A document built in Python (not `owned`: those the mock parsed itself, with NaN refused) is
    also checked for values JSON cannot hold (NaN, Infinity, a date), which the schema check lets
    through in free-form fields and the store could not export; not one of the mock's own fixture
    sets (`generated`: their numbers are Faker's; the check is 0.26 s at 10,000 inboxes)."""
    with collector_paused():
        errors = [] if follows_format else sorted(_schema_validator().iter_errors(document),
                                                  key=lambda e: [str(p) for p in e.instance_path])
        if errors:
            lines = [f"  at /{'/'.join(map(str, e.instance_path))}: {e.message[:200]}" for e in errors[:10]]
            raise StateDocumentError("state document does not follow fixtures/state.schema.json:\n" + "\n".join(lines))
        if not (owned or generated):
            _refuse_what_json_cannot_hold(document)
        store = Store(profile)
        try:
            _fill(store, document, owned)
        except (ValueError, LookupError, MockError) as error:  # MockError: a store rule refused a record
            raise StateDocumentError(f"state document is inconsistent: {error}") from None
        return store


def _refuse_what_json_cannot_hold(document: dict[str, Any]) -> None:
    try:
        _STRICT_ENCODER.encode(document)  # the C encoder: a walk in Python is several times slower
    except (ValueError, TypeError):
        at, value = _first_unwritable(document, "")
        raise StateDocumentError(f"state document holds {value!r} at {at or '/'}, which JSON cannot hold") from None


def _first_unwritable(value: Any, at: str) -> tuple[str, Any]:
    """Where the first value JSON cannot hold is (only looked for once the encoder found one)."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_unwritable(item, f"{at}/{key}") if isinstance(key, str) else (f"{at}/{key!r}", key)
            if found[0]:
                return found
        return "", None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_unwritable(item, f"{at}/{index}")
            if found[0]:
                return found
        return "", None
    if value is None or isinstance(value, str | bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return "", None
    return at or "/", value


_STRICT_ENCODER = json.JSONEncoder(allow_nan=False)


#: An inbox's fields that `Tables.seed_inbox` takes by name; the others are its attributes.
_INBOX_FIELDS = frozenset({"id", "account_id", "name", "channel", "working_hours", "avatar", "created_at"})


def _fill(store: Store, document: dict[str, Any], owned: bool) -> None:
    for account in document["accounts"]:
        store.add_account(account["name"], id=account["id"], status=account["status"],
                          inbox_limit=account.get("inbox_limit"),
                          inbound_email_domain=account.get("inbound_email_domain"))
    for user in document["users"]:
        roles = {m["account_id"]: m["role"] for m in user["memberships"]}
        extra = {k: user[k] for k in ("display_name", "availability_status", "auto_offline", "confirmed",
                                      "custom_attributes") if k in user}
        store.add_user(user["name"], user["email"], user["access_token"], roles, id=user["id"], **extra)
    for bot in document["agent_bots"]:
        extra = {k: bot[k] for k in ("description", "outgoing_url", "bot_type", "bot_config", "thumbnail",
                                     "created_at") if k in bot}
        store.add_agent_bot(bot["name"], bot["access_token"], account_id=bot["account_id"], id=bot["id"], **extra)
    for inbox in document["inboxes"]:
        attributes = {k: v for k, v in inbox.items() if k not in _INBOX_FIELDS}
        store.seed_inbox(inbox["account_id"], inbox["name"], inbox["channel"], attributes, id=inbox["id"],
                         working_hours=inbox.get("working_hours"), created_at=inbox.get("created_at"), owned=owned)
    for member in document["inbox_members"]:
        store.add_member(member["inbox_id"], member["user_id"])
    for link in document["agent_bot_inboxes"]:
        store.link_agent_bot(link["inbox_id"], link["agent_bot_id"], link.get("status", "active"))
    for campaign in document["campaigns"]:
        fields = {k: v for k, v in campaign.items()
                  if k not in ("id", "display_id", "account_id", "inbox_id", "title", "message", "campaign_type",
                               "created_at", "updated_at")}
        store.add_campaign(campaign["inbox_id"], campaign["title"], campaign["message"],
                           campaign["campaign_type"], id=campaign["id"], display_id=campaign["display_id"],
                           created_at=campaign["created_at"], updated_at=campaign["updated_at"], **fields)
    for policy in document.get("assignment_policies", ()):
        fields = {k: v for k, v in policy.items() if k not in ("id", "account_id", "name")}
        store.add_assignment_policy(policy["account_id"], policy["name"], id=policy["id"], **fields)
    for link in document.get("inbox_assignment_policies", ()):
        store.link_assignment_policy(link["inbox_id"], link["assignment_policy_id"], id=link.get("id"),
                                     created_at=link.get("created_at"))


STATE_VERSION = 1


def export_document(store: Store) -> dict[str, Any]:
    """The store as a state document: the inverse of `build_store`, so that export, load, export
    gives the same document. Every record is written with every field (defaults included), in id
    order, so the document does not depend on the order records were made in.

    Avatars are not carried: the state format stores no images, so an uploaded avatar exports as
    `null` (the inbox then shows `avatar_url: ""` after a load). Id sequences are not carried
    either: after a load, the next id is one above the highest id present.
    """
    # Decoding the encoded document makes a deep copy, faster than the copy module would.
    return json.loads(encode_document(store))


def encode_document(store: Store) -> bytes:
    """`export_document` as compact JSON bytes. Encoded under the store's lock, straight from the
    records, so it sees one moment and copies nothing first."""
    with store.reading():
        document: dict[str, Any] = {"version": STATE_VERSION}
        for section in SECTIONS:
            rows = getattr(store, section.table)
            document[section.name] = [entry for key in sorted(rows) for entry in section.entries(key, rows[key])]
        return encode_json(document)


def encode_json(value: Any) -> bytes:
    return encode_text(value).encode("ascii")


def encode_text(value: Any) -> str:
    """`encode_json` as text (what a state database row holds)."""
    return _ENCODER.encode(value)


# ASCII with \u escapes: total (a lone surrogate a client slipped in is written as "\ud800", which
# JSON reads back as it was, where UTF-8 cannot encode it at all) and valid JSON. One encoder for
# every call (it keeps no state between calls): json.dumps with these options builds a new one
# each time, a tenth of encoding the 25,185 rows of a new database (bench/bench_state.py).
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))


@dataclasses.dataclass(frozen=True)
class Section:
    """One table of the store (`tables.TABLES`) as the state document writes it: the document's
    key, and a record (its key, its value) as the entries it contributes, in order. A document is
    each section's entries, records in key order: the export builds it so, and the state database
    (control/state_db.py) keeps each record's entries as one row and joins them back the same way."""

    table: str
    name: str
    entries: Callable[[int, Any], list[dict[str, Any]]]


#: Every table, in the document's order. A table the store gains is one line here.
SECTIONS: tuple[Section, ...] = (
    Section("accounts", "accounts", lambda _, account: [_account(account)]),
    Section("users", "users", lambda _, user: [_user(user)]),
    Section("agent_bots", "agent_bots", lambda _, bot: [_agent_bot(bot)]),
    Section("inboxes", "inboxes", lambda _, inbox: [_inbox(inbox)]),
    Section("members", "inbox_members",
            lambda inbox_id, user_ids: [{"inbox_id": inbox_id, "user_id": user_id} for user_id in user_ids]),
    Section("bot_links", "agent_bot_inboxes", lambda inbox_id, link: [
        {"inbox_id": inbox_id, "agent_bot_id": link.agent_bot_id, "status": link.status}]),
    Section("campaigns", "campaigns", lambda _, campaign: [_record(campaign)]),
    Section("assignment_policies", "assignment_policies", lambda _, policy: [_record(policy)]),
    Section("policy_links", "inbox_assignment_policies", lambda _, link: [
        {"id": link.id, "inbox_id": link.inbox_id, "assignment_policy_id": link.assignment_policy_id,
         "created_at": link.created_at}]),
)


def _account(account: Any) -> dict[str, Any]:
    return {"id": account.id, "name": account.name, "status": account.status, "inbox_limit": account.inbox_limit,
            "inbound_email_domain": account.inbound_email_domain}


def _user(user: Any) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email, "display_name": user.display_name,
            "availability_status": user.availability_status, "auto_offline": user.auto_offline,
            "confirmed": user.confirmed, "access_token": user.access_token,
            "custom_attributes": user.custom_attributes,
            "memberships": [{"account_id": a, "role": r} for a, r in sorted(user.roles.items())]}


def _agent_bot(bot: Any) -> dict[str, Any]:
    return {"id": bot.id, "account_id": bot.account_id, "name": bot.name, "description": bot.description,
            "outgoing_url": bot.outgoing_url, "bot_type": bot.bot_type, "bot_config": bot.bot_config,
            "thumbnail": bot.thumbnail, "access_token": bot.access_token, "created_at": bot.created_at}


def _inbox(inbox: Any) -> dict[str, Any]:
    channel = {"type": inbox.kind.key, "channel_id": inbox.channel_id, **inbox.channel}
    return {"id": inbox.id, "account_id": inbox.account_id, "name": inbox.name, "channel": channel,
            **inbox.attributes, "working_hours": inbox.working_hours,
            "avatar": None, "created_at": inbox.created_at}


def _record(record: Any) -> dict[str, Any]:
    """A campaign or an assignment policy: every field of the record, in its declared order."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
