"""Channels per type: the attributes a real inbox of each of Chatwoot's channel types has, and the
names a support team gives such inboxes. `ChannelFactory` hands them out one by one (the pytest
plugin's `add_inbox`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.state.fixture_sets.values import ALNUM, BASE64, DEFAULT_SEED, FixtureSetError, Values

#: The order a large installation's inboxes cycle through: every channel type the store knows.
LARGE_KIND_CYCLE = ("web_widget", "api", "email", "whatsapp", "sms", "telegram", "line", "twilio_sms")

# Names a support team gives its inboxes, per channel type; e-mail inboxes also take their address's
# local part from here.
_INBOX_NAMES = {
    "web_widget": ("Website Chat", "Live Chat", "Help Center Chat", "Store Chat", "Docs Chat", "Checkout Help"),
    "api": ("Mobile App", "In-App Support", "Customer Portal", "Partner Portal", "Android App", "iOS App"),
    "email": (("Support Email", "support"), ("Billing", "billing"), ("Sales Inbox", "sales"),
              ("Returns", "returns"), ("Help Desk", "help"), ("Partnerships", "partners")),
    "whatsapp": ("WhatsApp Support", "WhatsApp Orders", "WhatsApp Sales", "WhatsApp Delivery Updates"),
    "sms": ("SMS Alerts", "SMS Support", "Text Us", "Delivery Texts"),
    "telegram": ("Telegram Bot", "Telegram Support", "Telegram Orders"),
    "line": ("LINE Official Account", "LINE Support", "LINE Japan"),
    "twilio_sms": ("Twilio SMS", "Appointment Reminders", "Twilio WhatsApp"),
}
_WELCOME_TITLES = ("Hi there!", "Hello!", "Welcome!", "Need a hand?", "Hey, how can we help?")
_TAGLINES = ("Questions about an order or your account? We're here to help.",
             "We usually reply in a few minutes.", "Ask us anything, or share your feedback.",
             "Our team is online and happy to help.")
_FEATURE_FLAGS = ("attachments", "emoji_picker", "end_conversation", "use_inbox_avatar_for_bot")


def web_widget(v: Values, domain: str) -> dict[str, Any]:
    host = f"{v.pick(('www', 'shop', 'help', 'app', 'docs'))}.{domain}"
    return {
        "type": "web_widget",
        "website_url": f"https://{host}",
        "widget_color": v.fake.hex_color(),
        "welcome_title": v.pick(_WELCOME_TITLES),
        "welcome_tagline": v.pick(_TAGLINES),
        "reply_time": v.pick(("in_a_few_minutes", "in_a_few_hours", "in_a_day")),
        "pre_chat_form_enabled": v.fake.boolean(),
        "continuity_via_email": v.fake.boolean(75),
        "hmac_mandatory": v.fake.boolean(25),
        "allowed_domains": f"{host},*.{domain}",
        "selected_feature_flags": sorted(v.fake.random_sample(_FEATURE_FLAGS, length=3)),
        "website_token": v.token(),
        "hmac_token": v.token(),
    }


def api(v: Values, domain: str) -> dict[str, Any]:
    return {
        "type": "api",
        "webhook_url": f"https://hooks.{domain}/chatwoot/{v.fake.uri_path(deep=1)}",
        "hmac_mandatory": v.fake.boolean(),
        "additional_attributes": {},
        "identifier": v.token(),
        "hmac_token": v.token(),
    }


def email(v: Values, local: str, domain: str, inbound_domain: str) -> dict[str, Any]:
    address = v.mailbox(local, domain)
    hosting = v.pick(("own", "google", "microsoft"))
    imap, smtp = {"own": (f"imap.{domain}", f"smtp.{domain}"), "google": ("imap.gmail.com", "smtp.gmail.com"),
                  "microsoft": ("outlook.office365.com", "smtp.office365.com")}[hosting]
    implicit_tls = hosting == "own" and v.fake.boolean()
    return {
        "type": "email",
        "email": address,
        "imap_enabled": True,
        "imap_login": address,
        "imap_password": v.fake.password(length=16),
        "imap_address": imap,
        "imap_port": 993,
        "imap_enable_ssl": True,
        "smtp_enabled": True,
        "smtp_login": address,
        "smtp_password": v.fake.password(length=16),
        "smtp_address": smtp,
        "smtp_port": 465 if implicit_tls else 587,
        "smtp_domain": domain,
        "smtp_enable_starttls_auto": not implicit_tls,
        "smtp_enable_ssl_tls": implicit_tls,
        "smtp_openssl_verify_mode": "none",
        "smtp_authentication": "login",
        "provider": None,
        "forward_to_email": f"{v.fake.hexify('^' * 32)}@{inbound_domain}",
    }


def whatsapp(v: Values, company: str, cloud: bool) -> dict[str, Any]:
    """Both of Chatwoot's providers: Meta's Cloud API (`whatsapp_cloud`) and 360dialog (`default`)."""
    templates = [{
        "id": v.digits(15),
        "name": "order_shipped",
        "status": "APPROVED",
        "category": "UTILITY",
        "language": "en_US",
        "components": [{"type": "BODY",
                        "text": f"Hi {{{{1}}}}, your {company} order {{{{2}}}} has shipped and should "
                                "arrive by {{3}}."}],
    }]
    if cloud:
        config = {"api_key": "EAAG" + v.chars(ALNUM, 60), "phone_number_id": v.digits(15),
                  "business_account_id": v.digits(15), "webhook_verify_token": v.fake.hexify("^" * 16)}
    else:
        config = {"api_key": v.chars(ALNUM, 32)}
    return {"type": "whatsapp", "phone_number": v.phone(),
            "provider": "whatsapp_cloud" if cloud else "default", "provider_config": config,
            "message_templates": templates}


def sms(v: Values) -> dict[str, Any]:
    """Chatwoot's `Channel::Sms` is Bandwidth's API."""
    return {"type": "sms", "phone_number": v.phone(), "provider_config": {
        "api_key": v.chars(ALNUM, 32), "api_secret": v.chars(ALNUM, 40),
        "application_id": v.fake.uuid4(), "account_id": v.digits(7)}}


def telegram(v: Values, domain: str) -> dict[str, Any]:
    handle = domain.split(".")[0].replace("-", "_")[:20]
    return {"type": "telegram", "bot_token": v.telegram_token(),
            "bot_name": f"{handle}_{v.pick(('support', 'help', 'orders'))}_bot"}


def line(v: Values) -> dict[str, Any]:
    return {"type": "line", "line_channel_id": v.line_channel_id(),
            "line_channel_secret": v.fake.hexify("^" * 32),
            "line_channel_token": v.chars(BASE64, 171) + "="}


def twilio_sms(v: Values) -> dict[str, Any]:
    medium = v.pick(("sms", "sms", "whatsapp"))
    service = v.fake.boolean(30)
    return {"type": "twilio_sms", "account_sid": "AC" + v.fake.hexify("^" * 32),
            "auth_token": v.fake.hexify("^" * 32), "medium": medium,
            "phone_number": None if service else v.phone(),
            "messaging_service_sid": "MG" + v.fake.hexify("^" * 32) if service else None}


#: The builders of the channel types whose attributes depend on the domain alone, or on nothing.
_BY_DOMAIN: dict[str, Callable[[Values, str], dict[str, Any]]] = {
    "web_widget": web_widget, "api": api, "telegram": telegram}
_PLAIN: dict[str, Callable[[Values], dict[str, Any]]] = {"sms": sms, "line": line, "twilio_sms": twilio_sms}


def named_channel(v: Values, kind: str, company: str, domain: str, inbound_domain: str) -> tuple[str, dict[str, Any]]:
    """An inbox name a support team would give a channel of `kind`, and the channel."""
    name = v.pick(_INBOX_NAMES[kind])
    if kind == "email":
        name, local = name
        return name, email(v, local, domain, inbound_domain)
    if kind == "whatsapp":  # the two providers in turn
        return name, whatsapp(v, company, cloud=v.next_index("whatsapp") % 2 == 0)
    if kind in _BY_DOMAIN:
        return name, _BY_DOMAIN[kind](v, domain)
    return name, _PLAIN[kind](v)


class ChannelFactory:
    """Realistic inbox names and channel attributes of any channel type, for tests that add
    inboxes one by one (the pytest plugin's `add_inbox`). Unique values (phones, e-mails, bot
    tokens, LINE ids) never repeat within one factory."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._values = Values(seed)
        self.company, self.domain = self._values.company()

    def inbox(self, kind: str) -> tuple[str, dict[str, Any]]:
        if kind not in LARGE_KIND_CYCLE:
            raise FixtureSetError(f"unknown channel type {kind!r}; choose one of {', '.join(LARGE_KIND_CYCLE)}")
        name, channel = named_channel(self._values, kind, self.company, self.domain, inbound_domain="")
        # The forwarding address belongs to the account the inbox joins: the store makes it from
        # that account's inbound domain (channels.fill_generated), as Chatwoot does.
        channel.pop("forward_to_email", None)
        return name, channel
