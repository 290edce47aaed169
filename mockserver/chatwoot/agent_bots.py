"""Agent bots made through the API (`Api::V1::Accounts::AgentBotsController`, Chatwoot 4.10): what a
request may set and the model's validations. Pure functions; the store keeps the bots.

`params.permit(:name, :description, :outgoing_url, :avatar, :avatar_url, :bot_type, bot_config: {})`:
top-level keys, scalars only but `bot_config`, which must be an object; nothing is required.
`AgentBot` validates only `outgoing_url`'s length; `bot_type` is an enum with the one value
`webhook` (another value raises ArgumentError in Rails, a 500; the mock answers a clean 422).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.chatwoot.channels import secure_token
from mockserver.chatwoot.errors import FieldProblem, ResourceNotFound, raise_if_invalid
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import Actor, AgentBot

#: `Limits::URL_LENGTH_LIMIT`.
URL_LENGTH_LIMIT = 2048
SCALARS = ("name", "description", "outgoing_url", "bot_type")
BOT_TYPES = ("webhook",)


def permitted(params: Any) -> dict[str, Any]:
    if not isinstance(params, Mapping):
        return {}
    found = {k: params[k] for k in SCALARS if k in params and not isinstance(params[k], dict | list)}
    if isinstance(params.get("bot_config"), Mapping):
        found["bot_config"] = dict(params["bot_config"])
    return found


def problems(values: Mapping[str, Any]) -> list[FieldProblem]:
    found = []
    url = values.get("outgoing_url")
    if isinstance(url, str) and len(url) > URL_LENGTH_LIMIT:
        found.append(FieldProblem(
            "outgoing_url", f"Outgoing url is too long (maximum is {URL_LENGTH_LIMIT} characters)"))
    bot_type = values.get("bot_type")
    if bot_type is not None and bot_type not in BOT_TYPES:
        found.append(FieldProblem("bot_type", f"'{bot_type}' is not a valid bot_type"))
    return found


class AgentBotRules:
    """The Store's agent-bot operations (a mixin of `Store`). Unlike the inbox routes, the role is
    checked **before** the bot is looked up (`before_action :check_authorization` comes first):
    an agent gets 401 whatever the id. `show` finds the account's bots and the system bots;
    update and destroy only the account's own (a system bot is 404)."""

    agent_bots: dict[int, AgentBot]

    def create_agent_bot(self, actor: Actor, params: Any) -> AgentBot:
        with self._lock:
            self._require_admin(actor)
            values = {"description": None, "outgoing_url": None, "bot_type": "webhook", "bot_config": {},
                      **permitted(params)}
            raise_if_invalid(problems(values))
            return self.add_agent_bot(values.pop("name", None), secure_token(), account_id=actor.account.id,
                                      created_at=self.clock.now_iso(), **values)

    def get_agent_bot(self, actor: Actor, bot_id: Any) -> AgentBot:
        with self._lock:
            self._require_admin(actor)
            bot = self.agent_bots.get(record_id(bot_id))
            if bot is None or bot.account_id not in (None, actor.account.id):
                raise ResourceNotFound()
            return bot

    def update_agent_bot(self, actor: Actor, bot_id: Any, params: Any) -> AgentBot:
        with self._lock:
            bot = self._own_agent_bot(actor, bot_id)
            changes = permitted(params)
            values = {k: getattr(bot, k) for k in (*SCALARS, "bot_config")} | changes
            raise_if_invalid(problems(values))
            self._touch("agent_bots", bot.id)
            for key, value in changes.items():
                setattr(bot, key, value)
            return bot

    def delete_agent_bot(self, actor: Actor, bot_id: Any) -> None:
        with self._lock:
            bot = self._own_agent_bot(actor, bot_id)
            self._drop("agent_bots", bot.id)
            self._tokens.pop(bot.access_token, None)
            self._drop_where("bot_links", lambda link: link.agent_bot_id == bot.id)

    def _own_agent_bot(self, actor: Actor, bot_id: Any) -> AgentBot:
        """`Current.account.agent_bots.find(id)`, after the role check."""
        self._require_admin(actor)
        bot = self.agent_bots.get(record_id(bot_id))
        if bot is None or bot.account_id != actor.account.id:
            raise ResourceNotFound()
        return bot
