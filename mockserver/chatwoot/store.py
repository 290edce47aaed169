"""The in-memory state of the mock and every rule that reads or changes it.

Imports no Flask: the HTTP layer asks the store, and the store raises `mockserver.chatwoot.errors` types.
One re-entrant lock guards every operation, so the served (multi-threaded) mock never sees a
half-made change. Each operation checks in Chatwoot's order (digest §2.1): the inbox is looked up
(404) before the caller's right to it (401); the inbox limit (402) before the role (401).
"""

from __future__ import annotations

import collections
import contextlib
import copy
import functools
import pickle
import secrets
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from mockserver.chatwoot import channels
from mockserver.chatwoot.channels import ChannelKind, blank
from mockserver.chatwoot.errors import (
    AccountSuspended,
    BotTokenRejected,
    ChannelActionUnsupported,
    FieldProblem,
    HealthCheckFailed,
    InboxLimitExceeded,
    InboxNotFound,
    InvalidAccessToken,
    InvalidChannelType,
    NotAccountMember,
    NotAuthorized,
    RecordInvalid,
    ResourceNotFound,
    Unauthenticated,
)
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import (
    ADMINISTRATOR,
    INBOX_DEFAULTS,
    WORKING_HOUR_KEYS,
    Account,
    Actor,
    AgentBot,
    Avatar,
    BotLink,
    Campaign,
    Inbox,
    User,
    default_working_hours,
)
from mockserver.chatwoot.profiles import Profile

#: `ChatwootApp.max_limit`, the community edition's inbox limit (digest §2.3).
DEFAULT_INBOX_LIMIT = 100_000
TEXT_LIMIT = 10_000
AVATAR_MAX_BYTES = 15 * 1024 * 1024
AVATAR_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}

INBOX_ATTRIBUTES = ("name", *INBOX_DEFAULTS)


@dataclass(frozen=True)
class Rule:
    """Who may do an action (digest §3.4, §3.5)."""

    on_inbox: bool
    admin_only: bool
    checks_limit: bool = False


RULES: dict[str, Rule] = {
    "inboxes.index": Rule(on_inbox=False, admin_only=False),
    "inboxes.create": Rule(on_inbox=False, admin_only=True, checks_limit=True),
    "inboxes.show": Rule(on_inbox=True, admin_only=False),
    "inboxes.update": Rule(on_inbox=True, admin_only=True),
    "inboxes.destroy": Rule(on_inbox=True, admin_only=True),
    "inboxes.agent_bot": Rule(on_inbox=True, admin_only=False),
    "inboxes.set_agent_bot": Rule(on_inbox=True, admin_only=True),
    "inboxes.avatar": Rule(on_inbox=True, admin_only=True),
    "inboxes.campaigns": Rule(on_inbox=True, admin_only=True),
    "inboxes.sync_templates": Rule(on_inbox=True, admin_only=True),
    # `health` skips `check_authorization`; only `show?` applies (digest §2.1).
    "inboxes.health": Rule(on_inbox=True, admin_only=False),
    "inboxes.assignable_agents": Rule(on_inbox=True, admin_only=False),
    "inbox_members.show": Rule(on_inbox=True, admin_only=False),
    "inbox_members.create": Rule(on_inbox=True, admin_only=True),
    "inbox_members.update": Rule(on_inbox=True, admin_only=True),
    "inbox_members.destroy": Rule(on_inbox=True, admin_only=True),
    # AgentBotPolicy#index?: administrators, or a custom role with the agent_bots permission.
    "agent_bots.index": Rule(on_inbox=False, admin_only=True),
}

T = TypeVar("T")


