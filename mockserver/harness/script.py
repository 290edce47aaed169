"""The sequence `chatwoot-mock diff` runs on each side, as data: a list of `Step`s.

A step is a request (method, path under the account, body) with a name. What one step learns and a
later one needs (the inbox a create made, the first agent bot, the first assignable agent) is a named
value of the side's `Context`: a step `saves` it from its answer, a later one refers to it with
`Var("name")` in its path or body. When a value is unknown (the create failed, the deployment lists no
bot) the steps that need it are not run on that side, and say why.

To add a route to the script: add a `Step` to `channel_steps` (per channel type), `account_steps`
(the account's agent bots and assignment policies, on records the run makes) or `error_steps`. Every
step must be safe on a real deployment: it writes only to what the run made (the write guard
enforces it), and it makes nothing that calls out (no Twilio inbox is created: Chatwoot would ask
Twilio; only a create Twilio refuses is sent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

UNKNOWN_ID = 2_147_483_000  # no inbox, bot or user has it (Chatwoot's ids are 32-bit and counted up)
#: The channel types the sequence creates, in its order.
CHANNEL_TYPES = ("web_widget", "api", "email", "line", "telegram", "whatsapp", "sms")
NO_TOKEN = None  # a step's `token`: send none
OWN_TOKEN = True  # the side's token


@dataclass(frozen=True)
class Var:
    """A value of the side's context, filled in when the step runs: `Var("inbox")`."""

    name: str


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str  # under /api/v1/accounts/{id}; `{inbox}` and the like are filled from the context
    json: Any = None  # the JSON body; `Var`s anywhere in it are filled from the context
    raw: bytes | None = None  # a body sent as it is (with `content_type`)
    content_type: str | None = None
    token: str | bool | None = OWN_TOKEN
    saves: tuple[str, Callable[[int, Any], Any], str] | None = None  # (name, answer -> value, why unknown)
    after: tuple[str, ...] = ()  # values the step does not send but is pointless without

    def needs(self) -> list[str]:
        """The context values the step refers to: its path's first (their reason is the one shown)."""
        names = [part.split("}")[0] for part in self.path.split("{")[1:]]
        return list(dict.fromkeys([*names, *_vars_in(self.json), *self.after]))


def _vars_in(value: Any) -> list[str]:
    if isinstance(value, Var):
        return [value.name]
    if isinstance(value, dict):
        return [name for v in value.values() for name in _vars_in(v)]
    if isinstance(value, list):
        return [name for v in value for name in _vars_in(v)]
    return []


@dataclass
class Context:
    """One side's values, and why each unknown one is unknown."""

    prefix: str
    values: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def why_not(self, step: Step) -> str | None:
        """None when every value the step needs is known, else the reason of the first unknown one."""
        for name in step.needs():
            if self.values.get(name) is None:
                return self.missing.get(name, f"no {name}")
        return None

    def fill(self, value: Any) -> Any:
        if isinstance(value, Var):
            return self.values[value.name]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value

    def path(self, step: Step) -> str:
        return step.path.format(**self.values) if "{" in step.path else step.path

    def learn(self, step: Step, status: int, body: Any) -> None:
        if step.saves is None:
            return
        name, read, why = step.saves
        value = read(status, body)
        self.values[name] = value
        if value is None:
            self.missing[name] = why
        else:
            self.missing.pop(name, None)


# ----------------------------------------------------------------------------- what steps save

def created_id(status: int, body: Any) -> int | None:
    """The id of the record (inbox, agent bot, assignment policy) a create made, or None when it made none."""
    inbox_id = body.get("id") if isinstance(body, dict) else None
    return inbox_id if 200 <= status < 300 and isinstance(inbox_id, int) else None


def first_listed_id(status: int, body: Any) -> int | None:
    """The first id of a bare array, or of a `{"payload": [...]}` answer."""
    items = body.get("payload") if isinstance(body, dict) else body
    if not isinstance(items, list):
        return None
    return next((item.get("id") for item in items if isinstance(item, dict) and item.get("id") is not None), None)


# ----------------------------------------------------------------------------- the script

