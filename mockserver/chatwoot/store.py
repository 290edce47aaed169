"""The operations of the API: each checks in Chatwoot's order, then changes the tables.

Imports no Flask: the HTTP layer asks the store, and the store raises `mockserver.chatwoot.errors`
types. `Store` extends `tables.Tables` (the records, their indexes and the one re-entrant lock):
every operation holds the lock, so the served (multi-threaded) mock never sees a half-made change.
The rules that are not state live beside it: parameter permitting in `params`, record validations
and normalisers in `rules`, who may do what in `policies`. Each operation checks in Chatwoot's order
(digest §2.1): the inbox is looked up (404) before the caller's right to it (401); the inbox limit
(402) before the role (401).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from mockserver.chatwoot import channels, rules
from mockserver.chatwoot.agent_bots import AgentBotRules
from mockserver.chatwoot.assignment_policies import AssignmentPolicyRules
from mockserver.chatwoot.channels import ChannelKind, blank
from mockserver.chatwoot.copying import Template
from mockserver.chatwoot.errors import (
    AccountSuspended,
    BotTokenRejected,
    ChannelActionUnsupported,
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
from mockserver.chatwoot.inbox_actions import InboxActionRules
from mockserver.chatwoot.models import (
    ADMINISTRATOR,
    INBOX_DEFAULTS,
    Account,
    Actor,
    AgentBot,
    Avatar,
    BotLink,
    Campaign,
    Inbox,
    User,
)
from mockserver.chatwoot.params import null_strings_to_none, permit_csat_config, permitted_inbox_params, rails_integer
from mockserver.chatwoot.policies import DEFAULT_INBOX_LIMIT, RULES
from mockserver.chatwoot.tables import Tables, locked, raise_if_invalid

#: A new inbox's attributes before its parameters: Chatwoot's column defaults.
_NEW_INBOX = Template(INBOX_DEFAULTS)

__all__ = ["Store", "null_strings_to_none", "record_id"]  # the last two: imported from here by web


class Store(AgentBotRules, AssignmentPolicyRules, InboxActionRules, Tables):
    """All accounts, users, bots, inboxes and their links, behind one lock; the API's operations.
    The operations of the routes outside `InboxesController` live in the mixins (agent bots,
    assignment policies, CSAT templates, Twilio inboxes, the account's assignable agents)."""

    _UNCHANGED: Any = object()

    @locked
    def account_settings(self, account_id: int) -> Account:
        return self._account(account_id)

    @locked
    def configure_account(self, account_id: int, *, status: str | None = None,
                          inbox_limit: Any = _UNCHANGED) -> Account:
        """The settings a test changes on a running mock: suspend or reactivate an account (its
        users then get 401 "Account is suspended", digest §3.2), or set its inbox limit (None:
        Chatwoot's default) to reach the 402."""
        account = self.account_settings(account_id)
        self._touch("accounts", account.id)
        if status is not None:
            account.status = status
        if inbox_limit is not Store._UNCHANGED:
            account.inbox_limit = inbox_limit
        return account

    # ----------------------------------------------------------------- authentication
    @locked
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
    def _authorize(self, actor: Actor, action: str, inbox_id: Any = None, *,
                   agent_bot_id: Any = None) -> Inbox | None:
        """Run an action's checks in Chatwoot's order and return its inbox (if it has one). Called
        by the operations, which hold the lock already (taking it again cost a write 1-2 us)."""
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
            if len(self._account_inboxes.get(actor.account.id, ())) >= limit:
                raise InboxLimitExceeded()
        if rule.admin_only and not actor.is_admin:
            raise NotAuthorized()
        return inbox

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise NotAuthorized()

    @locked
    def precheck(self, actor: Actor, action: str, path: Mapping[str, Any], inbox_id: Any = None, *,
                 agent_bot_id: Any = None, body: Mapping[str, Any] | None = None) -> None:
        """The checks Chatwoot makes before it reads the parameters (lookups 404, roles 401, a
        channel 400), so that they win over a 422 of the request body."""
        if action in RULES:
            self._authorize(actor, action, inbox_id, agent_bot_id=agent_bot_id)
        else:
            BEFORE_PARAMS[action](self, actor, path, body or {})

    def _can_see(self, actor: Actor, inbox: Inbox) -> bool:
        return actor.is_admin or actor.user.id in self.members.get(inbox.id, ())

    def _inbox(self, actor: Actor, inbox_id: Any) -> Inbox:
        inbox = self.inboxes.get(record_id(inbox_id))
        if inbox is None or inbox.account_id != actor.account.id:
            raise InboxNotFound()
        return inbox

    # ----------------------------------------------------------------- inboxes
    @locked
    def list_inboxes(self, actor: Actor) -> list[Inbox]:
        self._authorize(actor, "inboxes.index")
        # The policy scope drops the controller's name order: rows come in id order (digest §2.5).
        # Only the account's inboxes are read (its index), not every inbox of the store: scanning
        # 10,000 to list 2,000 was half of the list's time (bench/bench_state.py).
        account_inboxes = self._account_inboxes.get(actor.account.id, {})
        ids = sorted(account_inboxes)
        if actor.is_admin:
            return list(map(account_inboxes.__getitem__, ids))
        member_of, user_id = self.members.get, actor.user.id
        return [account_inboxes[inbox_id] for inbox_id in ids if user_id in member_of(inbox_id, ())]

    @locked
    def get_inbox(self, actor: Actor, inbox_id: int) -> Inbox:
        return self._authorize(actor, "inboxes.show", inbox_id)

    @locked
    def create_inbox(self, actor: Actor, params: Mapping[str, Any], avatar: Avatar | None = None, *,
                     kind: ChannelKind | None = None) -> Inbox:
        """`kind`: what `creation_kind` gave for these parameters, when the caller asked it already
        (the API's precheck does, so that its 400 wins over the spec's 422)."""
        self._authorize(actor, "inboxes.create")
        params = null_strings_to_none(params)
        if kind is None:
            kind = self.creation_kind(params)
        channel_params = params["channel"]
        name = params.get("name")
        channel_attrs = channels.new_channel_attributes(
            kind, channel_params, inbound_email_domain=actor.account.inbound_email_domain,
            profile=self.profile)
        inbox_attrs = _NEW_INBOX.new()
        inbox_attrs.update(permitted_inbox_params(params))
        if kind.key == "telegram" and "name" not in params:
            # The request's `name` wins; without one the inbox takes the bot's name (digest §2.3).
            name = channel_attrs.get("bot_name")
        # The channel is created first; its failure rolls everything back (digest §2.3).
        raise_if_invalid(self._channel_problems(kind, channel_attrs, exclude=None))
        raise_if_invalid(rules.inbox_problems({"name": name, **inbox_attrs}) + self._avatar_problems(None, avatar))
        return self._insert_inbox(actor.account, name, kind, channel_attrs, inbox_attrs, avatar=avatar)

    def creation_kind(self, params: Mapping[str, Any]) -> ChannelKind:
        """The channel kind a create request makes, or the error Chatwoot answers before any other
        check of the parameters: no such channel type, or no name for a kind that needs one."""
        channel_params = params.get("channel")
        # A dict first: Mapping's isinstance is a Python call of the ABC (four a write, 1% of a create).
        channel_params = channel_params if type(channel_params) is dict or isinstance(channel_params, Mapping) else {}
        name = params.get("name")
        kind = channels.resolve_creation_kind(channel_params, self.profile)
        if kind is None:
            raise InvalidChannelType(name_blank=blank(name))
        if blank(name) and kind.key != "telegram":
            raise RecordInvalid.single("name", "Name can't be blank")
        return kind

    @locked
    def update_inbox(self, actor: Actor, inbox_id: int, params: Mapping[str, Any],
                     avatar: Avatar | None = None) -> Inbox:
        inbox = self._authorize(actor, "inboxes.update", inbox_id)
        params = null_strings_to_none(params)
        changes = permitted_inbox_params(params, with_name=True)
        changes.pop("csat_config", None)
        if not blank(params.get("csat_config")):
            changes["csat_config"] = rules.format_csat_config(permit_csat_config(params["csat_config"]))
        problems = rules.inbox_problems({"name": inbox.name, **inbox.attributes, **changes},
                                        only=changes.keys())
        problems += self._avatar_problems(inbox, avatar)
        channel_changes = self._channel_changes(inbox, params.get("channel"))
        if channel_changes:
            new_channel = {**inbox.channel, **channel_changes}
            channels.normalise(inbox.kind, new_channel)
            problems += self._channel_problems(inbox.kind, new_channel, exclude=inbox.id)
        # Chatwoot saves the inbox, then the hours, then the channel, with no transaction, so a
        # channel failure leaves the first two saved. The mock changes nothing on any failure.
        raise_if_invalid(problems)
        self._touch("inboxes", inbox.id)
        if "name" in changes:
            inbox.name = changes.pop("name")
        inbox.attributes.update(changes)
        if isinstance(params.get("working_hours"), list):
            rules.update_working_hours(inbox.working_hours, params["working_hours"])
        if channel_changes:
            if inbox.kind.reauthorizable:
                new_channel.pop("reauthorization_required", None)
            self._replace_channel(inbox, new_channel)
        if avatar is not None:
            self._attach_avatar(inbox, avatar)
        return inbox

    def _channel_changes(self, inbox: Inbox, channel_params: Any) -> dict:
        if channel_params is None or not isinstance(channel_params, Mapping):  # None: no ABC call
            return {}
        if "type" in channel_params and channel_params["type"] != inbox.kind.key:
            # Chatwoot passes `type` to `channel.update!`, which raises: a 500 (digest §2.4). A client
            # echoing the current type loses nothing by having it ignored; any other is refused.
            raise RecordInvalid.single("channel", "Channel type can't be changed")
        return channels.permitted_channel_params(inbox.kind, channel_params, self.profile)

    @locked
    def delete_inbox(self, actor: Actor, inbox_id: int) -> None:
        inbox = self._authorize(actor, "inboxes.destroy", inbox_id)
        # Chatwoot deletes in a background job; the mock deletes at once, with everything attached.
        self._remove_inbox(inbox)

    # ----------------------------------------------------------------- avatars
    @locked
    def delete_avatar(self, actor: Actor, inbox_id: int) -> None:
        inbox = self._authorize(actor, "inboxes.avatar", inbox_id)
        self._detach_avatar(inbox)

    @locked
    def avatar(self, key: str) -> Avatar | None:
        inbox = self.inboxes.get(self._avatars.get(key, -1))
        return inbox.avatar if inbox is not None else None

    @staticmethod
    def new_avatar(filename: str, content_type: str, data: bytes) -> Avatar:
        """An upload as ActiveStorage keeps it: a random key and the sanitised filename."""
        filename = rules.sanitized_filename(filename or "avatar")
        return Avatar(secrets.token_urlsafe(16), filename, content_type or "", data)

    # ----------------------------------------------------------------- agent bots
    @locked
    def inbox_agent_bot(self, actor: Actor, inbox_id: int) -> AgentBot | None:
        inbox = self._authorize(actor, "inboxes.agent_bot", inbox_id)
        link = self.bot_links.get(inbox.id)
        return self.agent_bots.get(link.agent_bot_id) if link else None

    @locked
    def set_agent_bot(self, actor: Actor, inbox_id: int, agent_bot_id: int | None) -> None:
        # The bot is looked up among all bots, not the account's, before the role check (§2.5).
        inbox = self._authorize(actor, "inboxes.set_agent_bot", inbox_id, agent_bot_id=agent_bot_id)
        self._touch("bot_links", inbox.id)
        if agent_bot_id is None or agent_bot_id is False:
            self.bot_links.pop(inbox.id, None)
        elif inbox.id in self.bot_links:
            self.bot_links[inbox.id].agent_bot_id = self._agent_bot(agent_bot_id).id
        else:
            self.bot_links[inbox.id] = BotLink(self._agent_bot(agent_bot_id).id)

    @locked
    def list_agent_bots(self, actor: Actor) -> list[AgentBot]:
        self._authorize(actor, "agent_bots.index")
        return [bot for bot in sorted(self.agent_bots.values(), key=lambda b: b.id)
                if bot.account_id in (None, actor.account.id)]

    # ----------------------------------------------------------------- other inbox actions
    @locked
    def inbox_campaigns(self, actor: Actor, inbox_id: int) -> list[tuple[Campaign, Inbox, User | None]]:
        """Each campaign with what its view shows: its inbox and its sender (if any)."""
        inbox = self._authorize(actor, "inboxes.campaigns", inbox_id)
        campaigns = sorted((c for c in self.campaigns.values() if c.inbox_id == inbox.id), key=lambda c: c.id)
        return [(c, inbox, self.users.get(c.sender_id) if c.sender_id is not None else None) for c in campaigns]

    @locked
    def sync_templates(self, actor: Actor, inbox_id: int) -> None:
        inbox = self._authorize(actor, "inboxes.sync_templates", inbox_id)
        whatsapp = inbox.kind.key == "whatsapp" or (
            inbox.kind.key == "twilio_sms" and inbox.channel.get("medium") == "whatsapp")
        if not whatsapp:
            raise ChannelActionUnsupported(422, "Template sync is only available for WhatsApp channels")

    @locked
    def health(self, actor: Actor, inbox_id: int) -> Inbox:
        """The checks `Whatsapp::HealthService` makes before it calls Meta (digest §2.5)."""
        inbox = self._authorize(actor, "inboxes.health", inbox_id)
        if inbox.kind.key != "whatsapp" or inbox.channel.get("provider") != "whatsapp_cloud":
            raise ChannelActionUnsupported(400, "Health data only available for WhatsApp Cloud API channels")
        config = inbox.channel.get("provider_config") or {}
        if blank(config.get("api_key")):
            raise HealthCheckFailed("API key is missing")
        if blank(config.get("phone_number_id")):
            raise HealthCheckFailed("Phone number ID is missing")
        return inbox

    @locked
    def assignable_agents(self, actor: Actor, inbox_id: int) -> list[User]:
        inbox = self._authorize(actor, "inboxes.assignable_agents", inbox_id)
        agents = self._account_members(actor.account, self.members.get(inbox.id, ()))
        admins = [u for u in self._account_users(actor.account) if u.roles[actor.account.id] == ADMINISTRATOR]
        return list({u.id: u for u in [*agents, *admins]}.values())

    # ----------------------------------------------------------------- inbox members
    @locked
    def inbox_members(self, actor: Actor, inbox_id: Any) -> list[User]:
        inbox = self._authorize(actor, "inbox_members.show", inbox_id)
        return self._account_members(actor.account, self.members.get(inbox.id, ()))

    @locked
    def add_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[int]) -> list[User]:
        inbox = self._authorize(actor, "inbox_members.create", inbox_id)
        current = self.members.get(inbox.id, [])
        self._insert_members(inbox, [u for u in user_ids if u not in current])
        return self._account_members(actor.account, self.members[inbox.id])

    @locked
    def update_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[int]) -> list[User]:
        inbox = self._authorize(actor, "inbox_members.update", inbox_id)
        current = list(self.members.get(inbox.id, []))
        # Ruby array differences on the raw values: added first, then the members of before the
        # call whose id is not in `user_ids` (a string "5" never equals the member 5) removed.
        self._insert_members(inbox, [u for u in user_ids if u not in current])
        self._touch("members", inbox.id)
        removed = {u for u in current if u not in user_ids}
        self.members[inbox.id] = [u for u in self.members[inbox.id] if u not in removed]
        return self._account_members(actor.account, self.members[inbox.id])

    @locked
    def remove_inbox_members(self, actor: Actor, inbox_id: Any, user_ids: list[Any]) -> None:
        inbox = self._authorize(actor, "inbox_members.destroy", inbox_id)
        # `where(user_id: user_ids)` casts the ids ("5" is 5); unknown, non-member or malformed ones
        # are ignored (digest §6).
        self._touch("members", inbox.id)
        removed = {rails_integer(u) for u in user_ids if not isinstance(u, dict | list)}
        self.members[inbox.id] = [u for u in self.members.get(inbox.id, []) if u not in removed]

    def _insert_members(self, inbox: Inbox, new_ids: list[Any]) -> None:
        """Insert each id as Chatwoot's transaction would, failing whole on the first bad one. The id
        is cast on insert ("5" is 5, "invalid" is 0: no such user)."""
        members = self.members.get(inbox.id, [])
        inserted: list[int] = []
        for raw in new_ids:
            user_id = rails_integer(raw) if not isinstance(raw, dict | list) else None
            if user_id not in self.users:
                raise RecordInvalid.single("user", "User must exist")
            if user_id in inserted or user_id in members:
                # Ruby's array difference keeps duplicates (and "5" differs from the member 5), so the
                # insert hits the unique index.
                raise RecordInvalid.single("user_id", "User has already been taken")
            inserted.append(user_id)
        self._touch("members", inbox.id)
        self.members.setdefault(inbox.id, []).extend(inserted)