def _locked(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def null_strings_to_none(params: Mapping[str, Any]) -> dict[str, Any]:
    """Chatwoot's stop-gap for CW-1567: a top-level "null" string means null (digest §2.2)."""
    return {k: (None if v == "null" else v) for k, v in params.items()}


class Store:
    """All accounts, users, bots, inboxes and their links, behind one lock."""

    def __init__(self, profile: Profile = Profile.DOCS) -> None:
        self.profile = profile
        self._lock = threading.RLock()
        self.accounts: dict[int, Account] = {}
        self.users: dict[int, User] = {}
        self.agent_bots: dict[int, AgentBot] = {}
        self.inboxes: dict[int, Inbox] = {}
        self.members: dict[int, list[int]] = {}  # inbox id -> user ids, in the order they joined
        self.bot_links: dict[int, BotLink] = {}  # inbox id -> link
        self.campaigns: dict[int, Campaign] = {}
        self._tokens: dict[str, tuple[str, int]] = {}  # token -> ("user" | "bot", id)
        # (channel type, attribute, value) -> inbox id, for the attributes Chatwoot keeps unique
        # across the installation: an index, so a create does not scan every inbox.
        self._unique_owners: dict[tuple[str, str, str], int] = {}
        # account id -> how many inboxes it has: the inbox limit (402) is checked on every create,
        # and counting 10,000 inboxes each time cost 0.4 ms twice per create.
        self._inbox_counts: collections.Counter[int] = collections.Counter()
        self._last_ids: dict[str, int] = {}  # sequence -> the highest id it has given or seen
        self._avatars: dict[str, int] = {}  # avatar key -> inbox id

    # ----------------------------------------------------------------- snapshots
    # A reset must be fast (moto's reset is re-construction; building the demo from its document
    # takes about 10 ms, mostly the document's schema check). A snapshot is the whole store,
    # pickled: restoring one is a faithful copy (ids, sequences, indexes, avatars) in about 0.2 ms.
    # Snapshots are made and read in-process only; they are never written to disk.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    @_locked
    def snapshot(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_snapshot(snapshot: bytes) -> Store:
        return pickle.loads(snapshot)  # our own bytes, made by `snapshot()` in this process

    @contextlib.contextmanager
    def reading(self) -> Iterator[Store]:
        """Hold the lock while reading several records at once (an export sees one moment)."""
        with self._lock:
            yield self

    # ----------------------------------------------------------------- ids
    def _take_id(self, sequence: str, explicit: int | None = None) -> int:
        """The next id of a sequence, or an explicit one; either way later ids start above it, and
        a deleted record's id is never given again (as a database sequence behaves)."""
        last = self._last_ids.get(sequence, 0)
        chosen = last + 1 if explicit is None else explicit
        self._last_ids[sequence] = max(last, chosen)
        return chosen

    # ----------------------------------------------------------------- seeding
    # These build state without any caller's rights: startup documents and test helpers use them.
    @_locked
    def add_account(self, name: str, *, id: int | None = None, status: str = "active",
                    inbox_limit: int | None = None, inbound_email_domain: str | None = None) -> Account:
        account_id = self._explicit_or_next("account", id, self.accounts)
        account = Account(account_id, name, status, inbox_limit,
                          inbound_email_domain or Account.inbound_email_domain)
        self.accounts[account_id] = account
        return account

    @_locked
    def add_user(self, name: str, email: str, access_token: str, roles: Mapping[int, str], *,
                 id: int | None = None, **profile: Any) -> User:
        self._claim_token(access_token)
        for account_id in roles:
            self._account(account_id)
        user_id = self._explicit_or_next("user", id, self.users)
        user = User(user_id, name, email, access_token, dict(roles), **profile)
        self.users[user_id] = user
        self._tokens[access_token] = ("user", user_id)
        return user

    @_locked
    def add_agent_bot(self, name: str, access_token: str, *, account_id: int | None, id: int | None = None,
                      **fields: Any) -> AgentBot:
        self._claim_token(access_token)
        if account_id is not None:
            self._account(account_id)
        bot_id = self._explicit_or_next("agent_bot", id, self.agent_bots)
        bot = AgentBot(bot_id, account_id, name, access_token, **fields)
        self.agent_bots[bot_id] = bot
        self._tokens[access_token] = ("bot", bot_id)
        return bot

    @_locked
    def add_inbox(self, account_id: int, name: str | None, channel: Mapping[str, Any], *,
                  id: int | None = None, working_hours: list[dict] | None = None,
                  created_at: str | None = None, **attributes: Any) -> Inbox:
        """An inbox as the state document describes it: `channel.type` may also be `twilio_sms`,
        and generated channel values (tokens, ids) may be given to keep them stable."""
        account = self._account(account_id)
        kind = channels.KINDS.get(channel.get("type", ""))
        if kind is None:
            raise InvalidChannelType(name_blank=blank(name))
        channel_attrs = copy.deepcopy(dict(kind.defaults))
        channel_attrs.update(copy.deepcopy({k: v for k, v in channel.items() if k not in ("type", "channel_id")}))
        channels.normalise(kind, channel_attrs)
        channels.fill_generated(kind, channel_attrs, account.inbound_email_domain)
        inbox_attrs = {**copy.deepcopy(INBOX_DEFAULTS), **copy.deepcopy(attributes)}
        if kind.key == "telegram" and blank(name):
            name = channel_attrs.get("bot_name")
        self._raise_if_invalid(self._channel_problems(kind, channel_attrs, exclude=None)
                               + self._inbox_problems({"name": name, **inbox_attrs}))
        return self._insert_inbox(account, name, kind, channel_attrs, inbox_attrs, id=id,
                                  channel_id=channel.get("channel_id"), working_hours=working_hours,
                                  created_at=created_at)

    @_locked
    def add_member(self, inbox_id: int, user_id: int) -> None:
        self._inbox_by_id(inbox_id)
        self._user(user_id)
        members = self.members.setdefault(inbox_id, [])
        if user_id not in members:
            members.append(user_id)

    @_locked
    def link_agent_bot(self, inbox_id: int, agent_bot_id: int, status: str = "active") -> None:
        self._inbox_by_id(inbox_id)
        self._agent_bot(agent_bot_id)
        self.bot_links[inbox_id] = BotLink(agent_bot_id, status)

    @_locked
    def add_campaign(self, inbox_id: int, title: str, message: str, campaign_type: str, *,
                     id: int | None = None, display_id: int | None = None, created_at: str | None = None,
                     updated_at: str | None = None, **fields: Any) -> Campaign:
        inbox = self._inbox_by_id(inbox_id)
        campaign_id = self._explicit_or_next("campaign", id, self.campaigns)
        if display_id is None:
            display_id = 1 + max((c.display_id for c in self.campaigns.values()
                                  if c.account_id == inbox.account_id), default=0)
        stamp = _now()
        campaign = Campaign(campaign_id, display_id, inbox.account_id, inbox_id, title, message,
                            campaign_type, created_at or stamp, updated_at or created_at or stamp, **fields)
        self.campaigns[campaign_id] = campaign
        return campaign

    def _explicit_or_next(self, name: str, explicit: int | None, table: Mapping[int, Any]) -> int:
        if explicit is not None and explicit in table:
            raise ValueError(f"duplicate {name} id {explicit}")
        return self._take_id(name, explicit)

    def _claim_token(self, token: str) -> None:
        if blank(token):
            raise ValueError("an access token must not be blank")
        if token in self._tokens:
            raise ValueError("access token already in use")

    _UNCHANGED: Any = object()

    @_locked
    def account_settings(self, account_id: int) -> Account:
        return self._account(account_id)

    @_locked
    def configure_account(self, account_id: int, *, status: str | None = None,
                          inbox_limit: Any = _UNCHANGED) -> Account:
        """The settings a test changes on a running mock: suspend or reactivate an account (its
        users then get 401 "Account is suspended", digest §3.2), or set its inbox limit (None:
        Chatwoot's default) to reach the 402."""
        account = self.account_settings(account_id)
        if status is not None:
            account.status = status
        if inbox_limit is not Store._UNCHANGED:
            account.inbox_limit = inbox_limit
        return account

    # ----------------------------------------------------------------- authentication
    @_locked
    def authenticate(self, token: str | None, account_id: int) -> Actor:
        """The `api_access_token` check, then the account checks (digest §3.1, §3.2)."""
        if blank(token):
            raise Unauthenticated()
        owner = self._tokens.get(token)
        if owner is None:
            raise InvalidAccessToken()
        kind, owner_id = owner
        if kind == "bot":
            raise BotTokenRejected()
        user = self.users[owner_id]
        account = self.accounts.get(record_id(account_id))
        if account is None:
            raise ResourceNotFound()
        if not account.active:
            raise AccountSuspended()
        if account.id not in user.roles:
            raise NotAccountMember()
        return Actor(user, account)

    # ----------------------------------------------------------------- authorization
    @_locked
    def authorize(self, actor: Actor, action: str, inbox_id: Any = None, *,
                  agent_bot_id: Any = None) -> Inbox | None:
        """Run an action's checks in Chatwoot's order and return its inbox (if it has one)."""
        rule = RULES[action]
        inbox = None
        if rule.on_inbox:
            inbox = self._inbox(actor, inbox_id)
            if not self._can_see(actor, inbox):
                raise NotAuthorized()
        if agent_bot_id is not None and agent_bot_id is not False:
            self._agent_bot(agent_bot_id)
        if rule.checks_limit:
            limit = actor.account.inbox_limit
            limit = DEFAULT_INBOX_LIMIT if limit is None else limit
            if self._inbox_counts[actor.account.id] >= limit:
                raise InboxLimitExceeded()
        if rule.admin_only and not actor.is_admin:
            raise NotAuthorized()
        return inbox

    def _can_see(self, actor: Actor, inbox: Inbox) -> bool:
        return actor.is_admin or actor.user.id in self.members.get(inbox.id, ())

    def _inbox(self, actor: Actor, inbox_id: Any) -> Inbox:
        inbox = self.inboxes.get(record_id(inbox_id))
        if inbox is None or inbox.account_id != actor.account.id:
            raise InboxNotFound()
        return inbox

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

    # ----------------------------------------------------------------- inboxes
    @_locked
    def list_inboxes(self, actor: Actor) -> list[Inbox]:
        self.authorize(actor, "inboxes.index")
        # The policy scope drops the controller's name order: rows come in id order (digest §2.5).
        return [inbox for inbox in sorted(self.inboxes.values(), key=lambda i: i.id)
                if inbox.account_id == actor.account.id and self._can_see(actor, inbox)]

    @_locked
    def get_inbox(self, actor: Actor, inbox_id: int) -> Inbox:
        return self.authorize(actor, "inboxes.show", inbox_id)

    @_locked
    def create_inbox(self, actor: Actor, params: Mapping[str, Any], avatar: Avatar | None = None) -> Inbox:
        self.authorize(actor, "inboxes.create")
        params = null_strings_to_none(params)
        kind = self.creation_kind(params)
        channel_params = params["channel"]
        name = params.get("name")
        channel_attrs = channels.new_channel_attributes(
            kind, channel_params, inbound_email_domain=actor.account.inbound_email_domain,
            profile=self.profile)
        inbox_attrs = copy.deepcopy(INBOX_DEFAULTS)
        inbox_attrs.update(_permitted_inbox_params(params))
        if kind.key == "telegram" and "name" not in params:
            # The request's `name` wins; without one the inbox takes the bot's name (digest §2.3).
            name = channel_attrs.get("bot_name")
        # The channel is created first; its failure rolls everything back (digest §2.3).
        self._raise_if_invalid(self._channel_problems(kind, channel_attrs, exclude=None))
        self._raise_if_invalid(self._inbox_problems({"name": name, **inbox_attrs})
                               + self._avatar_problems(avatar))
        return self._insert_inbox(actor.account, name, kind, channel_attrs, inbox_attrs, avatar=avatar)

    def creation_kind(self, params: Mapping[str, Any]) -> ChannelKind:
        """The channel kind a create request makes, or the error Chatwoot answers before any other
        check of the parameters: no such channel type, or no name for a kind that needs one."""
        channel_params = params.get("channel")
        channel_params = channel_params if isinstance(channel_params, Mapping) else {}
        name = params.get("name")
        kind = channels.resolve_creation_kind(channel_params, self.profile)
        if kind is None:
            raise InvalidChannelType(name_blank=blank(name))
        if blank(name) and kind.key != "telegram":
            raise RecordInvalid.single("name", "Name can't be blank")
        return kind

    def _insert_inbox(self, account: Account, name: Any, kind: ChannelKind, channel_attrs: dict,
                      inbox_attrs: dict, *, id: int | None = None, channel_id: int | None = None,
                      working_hours: list[dict] | None = None, created_at: str | None = None,
                      avatar: Avatar | None = None) -> Inbox:
        inbox_id = self._explicit_or_next("inbox", id, self.inboxes)
        # Channel ids come from one sequence per channel table, so they coincide across types.
        channel_id = self._take_id(f"channel:{kind.key}", channel_id)
        inbox = Inbox(inbox_id, account.id, name, kind, channel_id, channel_attrs, inbox_attrs,
                      copy.deepcopy(working_hours) if working_hours else default_working_hours(),
                      created_at or _now())
        self.inboxes[inbox_id] = inbox
        self._inbox_counts[account.id] += 1
        self._index_unique(inbox)
        if avatar is not None:
            self._attach_avatar(inbox, avatar)
        return inbox

    @_locked
    def update_inbox(self, actor: Actor, inbox_id: int, params: Mapping[str, Any],
                     avatar: Avatar | None = None) -> Inbox:
        inbox = self.authorize(actor, "inboxes.update", inbox_id)
        params = null_strings_to_none(params)
        changes = _permitted_inbox_params(params, with_name=True)
        changes.pop("csat_config", None)
        if not blank(params.get("csat_config")):
            changes["csat_config"] = format_csat_config(_permit_csat_config(params["csat_config"]))
        problems = self._inbox_problems({"name": inbox.name, **inbox.attributes, **changes},
                                        only=changes.keys())
        problems += self._avatar_problems(avatar)
        channel_changes = self._channel_changes(inbox, params.get("channel"))
        new_channel = {**inbox.channel, **channel_changes}
        if channel_changes:
            channels.normalise(inbox.kind, new_channel)
            problems += self._channel_problems(inbox.kind, new_channel, exclude=inbox.id)
        # Chatwoot saves the inbox, then the hours, then the channel, with no transaction, so a
        # channel failure leaves the first two saved. The mock changes nothing on any failure.
        self._raise_if_invalid(problems)
        if "name" in changes:
            inbox.name = changes.pop("name")
        inbox.attributes.update(changes)
        if isinstance(params.get("working_hours"), list):
            update_working_hours(inbox.working_hours, params["working_hours"])
        if channel_changes:
            if inbox.kind.reauthorizable:
                new_channel.pop("reauthorization_required", None)
            self._unindex_unique(inbox)
            inbox.channel = new_channel
            self._index_unique(inbox)
        if avatar is not None:
            self._attach_avatar(inbox, avatar)
        return inbox

    def _channel_changes(self, inbox: Inbox, channel_params: Any) -> dict:
        if not isinstance(channel_params, Mapping):
            return {}
        if "type" in channel_params and channel_params["type"] != inbox.kind.key:
            # Chatwoot passes `type` to `channel.update!`, which raises: a 500 (digest §2.4). A client
            # echoing the current type loses nothing by having it ignored; any other is refused.
            raise RecordInvalid.single("channel", "Channel type can't be changed")
        return channels.permitted_channel_params(inbox.kind, channel_params, self.profile)

    @_locked
    def delete_inbox(self, actor: Actor, inbox_id: int) -> None:
        inbox = self.authorize(actor, "inboxes.destroy", inbox_id)
        # Chatwoot deletes in a background job; the mock deletes at once, with everything attached.
        del self.inboxes[inbox.id]
        self._inbox_counts[inbox.account_id] -= 1
        self._unindex_unique(inbox)
        self.members.pop(inbox.id, None)
        self.bot_links.pop(inbox.id, None)
        for campaign_id in [c.id for c in self.campaigns.values() if c.inbox_id == inbox.id]:
            del self.campaigns[campaign_id]
        self._detach_avatar(inbox)

    # ----------------------------------------------------------------- avatars
    @_locked
    def delete_avatar(self, actor: Actor, inbox_id: int) -> None:
        inbox = self.authorize(actor, "inboxes.avatar", inbox_id)
        self._detach_avatar(inbox)

    @_locked
    def avatar(self, key: str) -> Avatar | None:
        inbox = self.inboxes.get(self._avatars.get(key, -1))
        return inbox.avatar if inbox is not None else None

    def _attach_avatar(self, inbox: Inbox, avatar: Avatar) -> None:
        self._detach_avatar(inbox)
        inbox.avatar = avatar
        self._avatars[avatar.key] = inbox.id

    def _detach_avatar(self, inbox: Inbox) -> None:
        if inbox.avatar is not None:
            self._avatars.pop(inbox.avatar.key, None)
            inbox.avatar = None

    @staticmethod
    def new_avatar(filename: str, content_type: str, data: bytes) -> Avatar:
        return Avatar(secrets.token_urlsafe(16), filename or "avatar", content_type or "", data)

    def _avatar_problems(self, avatar: Avatar | None) -> list[FieldProblem]:
        if avatar is None:
            return []
        problems = []
        if avatar.content_type not in AVATAR_TYPES:
            problems.append(FieldProblem("avatar", "Avatar filetype not supported"))
        if len(avatar.data) > AVATAR_MAX_BYTES:
            problems.append(FieldProblem("avatar", "Avatar size is too big"))
        return problems

    # ----------------------------------------------------------------- agent bots
    @_locked
    def inbox_agent_bot(self, actor: Actor, inbox_id: int) -> AgentBot | None:
        inbox = self.authorize(actor, "inboxes.agent_bot", inbox_id)
        link = self.bot_links.get(inbox.id)
        return self.agent_bots.get(link.agent_bot_id) if link else None

    @_locked
    def set_agent_bot(self, actor: Actor, inbox_id: int, agent_bot_id: int | None) -> None:
        # The bot is looked up among all bots, not the account's, before the role check (§2.5).
        inbox = self.authorize(actor, "inboxes.set_agent_bot", inbox_id, agent_bot_id=agent_bot_id)
        if agent_bot_id is None or agent_bot_id is False:
            self.bot_links.pop(inbox.id, None)
        elif inbox.id in self.bot_links:
            self.bot_links[inbox.id].agent_bot_id = self._agent_bot(agent_bot_id).id
        else:
            self.bot_links[inbox.id] = BotLink(self._agent_bot(agent_bot_id).id)

    @_locked
    def list_agent_bots(self, actor: Actor) -> list[AgentBot]:
        self.authorize(actor, "agent_bots.index")
        return [bot for bot in sorted(self.agent_bots.values(), key=lambda b: b.id)
                if bot.account_id in (None, actor.account.id)]

    # ----------------------------------------------------------------- other inbox actions
    @_locked
    def inbox_campaigns(self, actor: Actor, inbox_id: int) -> list[tuple[Campaign, Inbox, User | None]]:
        """Each campaign with what its view shows: its inbox and its sender (if any)."""
        inbox = self.authorize(actor, "inboxes.campaigns", inbox_id)
        campaigns = sorted((c for c in self.campaigns.values() if c.inbox_id == inbox.id), key=lambda c: c.id)
        return [(c, inbox, self.users.get(c.sender_id) if c.sender_id is not None else None) for c in campaigns]

    @_locked
    def sync_templates(self, actor: Actor, inbox_id: int) -> None:
        inbox = self.authorize(actor, "inboxes.sync_templates", inbox_id)
        whatsapp = inbox.kind.key == "whatsapp" or (
            inbox.kind.key == "twilio_sms" and inbox.channel.get("medium") == "whatsapp")
        if not whatsapp:
            raise ChannelActionUnsupported(422, "Template sync is only available for WhatsApp channels")

    @_locked
    def health(self, actor: Actor, inbox_id: int) -> Inbox:
        """The checks `Whatsapp::HealthService` makes before it calls Meta (digest §2.5)."""
        inbox = self.authorize(actor, "inboxes.health", inbox_id)
        if inbox.kind.key != "whatsapp" or inbox.channel.get("provider") != "whatsapp_cloud":
            raise ChannelActionUnsupported(400, "Health data only available for WhatsApp Cloud API channels")
        config = inbox.channel.get("provider_config") or {}
        if blank(config.get("api_key")):
            raise HealthCheckFailed("API key is missing")
        if blank(config.get("phone_number_id")):
            raise HealthCheckFailed("Phone number ID is missing")
        return inbox

    @_locked
    def assignable_agents(self, actor: Actor, inbox_id: int) -> list[User]:
        inbox = self.authorize(actor, "inboxes.assignable_agents", inbox_id)
        agents = self._account_members(actor.account, self.members.get(inbox.id, ()))
        admins = [u for u in self._account_users(actor.account) if u.roles[actor.account.id] == ADMINISTRATOR]
        return list({u.id: u for u in [*agents, *admins]}.values())

    # ----------------------------------------------------------------- inbox members
    @_locked
    def inbox_members(self, actor: Actor, inbox_id: Any) -> list[User]:
        inbox = self.authorize(actor, "inbox_members.show", inbox_id)
        return self._account_members(actor.account, self.members.get(inbox.id, ()))

    @_locked
    def add_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[int]) -> list[User]:
        inbox = self.authorize(actor, "inbox_members.create", inbox_id)
        current = self.members.get(inbox.id, [])
        self._insert_members(inbox, [u for u in user_ids if u not in current])
        return self._account_members(actor.account, self.members[inbox.id])

    @_locked
    def update_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[int]) -> list[User]:
        inbox = self.authorize(actor, "inbox_members.update", inbox_id)
        current = list(self.members.get(inbox.id, []))
        self._insert_members(inbox, [u for u in user_ids if u not in current])
        self.members[inbox.id] = [u for u in self.members[inbox.id] if u in user_ids]
        return self._account_members(actor.account, self.members[inbox.id])

    @_locked
    def remove_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[Any]) -> None:
        inbox = self.authorize(actor, "inbox_members.destroy", inbox_id)
        # Unknown, non-member or malformed ids are ignored (digest §6).
        self.members[inbox.id] = [u for u in self.members.get(inbox.id, []) if u not in user_ids]

    def _insert_members(self, inbox: Inbox, new_ids: list[int]) -> None:
        """Insert each id as Chatwoot's transaction would, failing whole on the first bad one."""
        seen: set[int] = set()
        for user_id in new_ids:
            if user_id not in self.users:
                raise RecordInvalid.single("user", "User must exist")
            if user_id in seen:
                # Ruby's array difference keeps duplicates, so the second insert hits the unique index.
                raise RecordInvalid.single("user_id", "User has already been taken")
            seen.add(user_id)
        self.members.setdefault(inbox.id, []).extend(new_ids)

    def _account_users(self, account: Account) -> list[User]:
        return [u for u in sorted(self.users.values(), key=lambda u: u.id) if account.id in u.roles]

    def _account_members(self, account: Account, user_ids: Iterable[int]) -> list[User]:
        """Members shown through `Current.account.users`: other accounts' users stay hidden (§5.4)."""
        wanted = set(user_ids)
        return [u for u in self._account_users(account) if u.id in wanted]

    # ----------------------------------------------------------------- validation
    def _raise_if_invalid(self, problems: list[FieldProblem]) -> None:
        if problems:
            raise RecordInvalid(problems)

    def _inbox_problems(self, values: Mapping[str, Any], only: Iterable[str] | None = None) -> list[FieldProblem]:
        """The Inbox model's validations (digest §5.1), in declaration order."""
        checked = set(only) if only is not None else None

        def wanted(attribute: str) -> bool:
            return checked is None or attribute in checked

        problems = []
        if wanted("name") and blank(values.get("name")):
            problems.append(FieldProblem("name", "Name can't be blank"))
        if wanted("timezone") and values.get("timezone") not in _timezones():
            problems.append(FieldProblem("timezone", "Timezone is not included in the list"))
        for attribute in ("out_of_office_message", "greeting_message"):
            text = values.get(attribute)
            if wanted(attribute) and isinstance(text, str) and len(text) > TEXT_LIMIT:
                problems.append(FieldProblem(
                    attribute, f"{channels.humanize(attribute)} is too long (maximum is {TEXT_LIMIT} characters)"))
        for attribute in ("lock_to_single_conversation", "allow_messages_after_resolved", "sender_name_type"):
            # NOT NULL columns: Chatwoot answers 500 for a null; the mock a clean 422.
            if wanted(attribute) and values.get(attribute) is None:
                problems.append(FieldProblem(attribute, f"{channels.humanize(attribute)} can't be blank"))
        config = values.get("auto_assignment_config")
        limit = config.get("max_assignment_limit") if isinstance(config, Mapping) else None
        if wanted("auto_assignment_config") and limit is not None and (not isinstance(limit, int) or limit <= 0):
            problems.append(FieldProblem(
                "auto_assignment_config", "Auto assignment config max_assignment_limit must be greater than 0"))
        return problems

    def _channel_problems(self, kind: ChannelKind, attrs: Mapping[str, Any],
                          exclude: int | None) -> list[FieldProblem]:
        problems = channels.presence_problems(kind, attrs)
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


