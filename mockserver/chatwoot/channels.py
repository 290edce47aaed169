"""What each channel type permits, defaults, generates and validates (digest §2.2, §2.3, §5.3).

Pure data and functions: no state, no Flask. The store asks this module how to turn request
parameters into a channel and back.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.chatwoot.copying import Template, copied
from mockserver.chatwoot.errors import FieldProblem
from mockserver.chatwoot.profiles import Profile

BOOL, INT, STR, OBJ, LIST = "bool", "int", "str", "obj", "list"

DEFAULT_PRE_CHAT_FORM_OPTIONS: dict[str, Any] = {
    "pre_chat_message": "Share your queries or comments here.",
    "pre_chat_fields": [
        {"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email",
         "required": True, "enabled": False},
        {"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text",
         "required": False, "enabled": False},
        {"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text",
         "required": False, "enabled": False},
    ],
}

#: The web widget's feature flags in their bit order (flag_shih_tzu's `has_flags`, digest §4.2 field 32).
FEATURE_FLAGS = ("attachments", "emoji_picker", "end_conversation", "use_inbox_avatar_for_bot")
# Chatwoot's feature_flags default of 7 (digest §4.2, field 32).
DEFAULT_FEATURE_FLAGS = list(FEATURE_FLAGS[:3])

_BASE58 = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# A random byte's low 6 bits index the alphabet; the bytes whose index is past it are dropped.
_BASE58_OF_BYTE = bytes(_BASE58[byte & 63] if byte & 63 < 58 else 0 for byte in range(256))
_PAST_BASE58 = bytes(byte for byte in range(256) if byte & 63 >= 58)


def secure_token(length: int = 24) -> str:
    """Rails' `has_secure_token`: base58, 24 characters, each uniform over the alphabet as
    ActiveSupport's `SecureRandom.base58` draws them: one random byte a character, its low 6 bits
    the index, an index past the alphabet drawn again. Here the draws are one `urandom` call of
    twice the length, mapped and the misses dropped in one `bytes.translate` (a character at a
    time, with `secrets.choice` for a miss, took 8 us a token; an API inbox has two)."""
    drawn = b""
    while len(drawn) < length:  # 24 of 48 bytes missing the alphabet: odds below 1e-12
        drawn += secrets.token_bytes(2 * length).translate(_BASE58_OF_BYTE, _PAST_BASE58)
    return drawn[:length].decode("ascii")


@dataclass(frozen=True)
class ChannelKind:
    key: str
    class_name: str
    #: EDITABLE_ATTRS with the type a form value is cast to.
    editable: Mapping[str, str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Attributes whose presence the model validates, in declaration order.
    required: tuple[str, ...] = ()
    #: Attributes unique across the installation.
    unique: tuple[str, ...] = ()
    #: Attributes limited to a list of values (`validates inclusion`).
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Created through POST /inboxes (TwilioSms is not: digest §1.2).
    creatable: bool = True
    #: Keeps `reauthorization_required` and is cleared by `reauthorized!` on update.
    reauthorizable: bool = False

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # A store snapshot (pickle) refers to the one shared kind by its key instead of copying it.
        return kind_named, (self.key,)

    def new_defaults(self) -> dict[str, Any]:
        """A copy of `defaults`, for a new channel."""
        return self._defaults_template.new()

    @functools.cached_property
    def _defaults_template(self) -> Template:
        return Template(self.defaults)


_EMAIL_EDITABLE = {
    "email": STR, "imap_enabled": BOOL, "imap_login": STR, "imap_password": STR, "imap_address": STR,
    "imap_port": INT, "imap_enable_ssl": BOOL, "smtp_enabled": BOOL, "smtp_login": STR,
    "smtp_password": STR, "smtp_address": STR, "smtp_port": INT, "smtp_domain": STR,
    "smtp_enable_starttls_auto": BOOL, "smtp_enable_ssl_tls": BOOL, "smtp_openssl_verify_mode": STR,
    "smtp_authentication": STR, "provider": STR, "verified_for_sending": BOOL,
}

KINDS: dict[str, ChannelKind] = {
    kind.key: kind
    for kind in (
        ChannelKind(
            "web_widget", "Channel::WebWidget",
            editable={
                "website_url": STR, "widget_color": STR, "welcome_title": STR, "welcome_tagline": STR,
                "reply_time": STR, "pre_chat_form_enabled": BOOL, "continuity_via_email": BOOL,
                "hmac_mandatory": BOOL, "allowed_domains": STR, "pre_chat_form_options": OBJ,
                "selected_feature_flags": LIST,
            },
            defaults={
                "website_url": None, "widget_color": "#1f93ff", "welcome_title": None,
                "welcome_tagline": None, "reply_time": "in_a_few_minutes", "pre_chat_form_enabled": False,
                "continuity_via_email": True, "hmac_mandatory": False, "allowed_domains": "",
                "pre_chat_form_options": DEFAULT_PRE_CHAT_FORM_OPTIONS,
                "selected_feature_flags": DEFAULT_FEATURE_FLAGS,
            },
            required=("website_url", "widget_color"),
        ),
        ChannelKind(
            "api", "Channel::Api",
            editable={"webhook_url": STR, "hmac_mandatory": BOOL, "additional_attributes": OBJ},
            defaults={"webhook_url": None, "hmac_mandatory": False, "additional_attributes": {}},
        ),
        ChannelKind(
            "email", "Channel::Email",
            editable=_EMAIL_EDITABLE,
            defaults={
                "email": None, "imap_enabled": False, "imap_login": "", "imap_password": "",
                "imap_address": "", "imap_port": 0, "imap_enable_ssl": True, "smtp_enabled": False,
                "smtp_login": "", "smtp_password": "", "smtp_address": "", "smtp_port": 0,
                "smtp_domain": "", "smtp_enable_starttls_auto": True, "smtp_enable_ssl_tls": False,
                "smtp_openssl_verify_mode": "none", "smtp_authentication": "login", "provider": None,
                "verified_for_sending": False,
            },
            required=("email",), unique=("email",), reauthorizable=True,
        ),
        ChannelKind(
            "line", "Channel::Line",
            editable={"line_channel_id": STR, "line_channel_secret": STR, "line_channel_token": STR},
            required=("line_channel_id", "line_channel_secret", "line_channel_token"),
            unique=("line_channel_id",),
        ),
        ChannelKind(
            "telegram", "Channel::Telegram",
            editable={"bot_token": STR},
            required=("bot_token",), unique=("bot_token",),
        ),
        ChannelKind(
            "whatsapp", "Channel::Whatsapp",
            editable={"phone_number": STR, "provider": STR, "provider_config": OBJ},
            defaults={"provider": "default", "provider_config": {}, "message_templates": {}},
            required=("phone_number",), unique=("phone_number",), reauthorizable=True,
            choices={"provider": ("default", "whatsapp_cloud")},
        ),
        ChannelKind(
            "sms", "Channel::Sms",
            editable={"phone_number": STR, "provider_config": OBJ},
            defaults={"provider": "default", "provider_config": {}},
            required=("phone_number",), unique=("phone_number",),
        ),
        ChannelKind(
            "twilio_sms", "Channel::TwilioSms",
            editable={"account_sid": STR, "auth_token": STR},
            defaults={"medium": "sms", "messaging_service_sid": None, "phone_number": None,
                      "content_templates": {}},
            required=("account_sid", "auth_token"), unique=("phone_number", "messaging_service_sid"),
            creatable=False,
        ),
    )
}

CREATABLE_TYPES: tuple[str, ...] = tuple(k for k, kind in KINDS.items() if kind.creatable)
KIND_BY_CLASS: dict[str, ChannelKind] = {kind.class_name: kind for kind in KINDS.values()}


def humanize(attribute: str) -> str:
    """Rails' `humanize`: 'line_channel_id' -> 'Line channel', 'website_url' -> 'Website url'."""
    text = attribute.removesuffix("_id").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


