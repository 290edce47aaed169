"""The records the store keeps. Plain data: the rules that change them live in `store`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.chatwoot.channels import ChannelKind

ADMINISTRATOR, AGENT = "administrator", "agent"

#: Inbox columns a request may set, with Chatwoot's column defaults (digest §5.1).
INBOX_DEFAULTS: dict[str, Any] = {
    "greeting_enabled": False,
    "greeting_message": None,
    "working_hours_enabled": False,
    "enable_email_collect": True,
    "csat_survey_enabled": False,
    "csat_config": {},
    "enable_auto_assignment": True,
    "auto_assignment_config": {},
    "out_of_office_message": None,
    "timezone": "UTC",
    "allow_messages_after_resolved": True,
    "lock_to_single_conversation": False,
    "sender_name_type": "friendly",
    "business_name": None,
    "portal_id": None,
}

WORKING_HOUR_KEYS = ("day_of_week", "closed_all_day", "open_hour", "open_minutes", "close_hour",
                     "close_minutes", "open_all_day")


def _day(day: int) -> dict[str, Any]:
    weekend = day in (0, 6)
    return {
        "day_of_week": day,
        "closed_all_day": weekend,
        "open_hour": None if weekend else 9,
        "open_minutes": None if weekend else 0,
        "close_hour": None if weekend else 17,
        "close_minutes": None if weekend else 0,
        "open_all_day": False,
    }


#: Scalars only, so that a row's copy is `dict(row)`: every inbox created gets them.
_DEFAULT_WORKING_HOURS = tuple(_day(day) for day in range(7))


def default_working_hours() -> list[dict[str, Any]]:
    """`create_default_working_hours`: weekends closed, weekdays 9:00 to 17:00 (digest §4.3)."""
    return [dict(row) for row in _DEFAULT_WORKING_HOURS]


@dataclass
class Account:
    id: int
    name: str
    status: str = "active"
    inbox_limit: int | None = None
    inbound_email_domain: str = "inbound.chatwoot-mock.test"

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass
class User:
    id: int
    name: str
    email: str
    access_token: str
    roles: dict[int, str] = field(default_factory=dict)  # account id -> role
    display_name: str | None = None
    availability_status: str = "online"
    auto_offline: bool = True
    confirmed: bool = True
    custom_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class AgentBot:
    id: int
    account_id: int | None
    name: str
    access_token: str
    description: str | None = None
    outgoing_url: str | None = None
    bot_type: str = "webhook"
    bot_config: dict[str, Any] = field(default_factory=dict)
    thumbnail: str = ""
    created_at: str = "2025-01-01T00:00:00.000Z"

    @property
    def system_bot(self) -> bool:
        return self.account_id is None


@dataclass
class Avatar:
    key: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Inbox:
    id: int
    account_id: int
    name: str
    kind: ChannelKind
    channel_id: int
    channel: dict[str, Any]
    attributes: dict[str, Any]
    working_hours: list[dict[str, Any]]
    created_at: str
    avatar: Avatar | None = None
    #: A new number from the store's counter whenever the inbox changes (`Tables._touch`): what a
    #: cache of its rendered view is keyed by.
    version: int = 0

    def undo_copy(self) -> Inbox:
        """The undo log's copy, made before a change (`Tables._touch`): its own attribute dict and
        list of working hours, the two things a write changes in place. Everything else is shared,
        as no write changes it in place, only replaces it: the channel (`Tables._replace_channel`),
        an attribute's value (`csat_config` is replaced whole), a working-hours row
        (`rules.update_working_hours`), the avatar, the channel kind (a constant). A deep copy of the
        channel was most of a PATCH's undo cost (a widget's pre-chat form: 10 us)."""
        clone = object.__new__(Inbox)
        clone.__dict__.update(self.__dict__)
        clone.attributes = dict(self.attributes)
        clone.working_hours = list(self.working_hours)
        return clone


@dataclass
class BotLink:
    agent_bot_id: int
    status: str = "active"


@dataclass
class Campaign:
    id: int
    display_id: int
    account_id: int
    inbox_id: int
    title: str
    message: str
    campaign_type: str
    created_at: str
    updated_at: str
    description: str | None = None
    sender_id: int | None = None
    campaign_status: str = "active"
    enabled: bool = True
    scheduled_at: int | None = None
    audience: list[Any] | None = None
    trigger_rules: dict[str, Any] = field(default_factory=dict)
    trigger_only_during_business_hours: bool = False
    template_params: dict[str, Any] | None = None


@dataclass
class Actor:
    """Who is calling, in which account, with which role: what every rule is decided on."""

    user: User
    account: Account

    @property
    def role(self) -> str:
        return self.user.roles[self.account.id]

    @property
    def is_admin(self) -> bool:
        return self.role == ADMINISTRATOR