_CSAT_KEYS = ("display_type", "message", "button_text", "language")
_CSAT_TEMPLATE_KEYS = ("name", "template_id", "friendly_name", "content_sid", "approval_sid", "created_at",
                       "language", "status")


def _permitted_inbox_params(params: Mapping[str, Any], with_name: bool = False) -> dict[str, Any]:
    """`inbox_attributes` (digest §2.2): the permitted top-level keys, and inside `csat_config`
    and `auto_assignment_config` only their permitted keys; everything else is dropped."""
    keys = INBOX_ATTRIBUTES if with_name else tuple(INBOX_DEFAULTS)
    permitted = {k: copy.deepcopy(params[k]) for k in keys if k in params}
    if isinstance(permitted.get("csat_config"), Mapping):
        permitted["csat_config"] = _permit_csat_config(permitted["csat_config"])
    if isinstance(permitted.get("auto_assignment_config"), Mapping):
        config = permitted["auto_assignment_config"]
        # [EE] the whole object is replaced by the one permitted key (digest §2.4).
        permitted["auto_assignment_config"] = (
            {"max_assignment_limit": config["max_assignment_limit"]} if "max_assignment_limit" in config else {})
    return permitted


def _permit_csat_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        return {}
    permitted = {k: config[k] for k in _CSAT_KEYS if k in config}
    rules = config.get("survey_rules")
    if isinstance(rules, Mapping):
        permitted["survey_rules"] = {k: rules[k] for k in ("operator", "values") if k in rules}
    template = config.get("template")
    if isinstance(template, Mapping):
        permitted["template"] = {k: template[k] for k in _CSAT_TEMPLATE_KEYS if k in template}
    return permitted


