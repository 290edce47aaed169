"""Who may do each action: Chatwoot's Pundit policies as data (digest §3.4, §3.5).

The store's `_authorize` runs a rule in Chatwoot's order: the inbox lookup, `show?`, the agent bot
lookup, the inbox limit, the role.
"""

from __future__ import annotations

from dataclasses import dataclass

#: `ChatwootApp.max_limit`, the community edition's inbox limit (digest §2.3).
DEFAULT_INBOX_LIMIT = 100_000


@dataclass(frozen=True)
class Rule:
    """Who may do an action (digest §3.4, §3.5)."""

    on_inbox: bool
    admin_only: bool
    checks_limit: bool = False


RULES: dict[str, Rule] = {
    "inboxes.index": Rule(on_inbox=False, admin_only=False),
    "inboxes.create": Rule(on_inbox=False, admin_only=True, checks_limit=True),
    "inboxes.show": Rule(on_inbox=True, admin_only=False),
    "inboxes.update": Rule(on_inbox=True, admin_only=True),
    "inboxes.destroy": Rule(on_inbox=True, admin_only=True),
    "inboxes.agent_bot": Rule(on_inbox=True, admin_only=False),
    "inboxes.set_agent_bot": Rule(on_inbox=True, admin_only=True),
    "inboxes.avatar": Rule(on_inbox=True, admin_only=True),
    "inboxes.campaigns": Rule(on_inbox=True, admin_only=True),
    "inboxes.sync_templates": Rule(on_inbox=True, admin_only=True),
    # `health` skips `check_authorization`; only `show?` applies (digest §2.1).
    "inboxes.health": Rule(on_inbox=True, admin_only=False),
    "inboxes.assignable_agents": Rule(on_inbox=True, admin_only=False),
    "inbox_members.show": Rule(on_inbox=True, admin_only=False),
    "inbox_members.create": Rule(on_inbox=True, admin_only=True),
    "inbox_members.update": Rule(on_inbox=True, admin_only=True),
    "inbox_members.destroy": Rule(on_inbox=True, admin_only=True),
    # AgentBotPolicy#index?: administrators, or a custom role with the agent_bots permission.
    "agent_bots.index": Rule(on_inbox=False, admin_only=True),
}
