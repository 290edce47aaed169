"""Seeded state documents: the demo, an empty account, and a large installation.

`generate(name, seed=..., inboxes=...)` returns a state document (format
`fixtures/state.schema.json`) that `state_document.build_store` loads. The same name, seed and size
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
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from mockserver.state.document import demo_document, read_document

SET_NAMES = ("demo", "empty", "large")
DEFAULT_SEED = 1
DEFAULT_LARGE_INBOXES = 10_000
MAX_INBOXES = 100_000  # Chatwoot's community inbox limit per installation's account (digest §2.3)
LARGE_ACCOUNTS = 5
LOCALE = "en_US"

#: Every date in a document lies in this window.
WINDOW_START = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)

#: The order a large installation's inboxes cycle through: every channel type the store knows.
LARGE_KIND_CYCLE = ("web_widget", "api", "email", "whatsapp", "sms", "telegram", "line", "twilio_sms")

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_BASE64 = _ALNUM + "+/"

#: North American area codes of the form NXX with a middle digit below 9 (N9X is reserved) and no
#: N11 service codes. With exchange 555 and lines 0100-0199 (reserved for fiction), no number is
#: anyone's real one: 71,200 numbers.
_NPAS = tuple(n for n in range(200, 1000) if (n // 10) % 10 != 9 and n % 100 != 11)
_FICTION_LINES = 100
#: A prime that divides none of the ranges it spreads over: i -> (offset + i * STRIDE) % size is
#: then a permutation, so distinct counters give distinct values in a scattered order.
_STRIDE = 1_000_003

_TIMEZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
              "Europe/Berlin", "Europe/Madrid", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
              "Africa/Johannesburg")
_COMPANY_NOISE = {"and", "inc", "llc", "ltd", "plc", "group", "sons", "co"}

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
_TEAM_SUFFIXES = ("EMEA", "APAC", "US", "LATAM", "DACH", "UK", "Tier 2", "VIP", "Enterprise", "Night Shift")
_WELCOME_TITLES = ("Hi there!", "Hello!", "Welcome!", "Need a hand?", "Hey, how can we help?")
_TAGLINES = ("Questions about an order or your account? We're here to help.",
             "We usually reply in a few minutes.", "Ask us anything, or share your feedback.",
             "Our team is online and happy to help.")
_GREETINGS = ("Hi! Ask us anything about your {company} order.",
              "Thanks for contacting {company}. An agent will reply shortly.",
              "Hello from {company} support! How can we help today?")
_CSAT_MESSAGES = ("How would you rate the help you received?", "How did we do?",
                  "Please rate your conversation with our team.")
_CSAT_BUTTONS = ("Please rate us", "Rate this conversation", "Give feedback")
_BOT_NAMES = ("Support Triage Bot", "Order Status Bot", "Returns Assistant", "FAQ Bot", "Booking Bot")
_TEAMS = ("Tier 1", "Tier 2", "Billing", "Onboarding", "Escalations")
_SHIFTS = ("EMEA", "Americas", "APAC")
_ONGOING = (("Pricing page help", "pricing", "Comparing plans? Our team can help you pick the right one."),
            ("Checkout assistance", "checkout", "Having trouble checking out? Chat with us and we'll sort it out."),
            ("Docs helper", "docs", "Can't find what you need in the docs? Ask us."),
            ("Welcome back", "", "Welcome back! Anything we can help you with today?"))
_ONE_OFF = (("Spring sale announcement", "{company} spring sale: 20% off all accessories this week. "
             "Reply STOP to opt out."),
            ("Delivery delay notice", "Heads up from {company}: deliveries may take a day longer this week."),
            ("Appointment reminder", "Reminder from {company}: your appointment is tomorrow. Reply C to confirm."))
_FEATURE_FLAGS = ("attachments", "emoji_picker", "end_conversation", "use_inbox_avatar_for_bot")


class FixtureSetError(ValueError):
    """An unknown set, or a size or seed the set cannot take."""


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
    builder = _Builder(seed)
    if name == "demo":
        return builder.demo()
    if name == "empty":
        return builder.empty()
    return builder.large(DEFAULT_LARGE_INBOXES if inboxes is None else inboxes)


def dumps(document: dict[str, Any]) -> str:
    """The one serialised form: two-space indent, UTF-8 text as is, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _document(**parts: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("accounts", "users", "agent_bots", "inboxes", "inbox_members", "agent_bot_inboxes", "campaigns")
    return {"version": 1, **{key: parts.get(key, []) for key in keys}}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    """One seeded Faker and the counters that keep unique values unique within a document."""

    def __init__(self, seed: int) -> None:
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
        return [_stamp(m) for m in sorted(self.moment() for _ in range(count))]

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
        return f"{bot_id}:AA{self.chars(_URLSAFE, 33)}"

    def line_channel_id(self) -> str:
        return str(1_600_000_000 + self.spread("line", 10**8))

    def token(self, length: int = 24) -> str:
        """Rails' has_secure_token shape (base58), seeded so that answers repeat run after run."""
        return self.chars(_BASE58, length)

    # ------------------------------------------------------------------ people and companies
    def company(self) -> tuple[str, str]:
        """A company name and its domain under `.example` (RFC 2606: never a real site or mailbox)."""
        name = self.fake.company()
        words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in _COMPANY_NOISE]
        slug = "-".join(words[:2]) or "company"
        domain = self.unique(f"{slug}.example", lambda n: f"{slug}{n}.example")
        return name, domain

    def person(self, domain: str) -> tuple[str, str, str]:
        first, last = self.fake.first_name(), self.fake.last_name()
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email = self.unique(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")
        return f"{first} {last}", first, email

    def mailbox(self, local: str, domain: str) -> str:
        return self.unique(f"{local}@{domain}", lambda n: f"{local}{n}@{domain}")

    # ------------------------------------------------------------------ channels
    def web_widget(self, domain: str) -> dict[str, Any]:
        host = f"{self.pick(('www', 'shop', 'help', 'app', 'docs'))}.{domain}"
        return {
            "type": "web_widget",
            "website_url": f"https://{host}",
            "widget_color": self.fake.hex_color(),
            "welcome_title": self.pick(_WELCOME_TITLES),
            "welcome_tagline": self.pick(_TAGLINES),
            "reply_time": self.pick(("in_a_few_minutes", "in_a_few_hours", "in_a_day")),
            "pre_chat_form_enabled": self.fake.boolean(),
            "continuity_via_email": self.fake.boolean(75),
            "hmac_mandatory": self.fake.boolean(25),
            "allowed_domains": f"{host},*.{domain}",
            "selected_feature_flags": sorted(self.fake.random_sample(_FEATURE_FLAGS, length=3)),
            "website_token": self.token(),
            "hmac_token": self.token(),
        }

    def api(self, domain: str) -> dict[str, Any]:
        return {
            "type": "api",
            "webhook_url": f"https://hooks.{domain}/chatwoot/{self.fake.uri_path(deep=1)}",
            "hmac_mandatory": self.fake.boolean(),
            "additional_attributes": {},
            "identifier": self.token(),
            "hmac_token": self.token(),
        }

    def email(self, local: str, domain: str, inbound_domain: str) -> dict[str, Any]:
        address = self.mailbox(local, domain)
        hosting = self.pick(("own", "google", "microsoft"))
        imap, smtp = {"own": (f"imap.{domain}", f"smtp.{domain}"), "google": ("imap.gmail.com", "smtp.gmail.com"),
                      "microsoft": ("outlook.office365.com", "smtp.office365.com")}[hosting]
        implicit_tls = hosting == "own" and self.fake.boolean()
        return {
            "type": "email",
            "email": address,
            "imap_enabled": True,
            "imap_login": address,
            "imap_password": self.fake.password(length=16),
            "imap_address": imap,
            "imap_port": 993,
            "imap_enable_ssl": True,
            "smtp_enabled": True,
            "smtp_login": address,
            "smtp_password": self.fake.password(length=16),
            "smtp_address": smtp,
            "smtp_port": 465 if implicit_tls else 587,
            "smtp_domain": domain,
            "smtp_enable_starttls_auto": not implicit_tls,
            "smtp_enable_ssl_tls": implicit_tls,
            "smtp_openssl_verify_mode": "none",
            "smtp_authentication": "login",
            "provider": None,
            "forward_to_email": f"{self.fake.hexify('^' * 32)}@{inbound_domain}",
        }

    def whatsapp(self, company: str, cloud: bool) -> dict[str, Any]:
        """Both of Chatwoot's providers: Meta's Cloud API (`whatsapp_cloud`) and 360dialog (`default`)."""
        templates = [{
            "id": self.digits(15),
            "name": "order_shipped",
            "status": "APPROVED",
            "category": "UTILITY",
            "language": "en_US",
            "components": [{"type": "BODY",
                            "text": f"Hi {{{{1}}}}, your {company} order {{{{2}}}} has shipped and should "
                                    "arrive by {{3}}."}],
        }]
        if cloud:
            config = {"api_key": "EAAG" + self.chars(_ALNUM, 60), "phone_number_id": self.digits(15),
                      "business_account_id": self.digits(15), "webhook_verify_token": self.fake.hexify("^" * 16)}
        else:
            config = {"api_key": self.chars(_ALNUM, 32)}
        return {"type": "whatsapp", "phone_number": self.phone(),
                "provider": "whatsapp_cloud" if cloud else "default", "provider_config": config,
                "message_templates": templates}

    def sms(self) -> dict[str, Any]:
        """Chatwoot's `Channel::Sms` is Bandwidth's API."""
        return {"type": "sms", "phone_number": self.phone(), "provider_config": {
            "api_key": self.chars(_ALNUM, 32), "api_secret": self.chars(_ALNUM, 40),
            "application_id": self.fake.uuid4(), "account_id": self.digits(7)}}

    def telegram(self, domain: str) -> dict[str, Any]:
        handle = domain.split(".")[0].replace("-", "_")[:20]
        return {"type": "telegram", "bot_token": self.telegram_token(),
                "bot_name": f"{handle}_{self.pick(('support', 'help', 'orders'))}_bot"}

    def line(self) -> dict[str, Any]:
        return {"type": "line", "line_channel_id": self.line_channel_id(),
                "line_channel_secret": self.fake.hexify("^" * 32),
                "line_channel_token": self.chars(_BASE64, 171) + "="}

    def twilio_sms(self) -> dict[str, Any]:
        medium = self.pick(("sms", "sms", "whatsapp"))
        service = self.fake.boolean(30)
        return {"type": "twilio_sms", "account_sid": "AC" + self.fake.hexify("^" * 32),
                "auth_token": self.fake.hexify("^" * 32), "medium": medium,
                "phone_number": None if service else self.phone(),
                "messaging_service_sid": "MG" + self.fake.hexify("^" * 32) if service else None}

    def named_channel(self, kind: str, company: str, domain: str, inbound_domain: str) -> tuple[str, dict[str, Any]]:
        """An inbox name a support team would give a channel of `kind`, and the channel."""
        name = self.pick(_INBOX_NAMES[kind])
        if kind == "email":
            name, local = name
            return name, self.email(local, domain, inbound_domain)
        if kind == "whatsapp":  # the two providers in turn
            return name, self.whatsapp(company, cloud=self.next_index("whatsapp") % 2 == 0)
        if kind in ("web_widget", "api", "telegram"):
            return name, getattr(self, kind)(domain)
        return name, getattr(self, kind)()

    # ------------------------------------------------------------------ inbox settings
    def working_hours(self) -> tuple[list[dict[str, Any]], str]:
        """A week (digest §5.2) and the out-of-office text that describes it."""
        shape = self.pick(("weekdays", "long_week", "always"))
        rows = _week(shape)
        text = {"weekdays": "Mon-Fri, 9am-5pm", "long_week": "Mon-Sat, 8:30am-8pm", "always": "around the clock"}
        return rows, (f"We're offline right now. Leave a message and we'll reply during business hours "
                      f"({text[shape]}).")

    def csat(self) -> dict[str, Any]:
        return {"display_type": self.pick(("emoji", "star")), "message": self.pick(_CSAT_MESSAGES),
                "button_text": self.pick(_CSAT_BUTTONS), "language": "en",
                "survey_rules": {"operator": self.pick(("contains", "does_not_contain")),
                                 "values": self.fake.random_sample(("vip", "billing", "bug", "feedback"), length=1)}}

    # ------------------------------------------------------------------ sets
    def empty(self) -> dict[str, Any]:
        company, domain = self.company()
        admin, admin_first, admin_email = self.person(domain)
        agent, _, agent_email = self.person(domain)
        return _document(
            accounts=[{"id": 1, "name": company, "status": "active", "inbox_limit": None}],
            users=[
                {"id": 1, "name": admin, "email": admin_email, "display_name": admin_first,
                 "availability_status": "online", "access_token": "empty-admin-token",
                 "memberships": [{"account_id": 1, "role": "administrator"}]},
                {"id": 2, "name": agent, "email": agent_email, "display_name": None,
                 "availability_status": "online", "access_token": "empty-agent-token",
                 "memberships": [{"account_id": 1, "role": "agent"}]},
            ])

    def demo(self) -> dict[str, Any]:
        """The demo's shape is fixed (README, `make run` and the tests rely on it): account 1 with
        one inbox of each channel type but LINE, an administrator and an agent who belongs to inboxes
        1 and 2; account 2 with a limit of one inbox, which it has; a bot on inbox 1; a system bot;
        two ongoing campaigns on the widget and a one-off SMS campaign."""
        acme, acme_domain = self.company()
        globex, globex_domain = self.company()
        alice, alice_first, alice_email = self.person(acme_domain)
        bob, _, bob_email = self.person(acme_domain)
        gina, _, gina_email = self.person(globex_domain)
        dates = self.moments(16)
        bot_name = self.pick(_BOT_NAMES)
        widget = {**self.web_widget(acme_domain), "reply_time": "in_a_few_minutes", "pre_chat_form_enabled": False,
                  "continuity_via_email": True, "hmac_mandatory": False,
                  "selected_feature_flags": ["attachments", "emoji_picker", "end_conversation"],
                  "website_token": "demoWebsiteToken1234567A", "hmac_token": "demoWidgetHmacToken12345"}
        widget["website_url"] = f"https://www.{acme_domain}"
        widget["allowed_domains"] = f"www.{acme_domain},shop.{acme_domain}"
        hours, away = self.working_hours_weekdays()
        api = {**self.api(acme_domain), "hmac_mandatory": True, "identifier": "demoApiInboxIdentifier24",
               "hmac_token": "demoApiHmacToken12345678"}
        email = self.email("support", acme_domain, "inbound.chatwoot-mock.test")
        globex_api = self.api(globex_domain)
        del globex_api["hmac_mandatory"], globex_api["additional_attributes"]
        globex_api.update(identifier="globexApiInboxIdentifier", hmac_token="globexApiHmacToken123456")
        pricing, checkout = _ONGOING[0], _ONGOING[1]
        sale_title, sale_text = _ONE_OFF[0]
        sale_sent = self.moment(datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 30, tzinfo=UTC))
        company_short = acme.split(",")[0].split(" ")[0]
        return _document(
            accounts=[
                {"id": 1, "name": f"{company_short} Support", "status": "active", "inbox_limit": None},
                {"id": 2, "name": f"{globex.split(',')[0].split(' ')[0]} Help Desk", "status": "active",
                 "inbox_limit": 1},
            ],
            users=[
                {"id": 1, "name": alice, "email": alice_email, "display_name": alice_first,
                 "availability_status": "online", "access_token": "demo-admin-token",
                 "memberships": [{"account_id": 1, "role": "administrator"}]},
                {"id": 2, "name": bob, "email": bob_email, "display_name": None, "availability_status": "busy",
                 "access_token": "demo-agent-token",
                 "custom_attributes": {"team": self.pick(_TEAMS), "shift": self.pick(_SHIFTS)},
                 "memberships": [{"account_id": 1, "role": "agent"}]},
                {"id": 3, "name": gina, "email": gina_email, "access_token": "demo-globex-token",
                 "memberships": [{"account_id": 2, "role": "administrator"}]},
            ],
            agent_bots=[
                {"id": 1, "account_id": 1, "name": bot_name,
                 "description": "Greets new website visitors and routes them to billing, shipping or "
                                "technical support.",
                 "outgoing_url": f"https://bots.{acme_domain}/{bot_name.split(' ')[0].lower()}",
                 "bot_type": "webhook", "bot_config": {}, "thumbnail": "", "access_token": "demo-bot-token-1",
                 "created_at": dates[0]},
                # Chatwoot's own system bot is called Captain.
                {"id": 2, "account_id": None, "name": "Captain",
                 "description": "System assistant bot available to every account.", "outgoing_url": None,
                 "access_token": "demo-system-bot-token", "created_at": dates[1]},
            ],
            inboxes=[
                {"id": 1, "account_id": 1, "name": "Website Chat", "channel": {"channel_id": 1, **widget},
                 "greeting_enabled": True, "greeting_message": _GREETINGS[0].format(company=company_short),
                 "enable_auto_assignment": True, "working_hours_enabled": True,
                 "timezone": self.pick(_TIMEZONES), "out_of_office_message": away, "working_hours": hours,
                 "avatar": None, "created_at": dates[2]},
                {"id": 2, "account_id": 1, "name": "Mobile App", "channel": {"channel_id": 1, **api},
                 "enable_auto_assignment": True, "auto_assignment_config": {"max_assignment_limit": 5},
                 "lock_to_single_conversation": True, "created_at": dates[3]},
                {"id": 3, "account_id": 1, "name": "Support Email", "channel": {"channel_id": 1, **email},
                 "csat_survey_enabled": True,
                 "csat_config": {**self.csat(), "display_type": "emoji",
                                 "survey_rules": {"operator": "contains", "values": []}},
                 "sender_name_type": "professional", "business_name": f"{company_short} Support",
                 "created_at": dates[4]},
                {"id": 4, "account_id": 1, "name": "WhatsApp Support",
                 "channel": {"channel_id": 1, **self.whatsapp(company_short, cloud=True)},
                 "greeting_enabled": True, "greeting_message": _GREETINGS[1].format(company=company_short),
                 "created_at": dates[5]},
                {"id": 5, "account_id": 1, "name": "Telegram Bot",
                 "channel": {"channel_id": 1, **self.telegram(acme_domain)}, "created_at": dates[6]},
                {"id": 6, "account_id": 1, "name": "SMS Alerts", "channel": {"channel_id": 1, **self.sms()},
                 "enable_auto_assignment": False, "created_at": dates[7]},
                {"id": 7, "account_id": 2, "name": f"{globex.split(',')[0].split(' ')[0]} Portal",
                 "channel": {"channel_id": 2, **globex_api}, "created_at": dates[8]},
            ],
            inbox_members=[{"inbox_id": 1, "user_id": 1}, {"inbox_id": 1, "user_id": 2},
                           {"inbox_id": 2, "user_id": 2}, {"inbox_id": 7, "user_id": 3}],
            agent_bot_inboxes=[{"inbox_id": 1, "agent_bot_id": 1, "status": "active"}],
            campaigns=[
                {"id": 1, "display_id": 1, "account_id": 1, "inbox_id": 1, "title": pricing[0],
                 "description": "Offer help to visitors who linger on the pricing page.", "message": pricing[2],
                 "sender_id": 1, "campaign_type": "ongoing", "campaign_status": "active", "enabled": True,
                 "trigger_rules": {"url": f"{widget['website_url']}/{pricing[1]}", "time_on_page": 10},
                 "trigger_only_during_business_hours": True, "template_params": None,
                 "created_at": dates[9], "updated_at": dates[9]},
                {"id": 2, "display_id": 2, "account_id": 1, "inbox_id": 1, "title": checkout[0],
                 "description": None, "message": checkout[2], "sender_id": None, "campaign_type": "ongoing",
                 "campaign_status": "active", "enabled": False,
                 "trigger_rules": {"url": f"https://shop.{acme_domain}/{checkout[1]}", "time_on_page": 30},
                 "trigger_only_during_business_hours": False, "created_at": dates[10], "updated_at": dates[11]},
                {"id": 3, "display_id": 3, "account_id": 1, "inbox_id": 6, "title": sale_title,
                 "description": "One-off SMS to customers labelled as newsletter subscribers.",
                 "message": sale_text.format(company=company_short), "sender_id": 1, "campaign_type": "one_off",
                 "campaign_status": "active", "enabled": True, "scheduled_at": int(sale_sent.timestamp()),
                 "audience": [{"type": "Label", "id": 1}], "trigger_rules": {},
                 "trigger_only_during_business_hours": False, "template_params": None,
                 "created_at": _stamp(sale_sent - timedelta(days=14)),
                 "updated_at": _stamp(sale_sent - timedelta(days=14))},
            ])

    def working_hours_weekdays(self) -> tuple[list[dict[str, Any]], str]:
        return _week("weekdays"), ("We're offline right now. Leave a message and we'll reply by email during business "
                      "hours (Mon-Fri, 9am-5pm).")

    def large(self, inbox_count: int) -> dict[str, Any]:
        """`LARGE_ACCOUNTS` accounts share the inboxes in turn; each has an administrator, one agent
        per 25 inboxes (at least two), its own bot, and the system bot is everyone's. Inboxes cycle
        through every channel type; campaigns go on the types that can have them."""
        accounts, users, bots, inboxes, members, links, campaigns = [], [], [], [], [], [], []
        companies = [self.company() for _ in range(LARGE_ACCOUNTS)]
        per_account = [len(range(a, inbox_count, LARGE_ACCOUNTS)) for a in range(LARGE_ACCOUNTS)]
        agents_of: dict[int, list[int]] = {}
        for account_id, (company, domain) in enumerate(companies, start=1):
            accounts.append({"id": account_id, "name": company, "status": "active", "inbox_limit": None,
                             "inbound_email_domain": f"inbound.{domain}"})
        for account_id, (_, domain) in enumerate(companies, start=1):
            name, first, email = self.person(domain)
            memberships = [{"account_id": account_id, "role": "administrator"}]
            if account_id == 1 and LARGE_ACCOUNTS > 1:  # one person works in two accounts
                memberships.append({"account_id": 2, "role": "agent"})
            users.append({"id": len(users) + 1, "name": name, "email": email, "display_name": first,
                          "availability_status": "online", "access_token": f"large-admin-token-{account_id}",
                          "memberships": memberships})
            agents_of[account_id] = []
            for _ in range(max(2, per_account[account_id - 1] // 25)):
                user_id = len(users) + 1
                name, _, email = self.person(domain)
                users.append({"id": user_id, "name": name, "email": email, "display_name": None,
                              "availability_status": self.pick(("online", "busy", "offline")),
                              "access_token": f"large-agent-token-{user_id}",
                              "memberships": [{"account_id": account_id, "role": "agent"}]})
                agents_of[account_id].append(user_id)
        bots.append({"id": 1, "account_id": None, "name": "Captain",
                     "description": "System assistant bot available to every account.", "outgoing_url": None,
                     "access_token": "large-system-bot-token", "created_at": _stamp(WINDOW_START)})
        for account_id, (_, domain) in enumerate(companies, start=1):
            bot_name = self.pick(_BOT_NAMES)
            bots.append({"id": account_id + 1, "account_id": account_id, "name": bot_name,
                         "description": f"{bot_name} of {domain}.",
                         "outgoing_url": f"https://bots.{domain}/{bot_name.split(' ')[0].lower()}",
                         "access_token": f"large-bot-token-{account_id + 1}", "created_at": _stamp(self.moment())})
        dates = self.moments(inbox_count)
        for index in range(inbox_count):
            inbox_id = index + 1
            account_id = index % LARGE_ACCOUNTS + 1
            company, domain = companies[account_id - 1]
            kind = LARGE_KIND_CYCLE[index % len(LARGE_KIND_CYCLE)]
            inbox = self.large_inbox(inbox_id, account_id, kind, company, domain, dates[index])
            inbox["channel"]["channel_id"] = self.next_index(f"channel:{kind}") + 1
            inboxes.append(inbox)
            agents = agents_of[account_id]
            for user_id in self.fake.random_sample(agents, length=min(len(agents), self.fake.random_int(1, 3))):
                members.append({"inbox_id": inbox_id, "user_id": user_id})
            if self.fake.boolean(10):
                links.append({"inbox_id": inbox_id, "agent_bot_id": self.pick((1, account_id + 1)),
                              "status": self.pick(("active", "active", "inactive"))})
            campaigns.extend(self.large_campaigns(inbox, company, dates[index], len(campaigns),
                                                  [agents[0], None]))
        return _document(accounts=accounts, users=users, agent_bots=bots, inboxes=inboxes, inbox_members=members,
                         agent_bot_inboxes=links, campaigns=campaigns)

    def large_inbox(self, inbox_id: int, account_id: int, kind: str, company: str, domain: str,
                    created_at: str) -> dict[str, Any]:
        name, channel = self.named_channel(kind, company, domain, f"inbound.{domain}")
        if self.fake.boolean(40):
            name = f"{name} {self.pick(_TEAM_SUFFIXES)}"
        inbox: dict[str, Any] = {"id": inbox_id, "account_id": account_id, "name": name, "channel": channel,
                                 "greeting_enabled": self.fake.boolean(),
                                 "enable_auto_assignment": self.fake.boolean(80),
                                 "timezone": self.pick(_TIMEZONES), "created_at": created_at}
        if inbox["greeting_enabled"]:
            inbox["greeting_message"] = self.pick(_GREETINGS).format(company=company)
        if self.fake.boolean(40):
            inbox["working_hours"], inbox["out_of_office_message"] = self.working_hours()
            inbox["working_hours_enabled"] = True
        if self.fake.boolean(30):
            inbox["csat_survey_enabled"], inbox["csat_config"] = True, self.csat()
        if self.fake.boolean(20):
            inbox["auto_assignment_config"] = {"max_assignment_limit": self.fake.random_int(1, 20)}
        if kind == "email" and self.fake.boolean():
            inbox["sender_name_type"], inbox["business_name"] = "professional", company
        return inbox

    def large_campaigns(self, inbox: dict[str, Any], company: str, created_at: str, first_id: int,
                        senders: list[int | None]) -> list[dict[str, Any]]:
        """Ongoing campaigns on website widgets, one-off ones on SMS and WhatsApp inboxes (the
        schema's campaign rule); a third of those inboxes get one."""
        kind = inbox["channel"]["type"]
        if kind not in ("web_widget", "sms", "twilio_sms", "whatsapp") or not self.fake.boolean(33):
            return []
        created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        updated = self.moment(created)
        campaign: dict[str, Any] = {"id": first_id + 1,
                                    # Chatwoot numbers campaigns per account.
                                    "display_id": self.next_index(f"campaign:{inbox['account_id']}") + 1,
                                    "account_id": inbox["account_id"],
                                    "inbox_id": inbox["id"], "sender_id": self.pick(tuple(senders)),
                                    "enabled": self.fake.boolean(80), "created_at": created_at,
                                    "updated_at": _stamp(updated)}
        if kind == "web_widget":
            title, page, message = self.pick(_ONGOING)
            campaign.update(title=title, message=message, campaign_type="ongoing", campaign_status="active",
                            trigger_rules={"url": f"{inbox['channel']['website_url']}/{page}",
                                           "time_on_page": self.fake.random_int(5, 60)},
                            trigger_only_during_business_hours=self.fake.boolean())
        else:
            title, message = self.pick(_ONE_OFF)
            campaign.update(title=title, message=message.format(company=company), campaign_type="one_off",
                            campaign_status=self.pick(("active", "completed")),
                            scheduled_at=int(self.moment(updated).timestamp()),
                            audience=[{"type": "Label", "id": self.fake.random_int(1, 20)}])
        return [campaign]


class ChannelFactory:
    """Realistic inbox names and channel attributes of any channel type, for tests that add
    inboxes one by one (the pytest plugin's `add_inbox`). Unique values (phones, e-mails, bot
    tokens, LINE ids) never repeat within one factory."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._builder = _Builder(seed)
        self.company, self.domain = self._builder.company()

    def inbox(self, kind: str) -> tuple[str, dict[str, Any]]:
        if kind not in LARGE_KIND_CYCLE:
            raise FixtureSetError(f"unknown channel type {kind!r}; choose one of {', '.join(LARGE_KIND_CYCLE)}")
        name, channel = self._builder.named_channel(kind, self.company, self.domain, inbound_domain="")
        # The forwarding address belongs to the account the inbox joins: the store makes it from
        # that account's inbound domain (channels.fill_generated), as Chatwoot does.
        channel.pop("forward_to_email", None)
        return name, channel


def _week(shape: str) -> list[dict[str, Any]]:
    """Seven working-hour rows: "weekdays" (Mon-Fri 9-17), "long_week" (Mon-Sat 8:30-20), "always"."""
    rows = []
    for day in range(7):
        if shape == "always":
            rows.append(_hours(day, open_all_day=True))
        elif day == 0 or (day == 6 and shape == "weekdays"):
            rows.append(_hours(day, closed=True))
        elif shape == "weekdays":
            rows.append(_hours(day, 9, 0, 17, 0))
        else:
            rows.append(_hours(day, 8, 30, 20, 0))
    return rows


def _hours(day: int, open_hour: int | None = None, open_minutes: int | None = None, close_hour: int | None = None,
           close_minutes: int | None = None, *, closed: bool = False, open_all_day: bool = False) -> dict[str, Any]:
    if open_all_day:
        open_hour, open_minutes, close_hour, close_minutes = 0, 0, 23, 59
    return {"day_of_week": day, "closed_all_day": closed, "open_all_day": open_all_day, "open_hour": open_hour,
            "open_minutes": open_minutes, "close_hour": close_hour, "close_minutes": close_minutes}


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