#: The before-actions of the routes outside `InboxesController`, in Chatwoot's order (the store's
#: operations run the same checks again, so a direct caller of the store meets them too).
BEFORE_PARAMS: dict[str, Callable[[Store, Actor, Mapping[str, Any], Mapping[str, Any]], Any]] = {
    "inbox_csat_templates.show": lambda s, a, p, b: s._csat_inbox(a, p["id"]),
    "inbox_csat_templates.create": lambda s, a, p, b: s._csat_inbox(a, p["id"]),
    "inbox_assignment_policies.show": lambda s, a, p, b: (s._inbox(a, p["id"]), s._require_admin(a)),
    "inbox_assignment_policies.create": lambda s, a, p, b: (
        s._inbox(a, p["id"]), s._account_policy(a, b.get("assignment_policy_id")), s._require_admin(a)),
    "inbox_assignment_policies.destroy": lambda s, a, p, b: (s._inbox(a, p["id"]), s._require_admin(a)),
    "assignment_policies.index": lambda s, a, p, b: s._require_admin(a),
    "assignment_policies.create": lambda s, a, p, b: s._require_admin(a),
    "assignment_policies.show": lambda s, a, p, b: s.get_assignment_policy(a, p["id"]),
    "assignment_policies.update": lambda s, a, p, b: s.get_assignment_policy(a, p["id"]),
    "assignment_policies.destroy": lambda s, a, p, b: s.get_assignment_policy(a, p["id"]),
    "assignment_policy_inboxes.index": lambda s, a, p, b: s.get_assignment_policy(a, p["assignment_policy_id"]),
    "agent_bots.create": lambda s, a, p, b: s._require_admin(a),
    "agent_bots.show": lambda s, a, p, b: s.get_agent_bot(a, p["id"]),
    "agent_bots.update": lambda s, a, p, b: s._own_agent_bot(a, p["id"]),
    "agent_bots.destroy": lambda s, a, p, b: s._own_agent_bot(a, p["id"]),
    "twilio_channels.create": lambda s, a, p, b: s._require_admin(a),
    "assignable_agents.index": lambda s, a, p, b: None,
}
