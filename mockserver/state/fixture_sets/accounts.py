"""Accounts, users and agent bots, and who works where: inbox members and the bots linked to
inboxes. The demo's are fixed in shape (ids, tokens, roles, memberships); a large installation's
grow with its inboxes."""

from __future__ import annotations

from typing import Any

from mockserver.state.fixture_sets.values import WINDOW_START, Values, short_name, stamp

LARGE_ACCOUNTS = 5

_BOT_NAMES = ("Support Triage Bot", "Order Status Bot", "Returns Assistant", "FAQ Bot", "Booking Bot")
_TEAMS = ("Tier 1", "Tier 2", "Billing", "Onboarding", "Escalations")
_SHIFTS = ("EMEA", "Americas", "APAC")

Person = tuple[str, str, str]  # full name, first name, e-mail address (Values.person)


def _bot_url(domain: str, bot_name: str) -> str:
    return f"https://bots.{domain}/{bot_name.split(' ')[0].lower()}"


# ---------------------------------------------------------------------- the empty set
def empty_users(admin: Person, agent: Person) -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": admin[0], "email": admin[2], "display_name": admin[1],
         "availability_status": "online", "access_token": "empty-admin-token",
         "memberships": [{"account_id": 1, "role": "administrator"}]},
        {"id": 2, "name": agent[0], "email": agent[2], "display_name": None,
         "availability_status": "online", "access_token": "empty-agent-token",
         "memberships": [{"account_id": 1, "role": "agent"}]},
    ]


# ---------------------------------------------------------------------- the demo
def demo_accounts(acme: str, globex: str) -> list[dict[str, Any]]:
    """Acme's support account, and Globex's help desk at its limit of one inbox (the 402)."""
    return [
        {"id": 1, "name": f"{short_name(acme)} Support", "status": "active", "inbox_limit": None},
        {"id": 2, "name": f"{short_name(globex)} Help Desk", "status": "active", "inbox_limit": 1},
    ]


def demo_people(v: Values, acme_domain: str, globex_domain: str) -> tuple[Person, Person, Person]:
    """Acme's administrator and agent, and Globex's administrator."""
    return v.person(acme_domain), v.person(acme_domain), v.person(globex_domain)


def demo_users(v: Values, people: tuple[Person, Person, Person]) -> list[dict[str, Any]]:
    (alice, alice_first, alice_email), (bob, _, bob_email), (gina, _, gina_email) = people
    return [
        {"id": 1, "name": alice, "email": alice_email, "display_name": alice_first,
         "availability_status": "online", "access_token": "demo-admin-token",
         "memberships": [{"account_id": 1, "role": "administrator"}]},
        {"id": 2, "name": bob, "email": bob_email, "display_name": None, "availability_status": "busy",
         "access_token": "demo-agent-token",
         "custom_attributes": {"team": v.pick(_TEAMS), "shift": v.pick(_SHIFTS)},
         "memberships": [{"account_id": 1, "role": "agent"}]},
        {"id": 3, "name": gina, "email": gina_email, "access_token": "demo-globex-token",
         "memberships": [{"account_id": 2, "role": "administrator"}]},
    ]


def demo_bots(v: Values, acme_domain: str, dates: list[str]) -> list[dict[str, Any]]:
    """Acme's webhook bot and the system bot (`dates`: their creation times)."""
    bot_name = v.pick(_BOT_NAMES)
    return [
        {"id": 1, "account_id": 1, "name": bot_name,
         "description": "Greets new website visitors and routes them to billing, shipping or technical support.",
         "outgoing_url": _bot_url(acme_domain, bot_name),
         "bot_type": "webhook", "bot_config": {}, "thumbnail": "", "access_token": "demo-bot-token-1",
         "created_at": dates[0]},
        # Chatwoot's own system bot is called Captain.
        {"id": 2, "account_id": None, "name": "Captain",
         "description": "System assistant bot available to every account.", "outgoing_url": None,
         "access_token": "demo-system-bot-token", "created_at": dates[1]},
    ]


def demo_members() -> list[dict[str, int]]:
    """The administrator and the agent in the widget, the agent in the API inbox, Globex's in its own."""
    return [{"inbox_id": 1, "user_id": 1}, {"inbox_id": 1, "user_id": 2},
            {"inbox_id": 2, "user_id": 2}, {"inbox_id": 7, "user_id": 3}]


