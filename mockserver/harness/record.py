"""`chatwoot-mock record`: read a deployment's inbox setup with GET requests only and write a state
document the mock serves, "a mock of your own Chatwoot".

What is read, per account (an administrator's token): the inboxes (with their channels, working hours,
CSAT and auto-assignment settings), the agent bots (the account's and the system's), and per inbox its
members, its assignable agents (members and administrators: the users), its agent bot link and its
campaigns; and the account's assignment policies with the inboxes each is linked to (none where the
deployment does not serve them). Every request goes through the guarded client in read-only mode:
anything but a read is refused before it leaves the machine.

What the document keeps: every id (inboxes, channels, users, bots, campaigns' display ids), so that
code and fixtures written against the deployment keep working; every value the API shows. What it
cannot keep: what the API never shows (account names, inbox creation times, avatars' files, a
Telegram bot token, LINE secrets, an SMS provider's config), which is made up; and the users' tokens,
which are generated and printed at the end. Secrets the API shows an administrator (HMAC tokens,
IMAP/SMTP passwords, provider API keys, Twilio credentials, agent bots' tokens) are replaced by
generated ones unless `--keep-secrets`.
"""

from __future__ import annotations

import random
import string
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from mockserver.chatwoot.channels import KIND_BY_CLASS
from mockserver.chatwoot.clock import iso_from_epoch
from mockserver.harness.guarded_client import GuardedClient, OwnedRecords, RateLimiter, Unreachable, WriteGuard
from mockserver.harness.lifecycle import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Interrupted,
    probe,
    signals_as_exceptions,
)
from mockserver.harness.progress import progress_bar
from mockserver.harness.transport import Connection

INBOX_FIELDS = ("name", "greeting_enabled", "greeting_message", "working_hours_enabled", "enable_email_collect",
                "csat_survey_enabled", "csat_config", "enable_auto_assignment", "auto_assignment_config",
                "out_of_office_message", "timezone", "allow_messages_after_resolved", "lock_to_single_conversation",
                "sender_name_type", "business_name", "working_hours")
#: The channel attributes each channel type shows (views.inbox_json), as the document names them.
CHANNEL_FIELDS = {
    "web_widget": ("website_url", "widget_color", "welcome_title", "welcome_tagline", "reply_time",
                   "pre_chat_form_enabled", "pre_chat_form_options", "continuity_via_email", "hmac_mandatory",
                   "allowed_domains", "selected_feature_flags", "website_token", "hmac_token"),
    "api": ("webhook_url", "hmac_mandatory", "additional_attributes", "hmac_token"),
    "email": ("email", "forward_to_email", "provider", "imap_login", "imap_password", "imap_address", "imap_port",
              "imap_enabled", "imap_enable_ssl", "smtp_login", "smtp_password", "smtp_address", "smtp_port",
              "smtp_enabled", "smtp_domain", "smtp_enable_ssl_tls", "smtp_enable_starttls_auto",
              "smtp_openssl_verify_mode", "smtp_authentication"),
    "line": (),
    "telegram": ("bot_name",),
    "whatsapp": ("phone_number", "provider", "provider_config", "message_templates"),
    "sms": ("phone_number", "provider"),
    "twilio_sms": ("phone_number", "messaging_service_sid", "medium", "content_templates", "account_sid", "auth_token"),
}
#: Values an administrator sees that are credentials: replaced unless --keep-secrets.
SECRET_FIELDS = frozenset({"hmac_token", "imap_password", "smtp_password", "account_sid", "auth_token"})
SECRET_WORDS = ("key", "token", "secret", "password")  # in provider_config's keys
USER_FIELDS = ("availability_status", "auto_offline", "confirmed", "custom_attributes")
CAMPAIGN_FIELDS = ("title", "description", "message", "campaign_type", "campaign_status", "enabled", "scheduled_at",
                   "audience", "trigger_rules", "trigger_only_during_business_hours", "template_params",
                   "created_at", "updated_at")
