"""Inboxes: the demo's seven (one of each channel type but LINE in account 1, an API inbox in
account 2) and a large installation's, one at a time, with their settings (working hours, CSAT,
greetings, auto-assignment). The channels themselves come from `channels`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.chatwoot.inbox_actions import csat_template_name
from mockserver.state.fixture_sets import channels
from mockserver.state.fixture_sets.values import WINDOW_END, Values, short_name, stamp

_TIMEZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
              "Europe/Berlin", "Europe/Madrid", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
              "Africa/Johannesburg")
_TEAM_SUFFIXES = ("EMEA", "APAC", "US", "LATAM", "DACH", "UK", "Tier 2", "VIP", "Enterprise", "Night Shift")
_GREETINGS = ("Hi! Ask us anything about your {company} order.",
              "Thanks for contacting {company}. An agent will reply shortly.",
              "Hello from {company} support! How can we help today?")
_CSAT_MESSAGES = ("How would you rate the help you received?", "How did we do?",
                  "Please rate your conversation with our team.")
_CSAT_BUTTONS = ("Please rate us", "Rate this conversation", "Give feedback")
_HOURS_TEXT = {"weekdays": "Mon-Fri, 9am-5pm", "long_week": "Mon-Sat, 8:30am-8pm", "always": "around the clock"}


# ---------------------------------------------------------------------- settings
def working_hours(v: Values) -> tuple[list[dict[str, Any]], str]:
    """A week (digest §5.2) and the out-of-office text that describes it."""
    shape = v.pick(("weekdays", "long_week", "always"))
    return week(shape), (f"We're offline right now. Leave a message and we'll reply during business hours "
                         f"({_HOURS_TEXT[shape]}).")


def csat(v: Values) -> dict[str, Any]:
    return {"display_type": v.pick(("emoji", "star")), "message": v.pick(_CSAT_MESSAGES),
            "button_text": v.pick(_CSAT_BUTTONS), "language": "en",
            "survey_rules": {"operator": v.pick(("contains", "does_not_contain")),
                             "values": v.fake.random_sample(("vip", "billing", "bug", "feedback"), length=1)}}


def add_csat_template(v: Values, inbox: dict[str, Any]) -> None:
    """The WhatsApp message template a CSAT survey is sent with, where one fits: a WhatsApp or Twilio
    WhatsApp inbox with the survey on, seven in ten of them (as `POST .../csat_template` stores it,
    with the status Meta or Twilio gave it since)."""
    channel = inbox["channel"]
    whatsapp = channel["type"] == "whatsapp" or (channel["type"] == "twilio_sms" and channel["medium"] == "whatsapp")
    if not (whatsapp and inbox.get("csat_survey_enabled")) or not v.fake.boolean(70):
        return
    made = stamp(v.moment(datetime.fromisoformat(inbox["created_at"]), WINDOW_END))
    name, language = csat_template_name(inbox["id"]), inbox["csat_config"]["language"]
    if channel["type"] == "whatsapp":
        template = {"name": name, "template_id": v.digits(16), "language": language,
                    "status": v.pick(("APPROVED", "APPROVED", "PENDING", "REJECTED")), "created_at": made}
    else:
        template = {"friendly_name": name, "content_sid": "HX" + v.fake.hexify("^" * 32),
                    "approval_sid": "AP" + v.fake.hexify("^" * 32), "language": language,
                    "status": v.pick(("approved", "approved", "pending", "rejected")), "created_at": made}
    inbox["csat_config"]["template"] = template


def week(shape: str) -> list[dict[str, Any]]:
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


# ---------------------------------------------------------------------- the demo
def demo_channels(v: Values, acme_domain: str, globex_domain: str) -> dict[str, dict[str, Any]]:
    """The channels of the demo whose tokens the README and the tests name (the widget, the two API
    inboxes) and its e-mail inbox; the others are drawn by `demo_inboxes`."""
    widget = {**channels.web_widget(v, acme_domain), "reply_time": "in_a_few_minutes", "pre_chat_form_enabled": False,
              "continuity_via_email": True, "hmac_mandatory": False,
              "selected_feature_flags": ["attachments", "emoji_picker", "end_conversation"],
              "website_token": "demoWebsiteToken1234567A", "hmac_token": "demoWidgetHmacToken12345"}
    widget["website_url"] = f"https://www.{acme_domain}"
    widget["allowed_domains"] = f"www.{acme_domain},shop.{acme_domain}"
    api = {**channels.api(v, acme_domain), "hmac_mandatory": True, "identifier": "demoApiInboxIdentifier24",
           "hmac_token": "demoApiHmacToken12345678"}
    email = channels.email(v, "support", acme_domain, "inbound.chatwoot-mock.test")
    globex_api = channels.api(v, globex_domain)
    del globex_api["hmac_mandatory"], globex_api["additional_attributes"]
    globex_api.update(identifier="globexApiInboxIdentifier", hmac_token="globexApiHmacToken123456")
    return {"widget": widget, "api": api, "email": email, "globex_api": globex_api}


def demo_inboxes(v: Values, fixed: dict[str, dict[str, Any]], acme: str, acme_domain: str, globex: str,
                 dates: list[str]) -> list[dict[str, Any]]:
    """The demo's inboxes 1-7 (`fixed` from `demo_channels`; `dates` their creation times)."""
    company = short_name(acme)
    hours = week("weekdays")
    away = ("We're offline right now. Leave a message and we'll reply by email during business "
            "hours (Mon-Fri, 9am-5pm).")
    return [
        {"id": 1, "account_id": 1, "name": "Website Chat", "channel": {"channel_id": 1, **fixed["widget"]},
         "greeting_enabled": True, "greeting_message": _GREETINGS[0].format(company=company),
         "enable_auto_assignment": True, "working_hours_enabled": True,
         "timezone": v.pick(_TIMEZONES), "out_of_office_message": away, "working_hours": hours,
         "avatar": None, "created_at": dates[0]},
        {"id": 2, "account_id": 1, "name": "Mobile App", "channel": {"channel_id": 1, **fixed["api"]},
         "enable_auto_assignment": True, "auto_assignment_config": {"max_assignment_limit": 5},
         "lock_to_single_conversation": True, "created_at": dates[1]},
        {"id": 3, "account_id": 1, "name": "Support Email", "channel": {"channel_id": 1, **fixed["email"]},
         "csat_survey_enabled": True,
         "csat_config": {**csat(v), "display_type": "emoji", "survey_rules": {"operator": "contains", "values": []}},
         "sender_name_type": "professional", "business_name": f"{company} Support",
         "created_at": dates[2]},
        {"id": 4, "account_id": 1, "name": "WhatsApp Support",
         "channel": {"channel_id": 1, **channels.whatsapp(v, company, cloud=True)},
         "greeting_enabled": True, "greeting_message": _GREETINGS[1].format(company=company),
         "created_at": dates[3]},
        {"id": 5, "account_id": 1, "name": "Telegram Bot",
         "channel": {"channel_id": 1, **channels.telegram(v, acme_domain)}, "created_at": dates[4]},
        {"id": 6, "account_id": 1, "name": "SMS Alerts", "channel": {"channel_id": 1, **channels.sms(v)},
         "enable_auto_assignment": False, "created_at": dates[5]},
        {"id": 7, "account_id": 2, "name": f"{short_name(globex)} Portal",
         "channel": {"channel_id": 2, **fixed["globex_api"]}, "created_at": dates[6]},
    ]