def demo_bot_links() -> list[dict[str, Any]]:
    return [{"inbox_id": 1, "agent_bot_id": 1, "status": "active"}]


# ---------------------------------------------------------------------- a large installation
def large_accounts(companies: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"id": account_id, "name": company, "status": "active", "inbox_limit": None,
             "inbound_email_domain": f"inbound.{domain}"}
            for account_id, (company, domain) in enumerate(companies, start=1)]


def large_users(v: Values, companies: list[tuple[str, str]],
                inboxes_per_account: list[int]) -> tuple[list[dict[str, Any]], dict[int, list[int]]]:
    """An administrator per account (the first also an agent of account 2) and one agent per 25
    inboxes, at least two; and each account's agents' ids."""
    users: list[dict[str, Any]] = []
    agents_of: dict[int, list[int]] = {}
    for account_id, (_, domain) in enumerate(companies, start=1):
        name, first, email = v.person(domain)
        memberships = [{"account_id": account_id, "role": "administrator"}]
        if account_id == 1 and len(companies) > 1:  # one person works in two accounts
            memberships.append({"account_id": 2, "role": "agent"})
        users.append({"id": len(users) + 1, "name": name, "email": email, "display_name": first,
                      "availability_status": "online", "access_token": f"large-admin-token-{account_id}",
                      "memberships": memberships})
        agents_of[account_id] = []
        for _ in range(max(2, inboxes_per_account[account_id - 1] // 25)):
            user_id = len(users) + 1
            name, _, email = v.person(domain)
            users.append({"id": user_id, "name": name, "email": email, "display_name": None,
                          "availability_status": v.pick(("online", "busy", "offline")),
                          "access_token": f"large-agent-token-{user_id}",
                          "memberships": [{"account_id": account_id, "role": "agent"}]})
            agents_of[account_id].append(user_id)
    return users, agents_of


def large_bots(v: Values, companies: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The system bot (id 1), and a bot per account (id account + 1)."""
    bots: list[dict[str, Any]] = [
        {"id": 1, "account_id": None, "name": "Captain",
         "description": "System assistant bot available to every account.", "outgoing_url": None,
         "access_token": "large-system-bot-token", "created_at": stamp(WINDOW_START)}]
    for account_id, (_, domain) in enumerate(companies, start=1):
        bot_name = v.pick(_BOT_NAMES)
        bots.append({"id": account_id + 1, "account_id": account_id, "name": bot_name,
                     "description": f"{bot_name} of {domain}.", "outgoing_url": _bot_url(domain, bot_name),
                     "access_token": f"large-bot-token-{account_id + 1}", "created_at": stamp(v.moment())})
    return bots


def large_api_bots(v: Values, companies: list[tuple[str, str]], first_id: int) -> list[dict[str, Any]]:
    """A second bot per account, as `POST /agent_bots` makes one (ids from `first_id` on): another
    name, a webhook and a configuration."""
    bots: list[dict[str, Any]] = []
    for account_id, (_, domain) in enumerate(companies, start=1):
        bot_id = first_id + len(bots)
        bot_name = v.pick(_BOT_NAMES)
        bots.append({"id": bot_id, "account_id": account_id, "name": f"{bot_name} (staging)",
                     "description": f"{bot_name} of {domain}, staging webhook.",
                     "outgoing_url": _bot_url(f"staging.{domain}", bot_name), "bot_type": "webhook",
                     "bot_config": {"language": v.pick(("en", "de", "es", "pt")),
                                    "handoff_after_minutes": v.fake.random_int(1, 30)},
                     "access_token": f"large-bot-token-{bot_id}", "created_at": stamp(v.moment())})
    return bots


def large_members(v: Values, inbox_id: int, agents: list[int]) -> list[dict[str, int]]:
    """One to three of the account's agents."""
    chosen = v.fake.random_sample(agents, length=min(len(agents), v.fake.random_int(1, 3)))
    return [{"inbox_id": inbox_id, "user_id": user_id} for user_id in chosen]


def large_bot_link(v: Values, inbox_id: int, account_id: int) -> dict[str, Any] | None:
    """A tenth of the inboxes have a bot: the system bot or the account's."""
    if not v.fake.boolean(10):
        return None
    return {"inbox_id": inbox_id, "agent_bot_id": v.pick((1, account_id + 1)),
            "status": v.pick(("active", "active", "inactive"))}