POLICY_FIELDS = ("description", "assignment_order", "conversation_priority", "fair_distribution_limit",
                 "fair_distribution_window", "enabled")
REQUESTS_PER_INBOX = 4  # members, assignable agents, agent bot, campaigns


@dataclass
class RecordOptions:
    base_url: str
    token: str
    account_ids: tuple[int, ...]
    output: str = "-"
    keep_secrets: bool = False
    seed: int = 1
    rate_limit: float = 5.0
    connection: Connection = field(default_factory=Connection)
    progress: bool | None = None


class Made:
    """Made-up values, the same for the same seed: tokens, secrets, what the API never shows."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def secret(self, name: str) -> str:
        return f"recorded-{name.replace('_', '-')}-{self.text(16)}"


@dataclass
class Recording:
    """The document being built."""

    made: Made
    keep_secrets: bool
    accounts: dict[int, dict] = field(default_factory=dict)
    users: dict[int, dict] = field(default_factory=dict)
    bots: dict[int, dict] = field(default_factory=dict)
    inboxes: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)
    policy_links: list[dict] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {"version": 1, "accounts": list(self.accounts.values()), "users": list(self.users.values()),
                "agent_bots": list(self.bots.values()), "inboxes": self.inboxes, "inbox_members": self.members,
                "agent_bot_inboxes": self.links, "campaigns": self.campaigns,
                "assignment_policies": self.policies, "inbox_assignment_policies": self.policy_links}

    def secret(self, name: str, value: Any) -> Any:
        return value if self.keep_secrets or value in (None, "") else self.made.secret(name)

    def add_user(self, agent: dict, account_id: int) -> None:
        user = self.users.setdefault(agent["id"], {
            "id": agent["id"], "name": agent.get("name") or f"User {agent['id']}",
            "email": agent.get("email") or f"user-{agent['id']}@recorded.example",
            "display_name": agent.get("available_name") if agent.get("available_name") != agent.get("name") else None,
            **{k: agent[k] for k in USER_FIELDS if k in agent},
            "access_token": f"recorded-{self.made.text(24)}", "memberships": []})
        if not any(m["account_id"] == account_id for m in user["memberships"]):
            user["memberships"].append({"account_id": account_id, "role": agent.get("role") or "agent"})

    def add_bot(self, bot: dict) -> None:
        token = (bot.get("access_token") or {}).get("token") if isinstance(bot.get("access_token"), dict) else None
        self.bots.setdefault(bot["id"], {
            "id": bot["id"], "account_id": None if bot.get("system_bot") else bot.get("account_id"),
            "name": bot.get("name") or f"Bot {bot['id']}", "description": bot.get("description"),
            "outgoing_url": bot.get("outgoing_url"), "bot_type": bot.get("bot_type") or "webhook",
            "bot_config": bot.get("bot_config") or {}, "thumbnail": bot.get("thumbnail") or "",
            "access_token": token if self.keep_secrets and token else f"recorded-bot-{self.made.text(24)}",
            **({"created_at": bot["access_token"]["created_at"]}
               if isinstance(bot.get("access_token"), dict) and bot["access_token"].get("created_at") else {})})

    def add_inbox(self, shown: dict, account_id: int) -> None:
        kind = KIND_BY_CLASS[shown["channel_type"]]
        channel: dict[str, Any] = {"type": kind.key, "channel_id": shown.get("channel_id")}
        for name in CHANNEL_FIELDS[kind.key]:
            if name in shown:
                channel[name] = self.secret(name, shown[name]) if name in SECRET_FIELDS else shown[name]
        if kind.key == "api" and shown.get("inbox_identifier"):
            channel["identifier"] = shown["inbox_identifier"]
        if isinstance(channel.get("provider_config"), dict) and not self.keep_secrets:
            channel["provider_config"] = {k: self.secret(k, v) if any(w in k for w in SECRET_WORDS) else v
                                          for k, v in channel["provider_config"].items()}
        self._made_up_channel_values(kind.key, channel, shown)
        self.inboxes.append({"id": shown["id"], "account_id": account_id, "channel": channel,
                             **{k: shown[k] for k in INBOX_FIELDS if k in shown}})
        forward = channel.get("forward_to_email")
        if isinstance(forward, str) and "@" in forward:
            self.accounts[account_id].setdefault("inbound_email_domain", forward.split("@", 1)[1])

    def _made_up_channel_values(self, key: str, channel: dict, shown: dict) -> None:
        """What the channel needs and the API never shows."""
        if key == "line":
            webhook = str(shown.get("callback_webhook_url") or "")
            channel["line_channel_id"] = webhook.rsplit("/", 1)[-1] or self.made.text(10, string.digits)
            channel["line_channel_secret"] = self.made.text(32, "0123456789abcdef")
            channel["line_channel_token"] = self.made.text(64)
        elif key == "telegram":
            channel["bot_token"] = f"{self.made.text(10, string.digits)}:{self.made.text(35)}"
        elif key == "twilio_sms":
            channel.setdefault("account_sid", "AC" + self.made.text(32, "0123456789abcdef"))
            channel.setdefault("auth_token", self.made.text(32, "0123456789abcdef"))

    def add_policy(self, shown: dict, account_id: int, inbox_ids: list[int]) -> None:
        """A policy as its view shows it (timestamps in Unix seconds), and its links; a link's own
        id and time are never shown, so they are made up (ids in order, the policy's update time)."""
        stamps = {k: iso_from_epoch(shown[k]) for k in ("created_at", "updated_at") if isinstance(shown.get(k), int)}
        self.policies.append({"id": shown["id"], "account_id": account_id, "name": shown["name"],
                              **{k: shown[k] for k in POLICY_FIELDS if k in shown}, **stamps})
        for inbox_id in inbox_ids:
            self.policy_links.append({"id": len(self.policy_links) + 1, "inbox_id": inbox_id,
                                      "assignment_policy_id": shown["id"],
                                      "created_at": stamps.get("updated_at")})

    def add_campaign(self, shown: dict, inbox_id: int, account_id: int) -> None:
        sender = shown.get("sender") if isinstance(shown.get("sender"), dict) else None
        if sender is not None:
            self.add_user(sender, account_id)
        self.campaigns.append({"id": len(self.campaigns) + 1, "display_id": shown["id"], "account_id": account_id,
                               "inbox_id": inbox_id, "sender_id": sender["id"] if sender else None,
                               **{k: shown[k] for k in CAMPAIGN_FIELDS if k in shown}})


def run(options: RecordOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    guard = WriteGuard(options.account_ids[0], OwnedRecords("cwmock-record-"), allow_writes=False)
    client = GuardedClient(options.base_url, options.token, guard, RateLimiter(options.rate_limit),
                           connection=options.connection)
    recording = Recording(Made(options.seed), options.keep_secrets)
    with client, signals_as_exceptions():
        try:
            for account_id in options.account_ids:
                code, message, inboxes = probe(client, account_id)
                if code != EXIT_OK:
                    print(f"chatwoot-mock record: {message}", file=err)
                    return code
                _record_account(client, account_id, inboxes, recording, options)
        except (KeyboardInterrupt, Interrupted):
            print("chatwoot-mock record: interrupted; nothing written", file=err)
            return EXIT_INTERRUPTED
        except Unreachable as error:
            print(f"chatwoot-mock record: {error}", file=err)
            return EXIT_UNREACHABLE
    return _write(recording, options, out, err)


def _record_account(client: GuardedClient, account_id: int, inboxes: list[dict], recording: Recording,
                    options: RecordOptions) -> None:
    """One account: its bots, then each inbox and what hangs on it (REQUESTS_PER_INBOX GETs each),
    then its assignment policies (one GET, and one more per policy for its inboxes)."""
    base = f"/api/v1/accounts/{account_id}"
    recording.accounts.setdefault(account_id, {"id": account_id, "name": f"Account {account_id}",
                                               "status": "active", "inbox_limit": None})
    bots = client.call("GET", f"{base}/agent_bots").json()
    for bot in bots if isinstance(bots, list) else []:
        if isinstance(bot, dict) and isinstance(bot.get("id"), int):
            recording.add_bot(bot)
    with progress_bar(options.progress, total=len(inboxes), desc=f"record account {account_id}",
                      unit="inbox") as bar:
        for shown in inboxes:
            _record_inbox(client, base, shown, account_id, recording)
            bar.update(1)
    listed = client.call("GET", f"{base}/assignment_policies")
    # A Chatwoot older than the routes answers 404: its inboxes have no policies to keep.
    policies = listed.json() if listed.status == 200 else []
    for policy in policies if isinstance(policies, list) else []:
        if isinstance(policy, dict) and isinstance(policy.get("id"), int):
            linked = client.call("GET", f"{base}/assignment_policies/{policy['id']}/inboxes").json()
            inboxes_shown = linked.get("inboxes") if isinstance(linked, dict) else None
            recording.add_policy(policy, account_id, [i["id"] for i in inboxes_shown or [] if isinstance(i, dict)])


def _record_inbox(client: GuardedClient, base: str, shown: dict, account_id: int, recording: Recording) -> None:
    inbox_id = shown["id"]
    recording.add_inbox(shown, account_id)
    for path in (f"/inbox_members/{inbox_id}", f"/inboxes/{inbox_id}/assignable_agents"):
        payload = client.call("GET", base + path).json()
        agents = payload.get("payload") if isinstance(payload, dict) else None
        for agent in agents if isinstance(agents, list) else []:
            recording.add_user(agent, account_id)
            if path.startswith("/inbox_members"):
                recording.members.append({"inbox_id": inbox_id, "user_id": agent["id"]})
    linked = client.call("GET", f"{base}/inboxes/{inbox_id}/agent_bot").json()
    bot = linked.get("agent_bot") if isinstance(linked, dict) else None
    if isinstance(bot, dict) and isinstance(bot.get("id"), int):
        recording.add_bot(bot)
        recording.links.append({"inbox_id": inbox_id, "agent_bot_id": bot["id"], "status": "active"})
    campaigns = client.call("GET", f"{base}/inboxes/{inbox_id}/campaigns").json()
    for campaign in campaigns if isinstance(campaigns, list) else []:
        if isinstance(campaign, dict) and isinstance(campaign.get("id"), int):
            recording.add_campaign(campaign, inbox_id, account_id)


def _write(recording: Recording, options: RecordOptions, out: TextIO, err: TextIO) -> int:
    from mockserver.chatwoot.profiles import Profile
    from mockserver.state.document import StateDocumentError, build_store
    from mockserver.state.fixture_sets import write

    document = recording.document()
    try:
        build_store(document, Profile.DOCS)  # the mock must be able to serve what it writes
    except StateDocumentError as error:
        print(f"chatwoot-mock record: the recorded state does not load: {error}", file=err)
        return 1
    write(document, options.output)
    shown = "standard output" if options.output == "-" else options.output
    print(f"chatwoot-mock record: {options.base_url}: {len(recording.accounts)} accounts, "
          f"{len(recording.inboxes)} inboxes, {len(recording.users)} users, {len(recording.bots)} agent bots, "
          f"{len(recording.campaigns)} campaigns, {len(recording.policies)} assignment policies written to {shown}"
          f"{'' if options.keep_secrets else '; secrets replaced by generated ones'}", file=err)
    print("  the users' generated tokens (serve it: chatwoot-mock serve --fixtures FILE):", file=err)
    for user in recording.users.values():
        roles = ", ".join(f"account {m['account_id']} {m['role']}" for m in user["memberships"])
        print(f"  {user['name']:<24} {roles:<28} api_access_token: {user['access_token']}", file=err)
    return EXIT_OK