# ---------------------------------------------------------------------- a large installation
def large_inbox(v: Values, inbox_id: int, account_id: int, kind: str, company: str, domain: str,
                created_at: str) -> dict[str, Any]:
    """One inbox of a large installation: a channel of `kind`, and settings drawn at their rates."""
    name, channel = channels.named_channel(v, kind, company, domain, f"inbound.{domain}")
    if v.fake.boolean(40):
        name = f"{name} {v.pick(_TEAM_SUFFIXES)}"
    inbox: dict[str, Any] = {"id": inbox_id, "account_id": account_id, "name": name, "channel": channel,
                             "greeting_enabled": v.fake.boolean(),
                             "enable_auto_assignment": v.fake.boolean(80),
                             "timezone": v.pick(_TIMEZONES), "created_at": created_at}
    if inbox["greeting_enabled"]:
        inbox["greeting_message"] = v.pick(_GREETINGS).format(company=company)
    if v.fake.boolean(40):
        inbox["working_hours"], inbox["out_of_office_message"] = working_hours(v)
        inbox["working_hours_enabled"] = True
    if v.fake.boolean(30):
        inbox["csat_survey_enabled"], inbox["csat_config"] = True, csat(v)
    if v.fake.boolean(20):
        inbox["auto_assignment_config"] = {"max_assignment_limit": v.fake.random_int(1, 20)}
    if kind == "email" and v.fake.boolean():
        inbox["sender_name_type"], inbox["business_name"] = "professional", company
    return inbox
