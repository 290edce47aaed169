"""The API's operations as data: path, method, the rule they are checked by, and a thin handler
that asks the store and renders the answer. No state and no checks of their own live here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockserver.chatwoot import views
from mockserver.chatwoot.channels import ChannelKind
from mockserver.chatwoot.models import Actor, Avatar, Inbox
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.web.rendered import RenderedInboxes

ACCOUNT_PREFIX = "/api/v1/accounts/{account_id}"

#: A handler's answer: a JSON-able body, or EMPTY for Chatwoot's `head :ok`.
EMPTY = object()
#: deleteInbox's answer: Chatwoot deletes in a background job (digest §2.5).
DELETION_MESSAGE = "Your inbox deletion request will be processed in some time."


@dataclass
class Call:
    """One request, authenticated and validated, as a handler sees it."""

    store: Store
    actor: Actor
    profile: Profile
    urls: views.Urls
    path: dict[str, Any]
    params: Any
    avatar: Avatar | None = None
    #: The query string, Rails-nested (`inbox_ids[]=1` -> {"inbox_ids": ["1"]}).
    query: dict[str, Any] = field(default_factory=dict)
    #: How an inbox is rendered (`views.inbox_json`; a drift switch may wrap it).
    inbox_view: Callable[[Inbox, bool, views.Urls], dict] = views.inbox_json
    #: The app's cache of rendered inboxes (None: render every time).
    rendered: RenderedInboxes | None = None
    #: A create's channel kind, as the precheck resolved it (`Store.creation_kind`); None otherwise.
    creation_kind: ChannelKind | None = None

    def inbox(self, inbox: Inbox) -> dict:
        return self.inbox_view(inbox, self.actor.is_admin, self.urls)

    def inbox_answer(self, inbox: Inbox) -> Any:
        """An answer that is one inbox: its cached JSON bytes (rendered once per version and view),
        or, with a drifted view, the view itself."""
        if self.rendered is not None and self.inbox_view is views.inbox_json:
            return self.rendered.inbox_body(self.store, inbox, self.actor.is_admin, self.urls)
        return self.inbox(inbox)

    def agents(self, users: list) -> dict:
        return {"payload": [views.agent_json(u, self.actor.account) for u in users]}

    def body_value(self, key: str) -> Any:
        return self.params.get(key) if isinstance(self.params, dict) else None

    def policy(self, policy: Any) -> dict:
        return views.assignment_policy_json(policy, self.store.assigned_inbox_count(policy))


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    #: The spec's path template below ACCOUNT_PREFIX.
    path: str
    #: The store rule (`mockserver.chatwoot.store.RULES`) checked before the request is validated.
    action: str
    handler: Callable[[Call], Any]
    #: Where the inbox id is: a path parameter's name, or "body" for `inbox_id` in the body.
    inbox_from: str | None = None
    #: The media types of its request body; None when it takes none.
    body_types: tuple[str, ...] | None = None
    #: set_agent_bot looks the bot up (404) before the role check (digest §2.1).
    looks_up_agent_bot: bool = False
    #: create refuses an unknown channel type or a missing name before the spec is checked (§2.3).
    checks_creation: bool = False

    @functools.cached_property  # read by every validated request
    def spec_path(self) -> str:
        return ACCOUNT_PREFIX + self.path

    def inbox_id(self, call_path: dict[str, Any], params: Any) -> Any:
        if self.inbox_from == "body":
            return params.get("inbox_id") if isinstance(params, dict) else None
        return call_path.get(self.inbox_from) if self.inbox_from else None


#: Every operation with a body takes it as JSON or form-encoded (Rails parses both everywhere); the
#: inbox create and update also as a multipart form with an avatar.
JSON_OR_URLENCODED = ("application/json", "application/x-www-form-urlencoded")
JSON = JSON_OR_URLENCODED
JSON_OR_FORM = (*JSON_OR_URLENCODED, "multipart/form-data")


@dataclass(frozen=True)
class Created:
    """A handler's answer with Rails' `status: :created` (201)."""

    body: Any


def _list_inboxes(call: Call) -> Any:
    if call.rendered is not None and call.inbox_view is views.inbox_json:
        return call.rendered.list_body(call.store, call.actor, call.urls)  # JSON bytes, joined from the cache
    return {"payload": [call.inbox(i) for i in call.store.list_inboxes(call.actor)]}


def _create_inbox(call: Call) -> Any:
    return call.inbox_answer(call.store.create_inbox(call.actor, call.params, call.avatar, kind=call.creation_kind))


def _get_inbox(call: Call) -> Any:
    return call.inbox_answer(call.store.get_inbox(call.actor, call.path["id"]))


def _update_inbox(call: Call) -> Any:
    return call.inbox_answer(call.store.update_inbox(call.actor, call.path["id"], call.params, call.avatar))


def _delete_inbox(call: Call) -> Any:
    call.store.delete_inbox(call.actor, call.path["id"])
    return {"message": DELETION_MESSAGE}


def _get_agent_bot(call: Call) -> Any:
    bot = call.store.inbox_agent_bot(call.actor, call.path["id"])
    # jbuilder drops the empty `agent_bot` block, leaving `{}` (digest §2.5).
    return {"agent_bot": views.agent_bot_json(bot)} if bot else {}


def _set_agent_bot(call: Call) -> Any:
    call.store.set_agent_bot(call.actor, call.path["id"], call.body_value("agent_bot"))
    return EMPTY


def _delete_avatar(call: Call) -> Any:
    call.store.delete_avatar(call.actor, call.path["id"])
    return EMPTY


def _campaigns(call: Call) -> Any:
    return [views.campaign_json(campaign, inbox, sender, call.actor, call.urls)
            for campaign, inbox, sender in call.store.inbox_campaigns(call.actor, call.path["id"])]


def _sync_templates(call: Call) -> Any:
    call.store.sync_templates(call.actor, call.path["id"])
    return {"message": "Template sync initiated successfully"}


def _health(call: Call) -> Any:
    return views.health_json(call.store.health(call.actor, call.path["id"]), call.profile)


def _assignable_agents(call: Call) -> Any:
    return call.agents(call.store.assignable_agents(call.actor, call.path["id"]))


def _members(call: Call) -> Any:
    return call.agents(call.store.inbox_members(call.actor, call.path["inbox_id"]))


def _add_members(call: Call) -> Any:
    return call.agents(call.store.add_inbox_members(call.actor, call.body_value("inbox_id"),
                                                    call.body_value("user_ids") or []))


def _update_members(call: Call) -> Any:
    return call.agents(call.store.update_inbox_members(call.actor, call.body_value("inbox_id"),
                                                       call.body_value("user_ids") or []))


def _remove_members(call: Call) -> Any:
    call.store.remove_inbox_members(call.actor, call.body_value("inbox_id"), call.body_value("user_ids") or [])
    return EMPTY


def _agent_bots(call: Call) -> Any:
    return [views.agent_bot_json(b) for b in call.store.list_agent_bots(call.actor)]


def _csat_template(call: Call) -> Any:
    return call.store.csat_template_status(call.actor, call.path["id"])


def _create_csat_template(call: Call) -> Any:
    return Created(call.store.create_csat_template(call.actor, call.path["id"], call.params))


def _inbox_policy(call: Call) -> Any:
    return call.policy(call.store.inbox_assignment_policy(call.actor, call.path["id"]))


def _set_inbox_policy(call: Call) -> Any:
    return call.policy(call.store.set_inbox_assignment_policy(call.actor, call.path["id"],
                                                              call.body_value("assignment_policy_id")))


def _remove_inbox_policy(call: Call) -> Any:
    call.store.remove_inbox_assignment_policy(call.actor, call.path["id"])
    return EMPTY


def _policies(call: Call) -> Any:
    return [call.policy(p) for p in call.store.list_assignment_policies(call.actor)]


def _create_policy(call: Call) -> Any:
    return call.policy(call.store.create_assignment_policy(call.actor, call.params))


def _get_policy(call: Call) -> Any:
    return call.policy(call.store.get_assignment_policy(call.actor, call.path["id"]))


def _update_policy(call: Call) -> Any:
    return call.policy(call.store.update_assignment_policy(call.actor, call.path["id"], call.params))


def _delete_policy(call: Call) -> Any:
    call.store.delete_assignment_policy(call.actor, call.path["id"])
    return EMPTY


def _policy_inboxes(call: Call) -> Any:
    inboxes = call.store.assignment_policy_inboxes(call.actor, call.path["assignment_policy_id"])
    return {"inboxes": [call.inbox(i) for i in inboxes]}


def _create_twilio_channel(call: Call) -> Any:
    return call.inbox_answer(call.store.create_twilio_channel(call.actor, call.params))


def _account_assignable_agents(call: Call) -> Any:
    inbox_ids = call.query.get("inbox_ids")
    return call.agents(call.store.account_assignable_agents(
        call.actor, inbox_ids if isinstance(inbox_ids, list) else None))


def _create_agent_bot(call: Call) -> Any:
    return views.agent_bot_json(call.store.create_agent_bot(call.actor, call.params))


def _get_agent_bot_record(call: Call) -> Any:
    return views.agent_bot_json(call.store.get_agent_bot(call.actor, call.path["id"]))


def _update_agent_bot(call: Call) -> Any:
    return views.agent_bot_json(call.store.update_agent_bot(call.actor, call.path["id"], call.params))


def _delete_agent_bot(call: Call) -> Any:
    call.store.delete_agent_bot(call.actor, call.path["id"])
    return EMPTY


ROUTES: tuple[Route, ...] = (
    Route("listInboxes", "GET", "/inboxes", "inboxes.index", _list_inboxes),
    Route("createInbox", "POST", "/inboxes", "inboxes.create", _create_inbox, body_types=JSON_OR_FORM,
          checks_creation=True),
    Route("getInbox", "GET", "/inboxes/{id}", "inboxes.show", _get_inbox, "id"),
    Route("updateInbox", "PATCH", "/inboxes/{id}", "inboxes.update", _update_inbox, "id", JSON_OR_FORM),
    Route("replaceInbox", "PUT", "/inboxes/{id}", "inboxes.update", _update_inbox, "id", JSON_OR_FORM),
    Route("deleteInbox", "DELETE", "/inboxes/{id}", "inboxes.destroy", _delete_inbox, "id"),
    Route("getInboxAgentBot", "GET", "/inboxes/{id}/agent_bot", "inboxes.agent_bot", _get_agent_bot, "id"),
    Route("setInboxAgentBot", "POST", "/inboxes/{id}/set_agent_bot", "inboxes.set_agent_bot", _set_agent_bot,
          "id", JSON, looks_up_agent_bot=True),
    Route("deleteInboxAvatar", "DELETE", "/inboxes/{id}/avatar", "inboxes.avatar", _delete_avatar, "id"),
    Route("listInboxCampaigns", "GET", "/inboxes/{id}/campaigns", "inboxes.campaigns", _campaigns, "id"),
    Route("syncInboxTemplates", "POST", "/inboxes/{id}/sync_templates", "inboxes.sync_templates",
          _sync_templates, "id"),
    Route("getInboxHealth", "GET", "/inboxes/{id}/health", "inboxes.health", _health, "id"),
    Route("listAssignableAgents", "GET", "/inboxes/{id}/assignable_agents", "inboxes.assignable_agents",
          _assignable_agents, "id"),
    Route("listInboxMembers", "GET", "/inbox_members/{inbox_id}", "inbox_members.show", _members, "inbox_id"),
    Route("addInboxMembers", "POST", "/inbox_members", "inbox_members.create", _add_members, "body", JSON),
    Route("updateInboxMembers", "PATCH", "/inbox_members", "inbox_members.update", _update_members, "body", JSON),
    Route("removeInboxMembers", "DELETE", "/inbox_members", "inbox_members.destroy", _remove_members, "body",
          JSON),
    Route("listAgentBots", "GET", "/agent_bots", "agent_bots.index", _agent_bots),
    # The routes outside InboxesController (issue 11; digest §1.2, §7).
    Route("createAgentBot", "POST", "/agent_bots", "agent_bots.create", _create_agent_bot,
          body_types=JSON_OR_URLENCODED),
    Route("getAgentBot", "GET", "/agent_bots/{id}", "agent_bots.show", _get_agent_bot_record),
    Route("updateAgentBot", "PATCH", "/agent_bots/{id}", "agent_bots.update", _update_agent_bot,
          body_types=JSON_OR_URLENCODED),
    Route("replaceAgentBot", "PUT", "/agent_bots/{id}", "agent_bots.update", _update_agent_bot,
          body_types=JSON_OR_URLENCODED),
    Route("deleteAgentBot", "DELETE", "/agent_bots/{id}", "agent_bots.destroy", _delete_agent_bot),
    Route("getInboxCsatTemplate", "GET", "/inboxes/{id}/csat_template", "inbox_csat_templates.show",
          _csat_template),
    Route("createInboxCsatTemplate", "POST", "/inboxes/{id}/csat_template", "inbox_csat_templates.create",
          _create_csat_template, body_types=JSON_OR_URLENCODED),
    Route("getInboxAssignmentPolicy", "GET", "/inboxes/{id}/assignment_policy", "inbox_assignment_policies.show",
          _inbox_policy),
    Route("setInboxAssignmentPolicy", "POST", "/inboxes/{id}/assignment_policy",
          "inbox_assignment_policies.create", _set_inbox_policy, body_types=JSON_OR_URLENCODED),
    Route("removeInboxAssignmentPolicy", "DELETE", "/inboxes/{id}/assignment_policy",
          "inbox_assignment_policies.destroy", _remove_inbox_policy),
    Route("listAssignmentPolicies", "GET", "/assignment_policies", "assignment_policies.index", _policies),
    Route("createAssignmentPolicy", "POST", "/assignment_policies", "assignment_policies.create", _create_policy,
          body_types=JSON_OR_URLENCODED),
    Route("getAssignmentPolicy", "GET", "/assignment_policies/{id}", "assignment_policies.show", _get_policy),
    Route("updateAssignmentPolicy", "PATCH", "/assignment_policies/{id}", "assignment_policies.update",
          _update_policy, body_types=JSON_OR_URLENCODED),
    Route("replaceAssignmentPolicy", "PUT", "/assignment_policies/{id}", "assignment_policies.update",
          _update_policy, body_types=JSON_OR_URLENCODED),
    Route("deleteAssignmentPolicy", "DELETE", "/assignment_policies/{id}", "assignment_policies.destroy",
          _delete_policy),
    Route("listAssignmentPolicyInboxes", "GET", "/assignment_policies/{assignment_policy_id}/inboxes",
          "assignment_policy_inboxes.index", _policy_inboxes),
    Route("createTwilioChannel", "POST", "/channels/twilio_channel", "twilio_channels.create",
          _create_twilio_channel, body_types=JSON_OR_URLENCODED),
    Route("listAccountAssignableAgents", "GET", "/assignable_agents", "assignable_agents.index",
          _account_assignable_agents),
)