def format_csat_config(config: Any) -> dict:
    """`format_csat_config`: fixed keys and defaults; a missing, null or false value takes the
    default, anything else (an empty string too) is kept (digest §2.4)."""
    config = config if isinstance(config, Mapping) else {}

    def given(value: Any, default: Any) -> Any:
        return default if value is None or value is False else value

    rules = config.get("survey_rules") if isinstance(config.get("survey_rules"), Mapping) else {}
    formatted = {
        "display_type": given(config.get("display_type"), "emoji"),
        "message": given(config.get("message"), ""),
        "survey_rules": {
            "operator": given(rules.get("operator"), "contains"),
            "values": given(rules.get("values"), []),
        },
        "button_text": given(config.get("button_text"), "Please rate us"),
        "language": given(config.get("language"), "en"),
    }
    if not blank(config.get("template")):
        formatted["template"] = copy.deepcopy(config["template"])
    return formatted


def update_working_hours(hours: list[dict[str, Any]], changes: list[Mapping[str, Any]]) -> None:
    """`update_working_hours`: only the days listed and only the keys given change; a row that
    would break WorkingHour's validations stays as it was (Chatwoot uses non-bang `update`)."""
    by_day = {row["day_of_week"]: row for row in hours}
    for change in changes:
        row = by_day.get(change.get("day_of_week"))
        if row is None:
            continue
        candidate = {**row, **{k: change[k] for k in WORKING_HOUR_KEYS if k in change}}
        if candidate.get("open_all_day"):
            # `ensure_open_all_day_hours` runs before validation.
            candidate.update(open_hour=0, open_minutes=0, close_hour=23, close_minutes=59)
        if working_hour_valid(candidate):
            row.update(candidate)


def working_hour_valid(row: Mapping[str, Any]) -> bool:
    if row.get("open_all_day") and row.get("closed_all_day"):
        return False
    if row.get("closed_all_day"):
        return True
    values = [row.get(k) for k in ("open_hour", "open_minutes", "close_hour", "close_minutes")]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        return False
    open_hour, open_minutes, close_hour, close_minutes = values
    if not (0 <= open_hour <= 23 and 0 <= close_hour <= 23 and 0 <= open_minutes <= 59 and 0 <= close_minutes <= 59):
        return False
    return (open_hour, open_minutes) < (close_hour, close_minutes)