def channel_bodies(prefix: str) -> dict[str, dict]:
    """A create body per channel type: the spec's examples for web widget and API, our own for the
    others (the e-mail one with `imap_login` spelled out). Addresses and numbers derive from the prefix,
    so two runs never collide on uniqueness."""
    from mockserver.resources import load_spec

    digits = str(int(hashlib.sha256(prefix.encode()).hexdigest(), 16))[:7]
    email = f"{prefix}support@example.com"
    examples = load_spec()["components"]["examples"]
    return {
        "web_widget": dict(examples["CreateWebWidgetInboxRequest"]["value"]["channel"]),
        "api": dict(examples["CreateApiInboxRequest"]["value"]["channel"]),
        "email": {"type": "email", "email": email, "imap_enabled": True, "imap_address": "imap.example.com",
                  "imap_port": 993, "imap_login": email, "imap_password": "app_password", "smtp_enabled": True,
                  "smtp_address": "smtp.example.com", "smtp_port": 587, "smtp_login": email,
                  "smtp_password": "app_password"},
        "line": {"type": "line", "line_channel_id": f"1{digits}", "line_channel_secret": "line-secret",
                 "line_channel_token": "line-token"},
        "telegram": {"type": "telegram", "bot_token": f"{digits}:AAH-cwmock-diff-token-{digits}-{digits}"},
        "whatsapp": {"type": "whatsapp", "phone_number": f"+1555{digits}", "provider": "whatsapp_cloud",
                     "provider_config": {"api_key": "cwmock-key", "phone_number_id": f"2{digits}",
                                         "business_account_id": f"3{digits}"}},
        "sms": {"type": "sms", "phone_number": f"+1556{digits}"},
    }


def opening_steps() -> list[Step]:
    return [Step("list agent bots", "GET", "/agent_bots", saves=("bot", first_listed_id, "no agent bot listed")),
            Step("list inboxes", "GET", "/inboxes")]


def channel_steps(channel: str, prefix: str, channel_body: dict) -> list[Step]:
    """Create an inbox of `channel`, exercise every inbox route on it, delete it."""
    one = "/inboxes/{inbox}"
    members = {"inbox_id": Var("inbox"), "user_ids": [Var("agent")]}
    return [
        Step(f"create {channel}", "POST", "/inboxes", json={"name": f"{prefix}{channel}", "channel": channel_body},
             saves=("inbox", created_id, f"create {channel} failed")),
        Step(f"read {channel}", "GET", one),
        Step(f"csat template of {channel}", "GET", f"{one}/csat_template"),  # 400 but for WhatsApp
        *([Step(f"error: csat template without template {channel}", "POST", f"{one}/csat_template", json={})]
          if channel == "whatsapp" else []),
        Step(f"assignment policy of {channel}", "GET", f"{one}/assignment_policy"),  # none linked: 404
        Step(f"update {channel}", "PATCH", one, json={
            "name": f"{prefix}{channel}-renamed", "greeting_enabled": True, "greeting_message": "Hello"}),
        Step(f"agent bot of {channel}", "GET", f"{one}/agent_bot"),
        Step(f"set agent bot {channel}", "POST", f"{one}/set_agent_bot", json={"agent_bot": Var("bot")}),
        Step(f"agent bot after setting {channel}", "GET", f"{one}/agent_bot", after=("bot",)),
        Step(f"clear agent bot {channel}", "POST", f"{one}/set_agent_bot", json={"agent_bot": None}),
        Step(f"assignable agents {channel}", "GET", f"{one}/assignable_agents",
             saves=("agent", first_listed_id, "no assignable agent listed")),
        Step(f"add members {channel}", "POST", "/inbox_members", json=members),
        Step(f"list members {channel}", "GET", "/inbox_members/{inbox}"),
        Step(f"replace members {channel}", "PATCH", "/inbox_members", json=members),
        Step(f"remove members {channel}", "DELETE", "/inbox_members", json=members),
        Step(f"members after removing {channel}", "GET", "/inbox_members/{inbox}"),
        Step(f"campaigns {channel}", "GET", f"{one}/campaigns"),
        Step(f"health {channel}", "GET", f"{one}/health"),
        Step(f"delete {channel}", "DELETE", one),
        Step(f"read after delete {channel}", "GET", one),
    ]


