"""The three sets, each put together from the builders of accounts and users, inboxes (with their
channels) and campaigns. The order of the draws below is part of each set's bytes: a builder
called earlier or later shifts every value drawn after it."""

from __future__ import annotations

from typing import Any

from mockserver.state.fixture_sets import accounts, campaigns, inboxes, policies
from mockserver.state.fixture_sets.channels import LARGE_KIND_CYCLE
from mockserver.state.fixture_sets.values import Values


def document(**parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The state document: the required sections always; the optional ones (assignment policies and
    their links) only when given, so that the demo's and the empty set's bytes stay as they were."""
    keys = ("accounts", "users", "agent_bots", "inboxes", "inbox_members", "agent_bot_inboxes", "campaigns")
    optional = ("assignment_policies", "inbox_assignment_policies")
    return {"version": 1, **{key: parts.get(key, []) for key in keys},
            **{key: parts[key] for key in optional if key in parts}}


def empty(v: Values) -> dict[str, Any]:
    """One account, its administrator and an agent, nothing else."""
    company, domain = v.company()
    admin, agent = v.person(domain), v.person(domain)
    return document(accounts=[{"id": 1, "name": company, "status": "active", "inbox_limit": None}],
                    users=accounts.empty_users(admin, agent))


def demo(v: Values) -> dict[str, Any]:
    """The demo's shape is fixed (README, `make run` and the tests rely on it): account 1 with
    one inbox of each channel type but LINE, an administrator and an agent who belongs to inboxes
    1 and 2; account 2 with a limit of one inbox, which it has; a bot on inbox 1; a system bot;
    two ongoing campaigns on the widget and a one-off SMS campaign."""
    acme, acme_domain = v.company()
    globex, globex_domain = v.company()
    people = accounts.demo_people(v, acme_domain, globex_domain)
    dates = v.moments(16)
    bots = accounts.demo_bots(v, acme_domain, dates[0:2])
    fixed = inboxes.demo_channels(v, acme_domain, globex_domain)
    sale_sent = v.moment(*campaigns.DEMO_SALE_WINDOW)
    users = accounts.demo_users(v, people)
    return document(
        accounts=accounts.demo_accounts(acme, globex), users=users, agent_bots=bots,
        inboxes=inboxes.demo_inboxes(v, fixed, acme, acme_domain, globex, dates[2:9]),
        inbox_members=accounts.demo_members(), agent_bot_inboxes=accounts.demo_bot_links(),
        campaigns=campaigns.demo_campaigns(fixed["widget"], acme, acme_domain, dates[9:12], sale_sent))


def large(v: Values, inbox_count: int) -> dict[str, Any]:
    """`LARGE_ACCOUNTS` accounts share the inboxes in turn; each has an administrator, one agent
    per 25 inboxes (at least two), two bots of its own, and the system bot is everyone's. Inboxes
    cycle through every channel type; campaigns go on the types that can have them. Each account
    has assignment policies, a fifth of the inboxes are linked to one, and WhatsApp inboxes with a
    CSAT survey mostly have its message template. These last are drawn after everything else, so
    that adding them changed none of the values drawn before."""
    companies = [v.company() for _ in range(accounts.LARGE_ACCOUNTS)]
    per_account = [len(range(a, inbox_count, accounts.LARGE_ACCOUNTS)) for a in range(accounts.LARGE_ACCOUNTS)]
    users, agents_of = accounts.large_users(v, companies, per_account)
    bots = accounts.large_bots(v, companies)
    dates = v.moments(inbox_count)
    rows: dict[str, list[dict[str, Any]]] = {"inboxes": [], "inbox_members": [], "agent_bot_inboxes": [],
                                             "campaigns": []}
    for index in range(inbox_count):
        inbox_id = index + 1
        account_id = index % accounts.LARGE_ACCOUNTS + 1
        company, domain = companies[account_id - 1]
        kind = LARGE_KIND_CYCLE[index % len(LARGE_KIND_CYCLE)]
        inbox = inboxes.large_inbox(v, inbox_id, account_id, kind, company, domain, dates[index])
        inbox["channel"]["channel_id"] = v.next_index(f"channel:{kind}") + 1
        rows["inboxes"].append(inbox)
        agents = agents_of[account_id]
        rows["inbox_members"].extend(accounts.large_members(v, inbox_id, agents))
        link = accounts.large_bot_link(v, inbox_id, account_id)
        if link is not None:
            rows["agent_bot_inboxes"].append(link)
        rows["campaigns"].extend(campaigns.large_campaigns(v, inbox, company, dates[index], len(rows["campaigns"]),
                                                           [agents[0], None]))
    bots += accounts.large_api_bots(v, companies, first_id=len(bots) + 1)
    assignment_policies = policies.large_policies(v, len(companies))
    links = policies.large_policy_links(v, rows["inboxes"], assignment_policies)
    for inbox in rows["inboxes"]:
        inboxes.add_csat_template(v, inbox)
    return document(accounts=accounts.large_accounts(companies), users=users, agent_bots=bots, **rows,
                    assignment_policies=assignment_policies, inbox_assignment_policies=links)
