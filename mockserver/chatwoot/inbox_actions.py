"""Inbox routes outside `InboxesController` (digest §1.2, §7): the CSAT survey template of a WhatsApp
inbox, Twilio inboxes (`POST /channels/twilio_channel`) and the account-level assignable agents.
A mixin of `Store`: it uses the store's lock, lookups and records; Chatwoot's order of checks is
written at each operation.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from mockserver.chatwoot import channels, rules
from mockserver.chatwoot.channels import blank
from mockserver.chatwoot.errors import (
    ChannelActionUnsupported,
    FieldProblem,
    NotAuthorized,
    ParameterMissing,
    ResourceNotFound,
    UnprocessableAction,
)
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import ADMINISTRATOR, INBOX_DEFAULTS, Actor, Inbox, User

CSAT_CHANNEL_ONLY = "CSAT template operations only available for WhatsApp and Twilio WhatsApp channels"
TWILIO_PERMITTED = ("messaging_service_sid", "phone_number", "account_sid", "auth_token", "name", "medium",
                    "api_key_sid")
TWILIO_MEDIUMS = ("sms", "whatsapp")


def csat_template_name(inbox_id: int) -> str:
    """`CsatTemplateNameService.csat_template_name`."""
    return f"customer_satisfaction_survey_{inbox_id}"


#: `template_status` when Meta or Twilio does not know the template the inbox records.
TEMPLATE_NOT_FOUND = {"template_exists": False, "error": "Template not found"}


def _text(value: Any, default: str | None = None) -> str | None:
    """A recorded value shown as the string Meta or Twilio would give back (a record written
    through `csat_config` may hold anything)."""
    return value if isinstance(value, str) else default


def is_twilio_whatsapp(inbox: Inbox) -> bool:
    return inbox.kind.key == "twilio_sms" and inbox.channel.get("medium") == "whatsapp"


class InboxActionRules:
    """CSAT templates, Twilio inboxes and the account's assignable agents, as Store operations."""

    # ----------------------------------------------------------------- CSAT templates
    def csat_template_status(self, actor: Actor, inbox_id: Any) -> dict[str, Any]:
        """`CsatTemplateManagementService#template_status`. Chatwoot asks Meta (by the template's name)
        or Twilio (by its content sid); the stub knows a template whose record has the id Meta or
        Twilio gave it when made (`create_csat_template`, or a record written whole through
        `csat_config`), and answers the status recorded then. Any other is Chatwoot's answer to
        Meta's or Twilio's not found."""
        with self._lock:
            inbox = self._csat_inbox(actor, inbox_id)
            template = inbox.attributes.get("csat_config", {}).get("template")
            if not isinstance(template, Mapping):
                return {"template_exists": False}
            if is_twilio_whatsapp(inbox):
                sid = template.get("content_sid")
                if sid is None or sid is False:  # Ruby's `unless content_sid`
                    return {"template_exists": False}
                if not (isinstance(sid, str) and isinstance(template.get("friendly_name"), str)):
                    return dict(TEMPLATE_NOT_FOUND)
                return {"template_exists": True, "friendly_name": template["friendly_name"], "content_sid": sid,
                        "status": _text(template.get("status"), "pending"), "language": _text(template.get("language"))}
            name = template.get("name")
            if name is None or name is False:  # Ruby's `template['name'] || default`: "" is a name
                name = csat_template_name(inbox.id)
            if not (isinstance(name, str) and isinstance(template.get("template_id"), str)):
                return dict(TEMPLATE_NOT_FOUND)
            config = inbox.channel.get("provider_config") or {}
            return {"template_exists": True, "template_name": name, "status": _text(template.get("status"), "PENDING"),
                    "template_id": template["template_id"],
                    "business_account_id": _text(config.get("business_account_id"))}

    def create_csat_template(self, actor: Actor, inbox_id: Any, params: Any) -> dict[str, Any]:
        """Before-actions: the inbox (404) and `show?` (401), then the channel (400); then
        `params.require(:template)` (422) and a present `message` (422). Submitting to Meta or Twilio
        is stubbed: it always succeeds."""
        with self._lock:
            inbox = self._csat_inbox(actor, inbox_id)
            template = params.get("template") if isinstance(params, Mapping) else None
            if not isinstance(template, Mapping) or not template:
                raise UnprocessableAction("Template parameters are required")
            if blank(template.get("message")) or isinstance(template.get("message"), dict | list):
                raise UnprocessableAction("Message is required")
            language = template.get("language") or "en"
            name = csat_template_name(inbox.id)
            if is_twilio_whatsapp(inbox):
                stored = {"friendly_name": name, "content_sid": "HX" + secrets.token_hex(16),
                          "approval_sid": "AP" + secrets.token_hex(16), "language": language, "status": "pending",
                          "created_at": self.clock.now_iso()}
                shown = {k: stored[k] for k in ("friendly_name", "content_sid", "status", "language")}
            else:
                stored = {"name": name, "template_id": str(secrets.randbelow(9 * 10**15) + 10**15),
                          "language": language, "created_at": self.clock.now_iso()}
                shown = {"name": name, "template_id": stored["template_id"], "status": "PENDING", "language": language}
            self._touch("inboxes", inbox.id)
            inbox.attributes["csat_config"] = {**inbox.attributes.get("csat_config", {}), "template": stored}
            return {"template": shown}

    def _csat_inbox(self, actor: Actor, inbox_id: Any) -> Inbox:
        inbox = self._inbox(actor, inbox_id)
        if not self._can_see(actor, inbox):
            raise NotAuthorized()
        if inbox.kind.key != "whatsapp" and not is_twilio_whatsapp(inbox):
            raise ChannelActionUnsupported(400, CSAT_CHANNEL_ONLY)
        return inbox

    # ----------------------------------------------------------------- Twilio inboxes
    def create_twilio_channel(self, actor: Actor, params: Any) -> Inbox:
        """`Channels::TwilioChannelsController#create`: `authorize ::Inbox` (admin; no inbox-limit check),
        then, in one transaction, the Twilio credential check (stubbed), the channel and the inbox.
        Every failure after the role check is rescued into 422 `{"error": <message>}`."""
        with self._lock:
            if not actor.is_admin:
                raise NotAuthorized()
            given = params.get("twilio_channel") if isinstance(params, Mapping) else None
            if not isinstance(given, Mapping) or not given:
                raise ParameterMissing("twilio_channel")
            given = {k: given[k] for k in TWILIO_PERMITTED if k in given and not isinstance(given[k], dict | list)}
            medium = given.get("medium")
            if medium is not None and medium not in TWILIO_MEDIUMS:
                raise UnprocessableAction(f"'{medium}' is not a valid medium")
            kind = channels.KINDS["twilio_sms"]
            phone = None if blank(given.get("phone_number")) else given["phone_number"]
            # `medium == 'sms' ? number : "whatsapp:#{number}"`: no medium means a whatsapp: number.
            channel = {**copy.deepcopy(dict(kind.defaults)),
                       "account_sid": given.get("account_sid"), "auth_token": given.get("auth_token"),
                       "api_key_sid": given.get("api_key_sid"),
                       "messaging_service_sid": None if blank(given.get("messaging_service_sid"))
                       else given["messaging_service_sid"],
                       "phone_number": phone if phone is None or medium == "sms" else f"whatsapp:{phone}",
                       "medium": medium}
            problems = self._channel_problems(kind, channel, exclude=None) + twilio_problems(channel)
            if not problems:
                problems = rules.inbox_problems({"name": given.get("name"), **INBOX_DEFAULTS})
            if problems:
                raise UnprocessableAction("Validation failed: " + ", ".join(p.message for p in problems))
            return self._insert_inbox(actor.account, given["name"], kind, channel, copy.deepcopy(INBOX_DEFAULTS))

    # ----------------------------------------------------------------- GET /assignable_agents
    def account_assignable_agents(self, actor: Actor, inbox_ids: list[Any] | None) -> list[User]:
        """`AssignableAgentsController#index`: `Current.account.inboxes.find(inbox_ids)` (any unknown id,
        or none given, is 404), `show?` on each (401), then the users who are members of every one of
        them, then the account's administrators, each once."""
        with self._lock:
            if inbox_ids is None:
                raise ResourceNotFound()
            found = []
            for inbox_id in inbox_ids:
                inbox = self.inboxes.get(record_id(inbox_id))
                if inbox is None or inbox.account_id != actor.account.id:
                    raise ResourceNotFound()
                found.append(inbox)
            for inbox in found:
                if not self._can_see(actor, inbox):
                    raise NotAuthorized()
            member_sets = [set(self.members.get(inbox.id, ())) for inbox in found]
            common = set.intersection(*member_sets) if member_sets else set()
            users = self._account_users(actor.account)
            agents = [u for u in users if u.id in common]
            admins = [u for u in users if u.roles[actor.account.id] == ADMINISTRATOR]
            return list({u.id: u for u in [*agents, *admins]}.values())


def twilio_problems(channel: Mapping[str, Any]) -> list[FieldProblem]:
    """`Channel::TwilioSms`: one of `messaging_service_sid` (preferred) and `phone_number`."""
    problems = []
    if blank(channel.get("phone_number")) and blank(channel.get("messaging_service_sid")):
        problems.append(FieldProblem("messaging_service_sid", "Messaging service sid can't be blank"))
    if not blank(channel.get("messaging_service_sid")) and not blank(channel.get("phone_number")):
        problems.append(FieldProblem("phone_number", "Phone number must be blank"))
    return problems
