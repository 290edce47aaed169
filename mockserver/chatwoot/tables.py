"""The store's records and indexes, its one lock, its id sequences, snapshots and seeding.

`Tables` is the half of the `Store` that holds state and keeps its indexes true; it applies no
caller's rights. `store.Store` extends it with the operations of the API (who may do what, in
Chatwoot's order). Seeding (`add_*`) builds state without any caller: startup documents and test
helpers use it, and it still runs the record validations, so no document builds a state the API
could not.

Over 400 lines on purpose: the undo log (`Change`, `changing`, `_touch`) has to see every table
write, so the tables and the code that records their changes stay in one module.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import pickle
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mockserver.chatwoot import channels, rules
from mockserver.chatwoot.assignment_policies import AssignmentPolicy, InboxPolicyLink
from mockserver.chatwoot.channels import ChannelKind, blank
from mockserver.chatwoot.clock import Clock
from mockserver.chatwoot.copying import copied
from mockserver.chatwoot.errors import (  # noqa: F401  (raise_if_invalid: the store imports it from here)
    FieldProblem,
    InboxNotFound,
    InvalidChannelType,
    RecordInvalid,
    ResourceNotFound,
    raise_if_invalid,
)
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import (
    INBOX_DEFAULTS,
    Account,
    AgentBot,
    Avatar,
    BotLink,
    Campaign,
    Inbox,
    User,
    default_working_hours,
)
from mockserver.chatwoot.profiles import Profile

T = TypeVar("T")


def locked(method: Callable[..., T]) -> Callable[..., T]:
    """Run a method under the tables' one re-entrant lock."""

    @functools.wraps(method)
    def wrapper(self: Tables, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


_ABSENT: Any = object()

#: The tables a change can touch, by name: what `Change.touched` keys are made of.
TABLES = ("accounts", "users", "agent_bots", "inboxes", "members", "bot_links", "campaigns",
          "assignment_policies", "policy_links")


@dataclass
class Change:
    """What one write changed: each record it touched (table name, key) with its value before
    (`_ABSENT` for a record it made), and the id sequences before. Enough to write exactly the
    changed records to disk, and to undo the change when it cannot be acknowledged."""

    last_ids: dict[str, int]
    before: dict[tuple[str, int], Any] = field(default_factory=dict)

    @property
    def touched(self) -> list[tuple[str, int]]:
        return list(self.before)


class Changing:
    """`Tables.changing()`'s block: a class, not a generator's context manager (entering and
    leaving one cost 2 us of every write). `change` is the change under way."""

    __slots__ = ("_tables", "change")

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self.change: Change | None = None

    def __enter__(self) -> Change:
        tables = self._tables
        with tables._lock:
            change = self.change = tables._change = Change(dict(tables._last_ids))
        return change

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        tables = self._tables
        try:
            if kind is not None:
                with tables._lock:
                    tables._undo(self.change)
        finally:
            tables._change = None


def _merged(defaults: Mapping[str, Any], given: Mapping[str, Any], owned: bool) -> dict[str, Any]:
    """The defaults overlaid with the given values, sharing nothing mutable with the defaults, nor
    with `given` unless `owned` (its values are the caller's to hand over)."""
    merged = {**defaults, **given}
    if not owned:
        return copied(merged)  # merged first, copied once: a default the record gives again is not copied
    for key in defaults.keys() - given.keys():
        merged[key] = copied(defaults[key])
    return merged


class Tables:
    """All accounts, users, bots, inboxes and their links, behind one lock."""

    def __init__(self, profile: Profile = Profile.DOCS) -> None:
        self.profile = profile
        self._lock = threading.RLock()
        self.clock = Clock()  # what stamps this store's records
        self.accounts: dict[int, Account] = {}
        self.users: dict[int, User] = {}
        self.agent_bots: dict[int, AgentBot] = {}
        self.inboxes: dict[int, Inbox] = {}
        self.members: dict[int, list[int]] = {}  # inbox id -> user ids, in the order they joined
        self.bot_links: dict[int, BotLink] = {}  # inbox id -> link
        self.campaigns: dict[int, Campaign] = {}
        self.assignment_policies: dict[int, AssignmentPolicy] = {}
        self.policy_links: dict[int, InboxPolicyLink] = {}  # inbox id -> its assignment policy link
        self._tokens: dict[str, tuple[str, int]] = {}  # token -> ("user" | "bot", id)
        # (channel type, attribute, value) -> inbox id, for the attributes Chatwoot keeps unique
        # across the installation: an index, so a create does not scan every inbox.
        self._unique_owners: dict[tuple[str, str, str], int] = {}
        # account id -> its inboxes by id: listing an account's 2,000 inboxes of 10,000 scanned
        # them all (a third of the list's time: bench/bench_state.py), and the inbox limit (402),
        # checked on every create, is its length (counting 10,000 inboxes cost 0.4 ms twice a create).
        self._account_inboxes: dict[int, dict[int, Inbox]] = {}
        # Each distinct working-hours row, once (`_shared_hours`), by its keys, values and their types.
        self._hour_rows: dict[tuple[tuple[str, type, Any], ...], dict[str, Any]] = {}
        self._default_hours: list[dict[str, Any]] | None = None  # those shared rows, made on first use
        self._last_ids: dict[str, int] = {}  # sequence -> the highest id it has given or seen
        self._avatars: dict[str, int] = {}  # avatar key -> inbox id
        self._avatar_bytes = 0  # what all avatars hold together
        self._change: Change | None = None  # the write under way, while one is recorded
        self.uid = secrets.token_hex(8)  # this store and no other (a reset or load makes another)
        self._last_version = 0  # inbox versions: never given twice, not even after an undo
        #: The cap on `_avatar_bytes` (`serve --avatar-memory`); an upload past it is refused (422).
        self.avatar_memory_limit = rules.DEFAULT_AVATAR_MEMORY_BYTES

    # ----------------------------------------------------------------- snapshots
    # A reset must be fast (moto's reset is re-construction; building the demo from its document
    # takes about 5 times a reset: bench/bench_control.py). A snapshot is the whole store,
    # pickled: restoring one is a faithful copy (ids, sequences, indexes, avatars) in about 0.2 ms.
    # Snapshots are made and read in-process only; they are never written to disk.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        state["_change"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self.uid = secrets.token_hex(8)  # a restored snapshot is a store of its own

    @locked
    def snapshot(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_snapshot(snapshot: bytes) -> Any:
        return pickle.loads(snapshot)  # our own bytes, made by `snapshot()` in this process

    def reading(self) -> contextlib.AbstractContextManager[Any]:
        """Hold the lock while reading several records at once (an export sees one moment): the
        lock itself (every show and list takes it; a generator's context manager cost more)."""
        return self._lock

    # ----------------------------------------------------------------- changes
    def changing(self) -> Changing:
        """Record what the writes inside the block change; undo all of it if the block raises.
        One change at a time: the caller (the runtime) serialises writers."""
        return Changing(self)

    @locked
    def changed_records(self, change: Change) -> list[tuple[str, int, Any]]:
        """Each record `change` touched, with its value now (None once removed): what a durable
        copy of the state writes to follow the change (control/state_db.py)."""
        return [(table, key, getattr(self, table).get(key)) for table, key in change.before]

    @locked
    def sequences(self) -> dict[str, int]:
        """The id sequences, each the highest id it has given or seen."""
        return dict(self._last_ids)

    @locked
    def continue_sequences(self, last_ids: Mapping[str, int]) -> None:
        """Go on from sequences saved before a restart, so that a deleted record's id is not given
        again (a document carries no sequences; its records only raise them to their own ids)."""
        for sequence, last in last_ids.items():
            self._last_ids[sequence] = max(self._last_ids.get(sequence, 0), last)

    def _touch(self, table: str, key: int) -> None:
        """Called before a record changes: keeps its value before, once per change; an inbox also
        gets a new version (under the lock, as every change, so a view cached by version is whole)."""
        current = getattr(self, table).get(key, _ABSENT)
        change = self._change
        if change is not None and (table, key) not in change.before:
            change.before[(table, key)] = (current if current is _ABSENT else current.undo_copy()
                                           if table == "inboxes" else copy.deepcopy(current))
        if table == "inboxes" and current is not _ABSENT:
            current.version = self._new_version()

    def _new_version(self) -> int:
        self._last_version += 1
        return self._last_version

    def _undo(self, change: Change) -> None:
        self._change = None
        for (table, key), before in reversed(change.before.items()):
            rows = getattr(self, table)
            if table in ("users", "agent_bots"):  # their tokens are an index of their own
                self._untoken(rows.get(key), before)
            if table == "inboxes":
                if key in rows:
                    self._unlink_inbox(rows[key])
                if before is not _ABSENT:
                    self._link_inbox(before)
            elif before is _ABSENT:
                rows.pop(key, None)
            else:
                rows[key] = before
        self._last_ids = change.last_ids

    def _untoken(self, current: Any, before: Any) -> None:
        if current is not None:
            self._tokens.pop(current.access_token, None)
        if before is not _ABSENT:
            self._tokens[before.access_token] = ("user" if isinstance(before, User) else "bot", before.id)

    # ----------------------------------------------------------------- ids
    def _take_id(self, sequence: str, explicit: int | None = None) -> int:
        """The next id of a sequence, or an explicit one; either way later ids start above it, and
        a deleted record's id is never given again (as a database sequence behaves)."""
        last = self._last_ids.get(sequence, 0)
        chosen = last + 1 if explicit is None else explicit
        self._last_ids[sequence] = max(last, chosen)
        return chosen

    def _explicit_or_next(self, name: str, explicit: int | None, table: Mapping[int, Any]) -> int:
        if explicit is not None and explicit in table:
            raise ValueError(f"duplicate {name} id {explicit}")
        return self._take_id(name, explicit)

    def _claim_token(self, token: str) -> None:
        if blank(token):
            raise ValueError("an access token must not be blank")
        if token in self._tokens:
            raise ValueError("access token already in use")

    # ----------------------------------------------------------------- seeding
    @locked
    def add_account(self, name: str, *, id: int | None = None, status: str = "active",
                    inbox_limit: int | None = None, inbound_email_domain: str | None = None) -> Account:
        account_id = self._explicit_or_next("account", id, self.accounts)
        account = Account(account_id, name, status, inbox_limit,
                          inbound_email_domain or Account.inbound_email_domain)
        self._touch("accounts", account_id)
        self.accounts[account_id] = account
        return account

    @locked
    def add_user(self, name: str, email: str, access_token: str, roles: Mapping[int, str], *,
                 id: int | None = None, **profile: Any) -> User:
        self._claim_token(access_token)
        for account_id in roles:
            self._account(account_id)
        user_id = self._explicit_or_next("user", id, self.users)
        user = User(user_id, name, email, access_token, dict(roles), **profile)
        self._touch("users", user_id)
        self.users[user_id] = user
        self._tokens[access_token] = ("user", user_id)
        return user

    @locked
    def add_agent_bot(self, name: str, access_token: str, *, account_id: int | None, id: int | None = None,
                      **fields: Any) -> AgentBot:
        self._claim_token(access_token)
        if account_id is not None:
            self._account(account_id)
        bot_id = self._explicit_or_next("agent_bot", id, self.agent_bots)
        bot = AgentBot(bot_id, account_id, name, access_token, **fields)
        self._touch("agent_bots", bot_id)
        self.agent_bots[bot_id] = bot
        self._tokens[access_token] = ("bot", bot_id)
        return bot

    @locked
    def add_inbox(self, account_id: int, name: str | None, channel: Mapping[str, Any], *,
                  id: int | None = None, working_hours: list[dict] | None = None,
                  created_at: str | None = None, **attributes: Any) -> Inbox:
        """An inbox as the state document describes it: `channel.type` may also be `twilio_sms`,
        and generated channel values (tokens, ids) may be given to keep them stable."""
        return self.seed_inbox(account_id, name, channel, attributes, id=id, working_hours=working_hours,
                               created_at=created_at)

    @locked
    def seed_inbox(self, account_id: int, name: str | None, channel: Mapping[str, Any],
                   attributes: Mapping[str, Any], *, id: int | None = None, working_hours: list[dict] | None = None,
                   created_at: str | None = None, owned: bool = False) -> Inbox:
        """`add_inbox` with the attributes as one mapping. `owned`: the caller hands over the values
        of `channel` and `attributes` (a state document just parsed, which nothing else holds), so
        the inbox keeps them instead of copies; the defaults it takes are copied all the same."""
        account = self._account(account_id)
        kind = channels.KINDS.get(channel.get("type", ""))
        if kind is None:
            raise InvalidChannelType(name_blank=blank(name))
        given = {k: v for k, v in channel.items() if k not in ("type", "channel_id")}
        channel_attrs = _merged(kind.defaults, given, owned)
        channels.normalise(kind, channel_attrs)
        channels.fill_generated(kind, channel_attrs, account.inbound_email_domain)
        inbox_attrs = _merged(INBOX_DEFAULTS, attributes, owned)
        if kind.key == "telegram" and blank(name):
            name = channel_attrs.get("bot_name")
        raise_if_invalid(self._channel_problems(kind, channel_attrs, exclude=None)
                         + rules.inbox_problems({"name": name, **inbox_attrs}))
        return self._insert_inbox(account, name, kind, channel_attrs, inbox_attrs, id=id,
                                  channel_id=channel.get("channel_id"), working_hours=working_hours,
                                  created_at=created_at)

    @locked
    def add_member(self, inbox_id: int, user_id: int) -> None:
        self._inbox_by_id(inbox_id)
        self._user(user_id)
        self._touch("members", inbox_id)
        members = self.members.setdefault(inbox_id, [])
        if user_id not in members:
            members.append(user_id)

    @locked
    def link_agent_bot(self, inbox_id: int, agent_bot_id: int, status: str = "active") -> None:
        self._inbox_by_id(inbox_id)
        self._agent_bot(agent_bot_id)
        self._touch("bot_links", inbox_id)
        self.bot_links[inbox_id] = BotLink(agent_bot_id, status)

    @locked
    def add_campaign(self, inbox_id: int, title: str, message: str, campaign_type: str, *,
                     id: int | None = None, display_id: int | None = None, created_at: str | None = None,
                     updated_at: str | None = None, **fields: Any) -> Campaign:
        inbox = self._inbox_by_id(inbox_id)
        campaign_id = self._explicit_or_next("campaign", id, self.campaigns)
        if display_id is None:
            display_id = 1 + max((c.display_id for c in self.campaigns.values()
                                  if c.account_id == inbox.account_id), default=0)
        stamp = self.clock.now_iso()
        campaign = Campaign(campaign_id, display_id, inbox.account_id, inbox_id, title, message,
                            campaign_type, created_at or stamp, updated_at or created_at or stamp, **fields)
        self._touch("campaigns", campaign_id)
        self.campaigns[campaign_id] = campaign
        return campaign

    # ----------------------------------------------------------------- lookups
    def _inbox_by_id(self, inbox_id: int) -> Inbox:
        try:
            return self.inboxes[inbox_id]
        except KeyError:
            raise InboxNotFound() from None

    def _account(self, account_id: int) -> Account:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise ResourceNotFound() from None

    def _user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise ResourceNotFound() from None

    def _agent_bot(self, agent_bot_id: Any) -> AgentBot:
        bot = self.agent_bots.get(record_id(agent_bot_id))
        if bot is None:
            raise ResourceNotFound()
        return bot

    def _account_users(self, account: Account) -> list[User]:
        return [u for u in sorted(self.users.values(), key=lambda u: u.id) if account.id in u.roles]

    def _account_members(self, account: Account, user_ids: Iterable[int]) -> list[User]:
        """Members shown through `Current.account.users`: other accounts' users stay hidden (§5.4)."""
        wanted = set(user_ids)
        return [u for u in self._account_users(account) if u.id in wanted]

    # ----------------------------------------------------------------- inbox rows and their indexes
    def _insert_inbox(self, account: Account, name: Any, kind: ChannelKind, channel_attrs: dict,
                      inbox_attrs: dict, *, id: int | None = None, channel_id: int | None = None,
                      working_hours: list[dict] | None = None, created_at: str | None = None,
                      avatar: Avatar | None = None) -> Inbox:
        inbox_id = self._explicit_or_next("inbox", id, self.inboxes)
        # Channel ids come from one sequence per channel table, so they coincide across types.
        channel_id = self._take_id(f"channel:{kind.key}", channel_id)
        inbox = Inbox(inbox_id, account.id, name, kind, channel_id, channel_attrs, inbox_attrs,
                      self._shared_hours(working_hours) if working_hours else self._new_default_hours(),
                      created_at or self.clock.now_iso(), version=self._new_version())
        self._touch("inboxes", inbox_id)
        self._link_inbox(inbox)
        if avatar is not None:
            self._attach_avatar(inbox, avatar)
        return inbox

    def _shared_hours(self, hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A new inbox's working hours, each row the store's one copy of an equal row: rows are
        never changed in place (`rules.update_working_hours` replaces a changed row), and 10,000
        inboxes hold about 20 distinct rows, where a copy each was 70,000 dictionaries, a third of
        the store's memory (bench/bench_state.py). The values' types are part of the key (1 and
        True are equal, but not rendered alike); a row with a value that cannot be a key is copied."""
        shared, rows = self._hour_rows, []
        for row in hours:
            values = row.values()
            try:  # names, types and values as three tuples: built in C (a resumed start keys 70,000 rows)
                key = (tuple(row), tuple(map(type, values)), tuple(values))
                kept = shared.get(key)
            except TypeError:  # an unhashable value (a list, an object)
                rows.append(copied(row))
                continue
            if kept is None:
                kept = shared[key] = copied(row)
            rows.append(kept)
        return rows

    def _new_default_hours(self) -> list[dict[str, Any]]:
        """A new list of the shared default rows (every inbox created through the API gets them)."""
        if self._default_hours is None:
            self._default_hours = self._shared_hours(default_working_hours())
        return list(self._default_hours)

    def _remove_inbox(self, inbox: Inbox) -> None:
        """The inbox and everything attached to it: members, bot link, campaigns, avatar."""
        self._touch("inboxes", inbox.id)
        self._unlink_inbox(inbox)
        for table in ("members", "bot_links", "policy_links"):
            self._drop(table, inbox.id)
        self._drop_where("campaigns", lambda campaign: campaign.inbox_id == inbox.id)

    def _drop(self, table: str, key: int) -> None:
        """A record gone, through the undo log (absent already: nothing to do)."""
        rows = getattr(self, table)
        if key in rows:
            self._touch(table, key)
            del rows[key]

    def _drop_where(self, table: str, matches: Callable[[Any], bool]) -> None:
        """Every record of a table that `matches`: the links of a record being deleted."""
        for key in [key for key, row in getattr(self, table).items() if matches(row)]:
            self._drop(table, key)

    def _link_inbox(self, inbox: Inbox) -> None:
        """An inbox row in place, with its indexes (the account's inboxes, unique values, avatar)."""
        self.inboxes[inbox.id] = inbox
        self._account_inboxes.setdefault(inbox.account_id, {})[inbox.id] = inbox
        self._index_unique(inbox)
        if inbox.avatar is not None:
            self._avatars[inbox.avatar.key] = inbox.id
            self._avatar_bytes += len(inbox.avatar.data)

    def _unlink_inbox(self, inbox: Inbox) -> None:
        del self.inboxes[inbox.id]
        del self._account_inboxes[inbox.account_id][inbox.id]
        self._unindex_unique(inbox)
        if inbox.avatar is not None:
            self._avatars.pop(inbox.avatar.key, None)
            self._avatar_bytes -= len(inbox.avatar.data)

    def _replace_channel(self, inbox: Inbox, channel: dict) -> None:
        self._touch("inboxes", inbox.id)
        self._unindex_unique(inbox)
        inbox.channel = channel
        self._index_unique(inbox)

    def _channel_problems(self, kind: ChannelKind, attrs: Mapping[str, Any],
                          exclude: int | None) -> list[FieldProblem]:
        """The channel's validations: presence and inclusion, then uniqueness across inboxes."""
        problems = channels.presence_problems(kind, attrs)
        if exclude is None:  # a new channel
            problems += channels.creation_problems(kind, attrs)
        for attribute, value in channels.unique_values(kind, attrs).items():
            owner = self._unique_owners.get((kind.key, attribute, str(value)))
            if owner is not None and owner != exclude:
                problems.append(FieldProblem(attribute, f"{channels.humanize(attribute)} has already been taken"))
        return problems

    def _index_unique(self, inbox: Inbox) -> None:
        for attribute, value in channels.unique_values(inbox.kind, inbox.channel).items():
            self._unique_owners[(inbox.kind.key, attribute, str(value))] = inbox.id

    def _unindex_unique(self, inbox: Inbox) -> None:
        for attribute, value in channels.unique_values(inbox.kind, inbox.channel).items():
            self._unique_owners.pop((inbox.kind.key, attribute, str(value)), None)

    def _avatar_problems(self, inbox: Inbox | None, avatar: Avatar | None) -> list[FieldProblem]:
        """The avatar's own validations, then the room left for it under the memory cap."""
        replaced = len(inbox.avatar.data) if inbox is not None and inbox.avatar is not None else 0
        return rules.avatar_problems(avatar) or rules.avatar_memory_problems(
            self._avatar_bytes, replaced, avatar, self.avatar_memory_limit)

    def _attach_avatar(self, inbox: Inbox, avatar: Avatar) -> None:
        self._touch("inboxes", inbox.id)
        self._detach_avatar(inbox)
        inbox.avatar = avatar
        self._avatars[avatar.key] = inbox.id
        self._avatar_bytes += len(avatar.data)

    def _detach_avatar(self, inbox: Inbox) -> None:
        if inbox.avatar is not None:
            self._touch("inboxes", inbox.id)
            self._avatars.pop(inbox.avatar.key, None)
            self._avatar_bytes -= len(inbox.avatar.data)
            inbox.avatar = None