#: What Python's `str.strip` and `\s` take for white space and Ruby's `[[:space:]]` (Unicode's
#: White_Space, which `blank?` matches) does not: the four information separators. Rails keeps
#: "\x1c" a value.
_NOT_RUBY_SPACE = frozenset("\x1c\x1d\x1e\x1f")
#: The spec's pattern for a string that is not `blank?`, the same in Python's `re` (both request
#: validators, Schemathesis) and ECMA 262: a character that is no white space in Ruby's sense.
NOT_BLANK_PATTERN = r"\S|[\x1c-\x1f]"


def blank(value: Any) -> bool:
    """Rails' `blank?`: None, empty or whitespace-only strings, empty collections, False."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip() and _NOT_RUBY_SPACE.isdisjoint(value)
    if isinstance(value, dict | list | tuple | set):
        return not value
    return False


def kind_named(key: str) -> ChannelKind:
    return KINDS[key]


def resolve_creation_kind(channel_params: Mapping[str, Any], profile: Profile) -> ChannelKind | None:
    """The kind a POST /inboxes `channel` creates, or None when Chatwoot would create nothing."""
    key = channel_params.get("type")
    if not isinstance(key, str) or key not in CREATABLE_TYPES:
        return None
    # The documents describe `sms` as "SMS via Twilio" with a Twilio account SID and auth token;
    # in Chatwoot such an inbox is a Channel::TwilioSms (digest §1.2).
    if (key == "sms" and profile is Profile.DOCS
            and ("account_sid" in channel_params or "auth_token" in channel_params)):
        return KINDS["twilio_sms"]
    return KINDS[key]


def permitted_channel_params(kind: ChannelKind, params: Mapping[str, Any], profile: Profile) -> dict:
    """The subset of `channel` params a kind permits, with the documents' spellings honoured in
    the `docs` profile. Chatwoot drops every other key silently (digest §2.2)."""
    params = dict(params)
    if profile is Profile.DOCS:
        params = _apply_documented_spellings(kind, params)
    return {k: copied(v) for k, v in params.items() if k in kind.editable}


def _apply_documented_spellings(kind: ChannelKind, params: dict) -> dict:
    if kind.key == "email":
        for documented, actual in (("imap_email", "imap_login"), ("smtp_email", "smtp_login")):
            if documented in params and actual not in params:
                params[actual] = params[documented]
    elif kind.key == "whatsapp" and "api_key" in params:
        config = dict(params.get("provider_config") or {})
        config.setdefault("api_key", params["api_key"])
        params["provider_config"] = config
    return params


def new_channel_attributes(kind: ChannelKind, params: Mapping[str, Any], *, inbound_email_domain: str,
                           profile: Profile) -> dict:
    """Defaults, then the permitted params, then the values Chatwoot generates on create."""
    attrs = kind.new_defaults()
    attrs.update(permitted_channel_params(kind, params, profile))
    if kind.key == "twilio_sms":
        attrs["phone_number"] = params.get("phone_number")
    normalise(kind, attrs)
    fill_generated(kind, attrs, inbound_email_domain)
    return attrs


def fill_generated(kind: ChannelKind, attrs: dict, inbound_email_domain: str) -> None:
    """The values Chatwoot generates on create, where `attrs` has none yet (a state document may
    give them, to keep them stable from run to run)."""
    if kind.key in ("web_widget", "api") and "hmac_token" not in attrs:
        attrs["hmac_token"] = secure_token()
    if kind.key == "web_widget" and "website_token" not in attrs:
        attrs["website_token"] = secure_token()
    if kind.key == "api" and "identifier" not in attrs:
        attrs["identifier"] = secure_token()
    if kind.key == "email" and "forward_to_email" not in attrs:
        attrs["forward_to_email"] = f"{secrets.token_hex(16)}@{inbound_email_domain}"
    if kind.key == "telegram" and "bot_name" not in attrs:
        attrs["bot_name"] = stub_telegram_bot_name(attrs.get("bot_token"))


def normalise(kind: ChannelKind, attrs: dict) -> None:
    """Model callbacks that rewrite values before validation (on create and on every update)."""
    if kind.key == "whatsapp" and attrs.get("provider") == "whatsapp_cloud":
        # `ensure_webhook_verify_token`: an update that replaces provider_config gets a new one.
        config = attrs["provider_config"] = dict(attrs.get("provider_config") or {})
        if "webhook_verify_token" not in config:
            config["webhook_verify_token"] = secrets.token_hex(8)
    if kind.key == "web_widget":
        options = attrs.get("pre_chat_form_options")
        # `validate_pre_chat_options` resets the whole object when its fields are blank (digest §4.3).
        if not isinstance(options, dict) or blank(options.get("pre_chat_fields")):
            attrs["pre_chat_form_options"] = copied(DEFAULT_PRE_CHAT_FORM_OPTIONS)
        flags = attrs.get("selected_feature_flags")
        if isinstance(flags, list):
            attrs["selected_feature_flags"] = selected_feature_flags(flags)


def selected_feature_flags(flags: list[Any]) -> list[Any]:
    """The flags as Chatwoot reads them back from its bit field: each once, in bit order (a
    repeated flag sets the same bit twice)."""
    known = [flag for flag in FEATURE_FLAGS if flag in flags]
    # Unknown values cannot reach here through the API (the spec's enum); kept, once, after the rest.
    unknown = [flag for i, flag in enumerate(flags) if flag not in FEATURE_FLAGS and flag not in flags[:i]]
    return known + unknown


def stub_telegram_bot_name(bot_token: Any) -> str | None:
    """Chatwoot asks Telegram's getMe for the bot's username; the mock derives one from the token."""
    if not isinstance(bot_token, str) or ":" not in bot_token:
        return None
    return f"mock_bot_{bot_token.split(':', 1)[0]}"


def presence_problems(kind: ChannelKind, attrs: Mapping[str, Any]) -> list[FieldProblem]:
    """Presence, then inclusion: the model's validations that need no other record."""
    problems = [FieldProblem(a, f"{humanize(a)} can't be blank") for a in kind.required if blank(attrs.get(a))]
    problems += [FieldProblem(a, f"{humanize(a)} is not included in the list")
                 for a, allowed in kind.choices.items() if attrs.get(a) not in allowed]
    problems += [FieldProblem(a, f"{humanize(a)} is too long (maximum is {limit} characters)")
                 for a, limit in MAX_LENGTHS.get(kind.key, {}).items()
                 if isinstance(attrs.get(a), str) and len(attrs[a]) > limit]
    return problems


#: `validates :webhook_url, length: { maximum: Limits::URL_LENGTH_LIMIT }` (digest §5.3).
MAX_LENGTHS: dict[str, dict[str, int]] = {"api": {"webhook_url": 2048}}
#: What Telegram's getMe accepts: `<bot id>:<secret>`; the mock checks the form instead of asking.
TELEGRAM_TOKEN = re.compile(r"^[0-9]{5,12}:[A-Za-z0-9_-]{30,50}$")


def creation_problems(kind: ChannelKind, attrs: Mapping[str, Any]) -> list[FieldProblem]:
    """Validations that run on create only: Telegram's `ensure_valid_bot_token` (getMe, stubbed)."""
    token = attrs.get("bot_token")
    if kind.key == "telegram" and not blank(token) and not (isinstance(token, str) and TELEGRAM_TOKEN.match(token)):
        return [FieldProblem("bot_token", "Bot token invalid token")]
    return []


def unique_values(kind: ChannelKind, attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {a: attrs.get(a) for a in kind.unique if not blank(attrs.get(a))}
