"""Campaigns: ongoing ones on website widgets, one-off ones on SMS and WhatsApp inboxes (the
schema's campaign rule), numbered per account as Chatwoot numbers them (`display_id`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.state.fixture_sets.values import Values, short_name, stamp

_ONGOING = (("Pricing page help", "pricing", "Comparing plans? Our team can help you pick the right one."),
            ("Checkout assistance", "checkout", "Having trouble checking out? Chat with us and we'll sort it out."),
            ("Docs helper", "docs", "Can't find what you need in the docs? Ask us."),
            ("Welcome back", "", "Welcome back! Anything we can help you with today?"))
_ONE_OFF = (("Spring sale announcement", "{company} spring sale: 20% off all accessories this week. "
             "Reply STOP to opt out."),
            ("Delivery delay notice", "Heads up from {company}: deliveries may take a day longer this week."),
            ("Appointment reminder", "Reminder from {company}: your appointment is tomorrow. Reply C to confirm."))

#: When the demo's one-off SMS campaign was sent.
DEMO_SALE_WINDOW = (datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 30, tzinfo=UTC))


def demo_campaigns(widget: dict[str, Any], acme: str, acme_domain: str, dates: list[str],
                   sale_sent: datetime) -> list[dict[str, Any]]:
    """Two ongoing campaigns on the widget (inbox 1), one enabled; a one-off SMS sale (inbox 6)."""
    pricing, checkout = _ONGOING[0], _ONGOING[1]
    sale_title, sale_text = _ONE_OFF[0]
    planned = stamp(sale_sent - timedelta(days=14))
    return [
        {"id": 1, "display_id": 1, "account_id": 1, "inbox_id": 1, "title": pricing[0],
         "description": "Offer help to visitors who linger on the pricing page.", "message": pricing[2],
         "sender_id": 1, "campaign_type": "ongoing", "campaign_status": "active", "enabled": True,
         "trigger_rules": {"url": f"{widget['website_url']}/{pricing[1]}", "time_on_page": 10},
         "trigger_only_during_business_hours": True, "template_params": None,
         "created_at": dates[0], "updated_at": dates[0]},
        {"id": 2, "display_id": 2, "account_id": 1, "inbox_id": 1, "title": checkout[0],
         "description": None, "message": checkout[2], "sender_id": None, "campaign_type": "ongoing",
         "campaign_status": "active", "enabled": False,
         "trigger_rules": {"url": f"https://shop.{acme_domain}/{checkout[1]}", "time_on_page": 30},
         "trigger_only_during_business_hours": False, "created_at": dates[1], "updated_at": dates[2]},
        {"id": 3, "display_id": 3, "account_id": 1, "inbox_id": 6, "title": sale_title,
         "description": "One-off SMS to customers labelled as newsletter subscribers.",
         "message": sale_text.format(company=short_name(acme)), "sender_id": 1, "campaign_type": "one_off",
         "campaign_status": "active", "enabled": True, "scheduled_at": int(sale_sent.timestamp()),
         "audience": [{"type": "Label", "id": 1}], "trigger_rules": {},
         "trigger_only_during_business_hours": False, "template_params": None,
         "created_at": planned, "updated_at": planned},
    ]


def large_campaigns(v: Values, inbox: dict[str, Any], company: str, created_at: str, first_id: int,
                    senders: list[int | None]) -> list[dict[str, Any]]:
    """A third of the widget, SMS and WhatsApp inboxes get one campaign (ids from `first_id` + 1)."""
    kind = inbox["channel"]["type"]
    if kind not in ("web_widget", "sms", "twilio_sms", "whatsapp") or not v.fake.boolean(33):
        return []
    created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    updated = v.moment(created)
    campaign: dict[str, Any] = {"id": first_id + 1,
                                # Chatwoot numbers campaigns per account.
                                "display_id": v.next_index(f"campaign:{inbox['account_id']}") + 1,
                                "account_id": inbox["account_id"],
                                "inbox_id": inbox["id"], "sender_id": v.pick(tuple(senders)),
                                "enabled": v.fake.boolean(80), "created_at": created_at,
                                "updated_at": stamp(updated)}
    if kind == "web_widget":
        title, page, message = v.pick(_ONGOING)
        campaign.update(title=title, message=message, campaign_type="ongoing", campaign_status="active",
                        trigger_rules={"url": f"{inbox['channel']['website_url']}/{page}",
                                       "time_on_page": v.fake.random_int(5, 60)},
                        trigger_only_during_business_hours=v.fake.boolean())
    else:
        title, message = v.pick(_ONE_OFF)
        campaign.update(title=title, message=message.format(company=company), campaign_type="one_off",
                        campaign_status=v.pick(("active", "completed")),
                        scheduled_at=int(v.moment(updated).timestamp()),
                        audience=[{"type": "Label", "id": v.fake.random_int(1, 20)}])
    return [campaign]
