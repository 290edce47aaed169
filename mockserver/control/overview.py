"""What the dashboard (`/_mock/ui`) shows of the state, read through the control API: the accounts
with their users (role and token), agent bots and inboxes (channel type, members, bot), and one inbox
as the public API renders it to an administrator. Pure (no Flask), read under the store's lock.
"""

from __future__ import annotations

from typing import Any

from mockserver.chatwoot import views
from mockserver.chatwoot.errors import ControlNotFound
from mockserver.chatwoot.models import ADMINISTRATOR
from mockserver.chatwoot.store import Store


def accounts_overview(store: Store) -> dict[str, Any]:
    """Every account, in id order, with the records that belong to it."""
    with store.reading():
        inboxes_of: dict[int, list[dict[str, Any]]] = {}
        for inbox in sorted(store.inboxes.values(), key=lambda i: i.id):
            link = store.bot_links.get(inbox.id)
            inboxes_of.setdefault(inbox.account_id, []).append({
                "id": inbox.id, "name": inbox.name, "channel_type": inbox.kind.class_name,
                "members": list(store.members.get(inbox.id, ())),
                "agent_bot": link.agent_bot_id if link is not None else None,
            })
        accounts = []
        for account in sorted(store.accounts.values(), key=lambda a: a.id):
            users = [{"id": user.id, "name": user.name, "email": user.email, "role": user.roles[account.id],
                      "access_token": user.access_token}
                     for user in sorted(store.users.values(), key=lambda u: u.id) if account.id in user.roles]
            bots = [{"id": bot.id, "name": bot.name, "access_token": bot.access_token}
                    for bot in sorted(store.agent_bots.values(), key=lambda b: b.id)
                    if bot.account_id in (None, account.id)]
            accounts.append({"id": account.id, "name": account.name, "status": account.status,
                             "inbox_limit": account.inbox_limit, "users": users, "agent_bots": bots,
                             "inboxes": inboxes_of.get(account.id, [])})
    return {"accounts": accounts}


def inbox_as_served(store: Store, inbox_id: int, frontend_url: str) -> dict[str, Any]:
    """The inbox as `getInbox` answers an administrator of its account."""
    with store.reading():
        inbox = store.inboxes.get(inbox_id)
        if inbox is None:
            raise ControlNotFound(f"No inbox with id {inbox_id}")
        return views.inbox_json(inbox, True, views.Urls(frontend_url))


def first_administrator_token(store: Store) -> str | None:
    """The token the docs page pre-fills: the first administrator of the first account (the demo's
    `demo-admin-token`), or None when no account has one."""
    with store.reading():
        for account_id in sorted(store.accounts):
            admins = sorted((u for u in store.users.values() if u.roles.get(account_id) == ADMINISTRATOR),
                            key=lambda u: u.id)
            if admins:
                return admins[0].access_token
    return None
