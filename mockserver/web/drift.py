"""Drift switches: deliberate deviations from the contract, each with a name, so that the contract
harness can be shown to catch them (issue 4 §3; `contract_tests/test_drift.py`).

A switch is never on unless asked for (`create_app(drift=...)`, `chatwoot-mock serve --drift NAME`,
`MOCK_DRIFT=a,b`). With none, `create_app` builds no `Drift` at all and the request path does not
change. With some, the app calls the hooks below at the layer each deviation belongs to: who is
authenticated, how a body is read, which actor and view a handler gets, which handler runs, what
the answer looks like. Each hook is a small function of the real behaviour, not a copy of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from mockserver.chatwoot.errors import (
    BotTokenRejected,
    InvalidAccessToken,
    MalformedBody,
    MockError,
    ResourceNotFound,
    Unauthenticated,
)
from mockserver.chatwoot.models import ADMINISTRATOR, Actor, Inbox
from mockserver.chatwoot.store import Store, record_id
from mockserver.chatwoot.views import Urls
from mockserver.web.routes import DELETION_MESSAGE, Call, Route

SWITCHES: dict[str, str] = {
    "create_answers_201": "createInbox answers 201 instead of Chatwoot's 200",
    "inbox_field_missing": "inbox bodies lack the required `timezone` key",
    "malformed_json_500": "a body that is not JSON crashes the mock (500) instead of a 400",
    "auth_ignored": "a missing or unknown token is let in as the account's administrator",
    "admin_fields_to_agents": "agents see the admin-only inbox fields (hmac_token, passwords, ...)",
    "delete_keeps_inbox": "deleteInbox answers 200 but keeps the inbox",
    "list_not_wrapped": "listInboxes answers a bare array instead of {\"payload\": [...]}",
    "agents_see_all_inboxes": "listInboxes shows agents every inbox of the account, member or not",
    "not_found_as_401": "an unknown inbox is 401 instead of 404 (the check order turned round)",
    "text_content_type": "JSON answers are typed text/plain",
}

#: The inbox field `inbox_field_missing` drops.
DROPPED_FIELD = "timezone"


class UnknownDriftSwitch(ValueError):
    """A switch name that `SWITCHES` does not know."""


def parse(names: Iterable[str] | str | None) -> frozenset[str]:
    """Switch names from a list, or from one comma-separated string (as `MOCK_DRIFT` holds them)."""
    if names is None:
        return frozenset()
    if isinstance(names, str):
        names = names.split(",")
    chosen = frozenset(n.strip() for n in names if n.strip())
    unknown = sorted(chosen - SWITCHES.keys())
    if unknown:
        raise UnknownDriftSwitch(f"unknown drift switch {', '.join(unknown)}; known: {', '.join(SWITCHES)}")
    return chosen


class Drift:
    """The hooks the app calls when at least one switch is on; each is the identity for the
    switches that are off."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names  # parsed by `from_names`

    @classmethod
    def from_names(cls, names: Iterable[str] | str | None) -> Drift | None:
        """The hooks for these switches, or None when none is on (the app then calls no hook at all)."""
        chosen = parse(names)
        return cls(chosen) if chosen else None

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def authenticate(self, store: Store, token: str | None, account_id: Any) -> Actor:
        try:
            return store.authenticate(token, account_id)
        except (Unauthenticated, InvalidAccessToken, BotTokenRejected):
            if "auth_ignored" not in self:
                raise
        # Let the caller in as the first administrator of the account, if it has one.
        admin = next((u for u in store.users.values() if u.roles.get(record_id(account_id)) == ADMINISTRATOR), None)
        if admin is None:
            raise InvalidAccessToken()
        return store.authenticate(admin.access_token, account_id)

    def body_error(self, error: MalformedBody) -> Exception:
        if "malformed_json_500" in self:
            return RuntimeError(f"unparsed body: {error}")
        return error

    def call(self, route: Route, call: Call) -> Call:
        """The call a handler gets: every inbox it renders goes through `_inbox_view`, in the role
        of the actor who asked (the listing below may widen what an agent sees, not how it is shown)."""
        asked_as_admin = call.actor.is_admin
        render = call.inbox_view

        def inbox_view(inbox: Inbox, admin: bool, urls: Urls) -> dict:
            body = render(inbox, asked_as_admin or "admin_fields_to_agents" in self, urls)
            if "inbox_field_missing" in self:
                body.pop(DROPPED_FIELD, None)
            return body

        actor = call.actor
        if route.operation_id == "listInboxes" and "agents_see_all_inboxes" in self and not actor.is_admin:
            # List as if the agent were an administrator.
            user = dataclasses.replace(actor.user, roles={**actor.user.roles, actor.account.id: ADMINISTRATOR})
            actor = Actor(user, actor.account)
        return dataclasses.replace(call, actor=actor, inbox_view=inbox_view)

    def handler(self, route: Route) -> Callable[[Call], Any]:
        if route.operation_id == "deleteInbox" and "delete_keeps_inbox" in self:
            # The request has passed every check (the app authorised it); only the deletion is skipped.
            return lambda call: {"message": DELETION_MESSAGE}
        return route.handler

    def answer(self, route: Route, result: Any) -> tuple[Any, int]:
        """The handler's answer (body, status) as the drifted mock gives it."""
        status = 201 if route.operation_id == "createInbox" and "create_answers_201" in self else 200
        if route.operation_id == "listInboxes" and "list_not_wrapped" in self:
            result = result["payload"]
        return result, status

    def error_status(self, error: MockError) -> int:
        if isinstance(error, ResourceNotFound) and "not_found_as_401" in self:
            return 401
        return error.status

    def content_type(self, content_type: str) -> str:
        if "text_content_type" in self and content_type.startswith("application/json"):
            return "text/plain; charset=utf-8"
        return content_type