def account_steps(prefix: str) -> list[Step]:
    """An agent bot and an assignment policy of the run's own, each made, read, changed and deleted;
    the policy linked to an inbox made for it, and unlinked; the account's assignable agents."""
    bot, policy, linked = "/agent_bots/{own_bot}", "/assignment_policies/{policy}", "/inboxes/{linked}"
    return [
        Step("create agent bot", "POST", "/agent_bots",
             json={"name": f"{prefix}bot", "description": "cwmock diff", "outgoing_url": "https://example.com/hook"},
             saves=("own_bot", created_id, "create agent bot failed")),
        Step("read agent bot", "GET", bot),
        Step("update agent bot", "PATCH", bot, json={"name": f"{prefix}bot-renamed", "bot_config": {"a": "b"}}),
        Step("delete agent bot", "DELETE", bot),
        Step("read agent bot after delete", "GET", bot),
        Step("create the inbox for the assignment policy", "POST", "/inboxes",
             json={"name": f"{prefix}policy-inbox", "channel": {"type": "api"}},
             saves=("linked", created_id, "could not create the inbox for the assignment policy")),
        Step("create assignment policy", "POST", "/assignment_policies", json={"assignment_policy": {
            "name": Var("policy_name"), "description": "cwmock diff", "fair_distribution_limit": 10,
            "fair_distribution_window": 3600}}, saves=("policy", created_id, "create assignment policy failed")),
        Step("read assignment policy", "GET", policy),
        Step("update assignment policy", "PATCH", policy, json={"assignment_policy": {
            "fair_distribution_limit": 20, "conversation_priority": "longest_waiting"}}),
        Step("error: update assignment policy with blank name", "PATCH", policy,
             json={"assignment_policy": {"name": ""}}),
        Step("link assignment policy", "POST", f"{linked}/assignment_policy",
             json={"assignment_policy_id": Var("policy")}),
        Step("assignment policy of the linked inbox", "GET", f"{linked}/assignment_policy"),
        Step("inboxes of assignment policy", "GET", f"{policy}/inboxes"),
        Step("unlink assignment policy", "DELETE", f"{linked}/assignment_policy"),
        Step("assignment policy after unlinking", "GET", f"{linked}/assignment_policy"),
        Step("account assignable agents", "GET", "/assignable_agents?inbox_ids[]={linked}"),
        Step("delete assignment policy", "DELETE", policy),
        Step("read assignment policy after delete", "GET", policy),
        Step("delete the inbox for the assignment policy", "DELETE", linked),
    ]


def error_steps(prefix: str) -> list[Step]:
    """The error cases; the last ones act on an inbox made for them."""
    one = "/inboxes/{target}"
    return [
        Step("error: unknown inbox", "GET", f"/inboxes/{UNKNOWN_ID}"),
        Step("error: no token", "GET", "/inboxes", token=NO_TOKEN),
        Step("error: bad token", "GET", "/inboxes", token="cwmock-not-a-token"),
        Step("error: create without channel", "POST", "/inboxes", json={"name": f"{prefix}bare"}),
        Step("error: create with unknown channel type", "POST", "/inboxes",
             json={"name": f"{prefix}pigeon", "channel": {"type": "carrier_pigeon"}}),
        Step("error: create web_widget without website_url", "POST", "/inboxes",
             json={"name": f"{prefix}nourl", "channel": {"type": "web_widget"}}),
        Step("error: members of unknown inbox", "GET", f"/inbox_members/{UNKNOWN_ID}"),
        Step("error: unknown agent bot", "GET", f"/agent_bots/{UNKNOWN_ID}"),
        # Chatwoot asks Twilio about blank credentials, which Twilio refuses: nothing is made.
        Step("error: twilio channel with blank credentials", "POST", "/channels/twilio_channel",
             json={"twilio_channel": {"name": f"{prefix}twilio", "medium": "sms", "account_sid": "",
                                      "auth_token": "", "phone_number": ""}}),
        Step("error: create the inbox for the error cases", "POST", "/inboxes",
             json={"name": f"{prefix}errors", "channel": {"type": "api"}},
             saves=("target", created_id, "could not create the inbox for the error cases")),
        Step("error: update with blank name", "PATCH", one, json={"name": ""}),
        Step("error: update with malformed JSON", "PATCH", one, raw=b'{"name": '),
        Step("error: update with a text body", "PATCH", one, raw=b"name=x", content_type="text/plain"),
        Step("error: set unknown agent bot", "POST", f"{one}/set_agent_bot", json={"agent_bot": UNKNOWN_ID}),
        Step("error: add members without user_ids", "POST", "/inbox_members", json={"inbox_id": Var("target")}),
        Step("error: add unknown user", "POST", "/inbox_members",
             json={"inbox_id": Var("target"), "user_ids": [UNKNOWN_ID]}),
        Step("error: health of an API inbox", "GET", f"{one}/health"),
        Step("error: sync templates of an API inbox", "POST", f"{one}/sync_templates"),
        Step("error: delete", "DELETE", one),
        Step("error: delete twice", "DELETE", one),
        Step("error: update deleted inbox", "PATCH", one, json={"name": f"{prefix}gone"}),
    ]


def script(prefix: str, channels: tuple[str, ...] = ()) -> list[Step]:
    """The whole sequence for a run with `prefix` (every channel type unless `channels` names some)."""
    bodies = channel_bodies(prefix)
    steps = opening_steps()
    for channel in channels or CHANNEL_TYPES:
        steps += channel_steps(channel, prefix, bodies[channel])
    return [*steps, *account_steps(prefix), *error_steps(prefix), Step("list inboxes at the end", "GET", "/inboxes")]
