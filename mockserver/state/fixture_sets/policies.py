"""A large installation's assignment policies (Chatwoot's Assignment V2): a few per account, and
the inboxes linked to one of their account's policies (at most one each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.state.fixture_sets.values import WINDOW_END, Values, stamp

#: (name, description, conversation priority): policies a support team would set up.
_POLICIES = (
    ("Round robin", "Every available agent in turn.", "earliest_created"),
    ("Longest waiting first", "The conversation that has waited longest goes out first.", "longest_waiting"),
    ("Night shift", "Few conversations at a time while the team is small.", "earliest_created"),
    ("VIP queue", "Priority customers, spread evenly over senior agents.", "longest_waiting"),
)
POLICIES_PER_ACCOUNT = 2
#: The share of inboxes linked to a policy, in percent.
LINKED_PERCENT = 20


def large_policies(v: Values, account_count: int) -> list[dict[str, Any]]:
    """`POLICIES_PER_ACCOUNT` policies per account, named apart within it (Chatwoot keeps names unique
    per account). Community edition: round robin only (`balanced` is the enterprise edition's)."""
    policies: list[dict[str, Any]] = []
    for account_id in range(1, account_count + 1):
        for name, description, priority in v.fake.random_sample(_POLICIES, length=POLICIES_PER_ACCOUNT):
            created = v.moment()
            policies.append({
                "id": len(policies) + 1, "account_id": account_id, "name": name, "description": description,
                "assignment_order": "round_robin", "conversation_priority": priority,
                "fair_distribution_limit": v.fake.random_int(5, 100),
                "fair_distribution_window": v.pick((900, 1800, 3600, 86400)),
                "enabled": v.fake.boolean(85), "created_at": stamp(created),
                "updated_at": stamp(v.moment(created, WINDOW_END))})
    return policies


def large_policy_links(v: Values, inboxes: list[dict[str, Any]],
                       policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`LINKED_PERCENT` of the inboxes linked to one of their account's policies, after both existed."""
    of_account: dict[int, list[dict[str, Any]]] = {}
    for policy in policies:
        of_account.setdefault(policy["account_id"], []).append(policy)
    links: list[dict[str, Any]] = []
    for inbox in inboxes:
        choices = of_account.get(inbox["account_id"])
        if not choices or not v.fake.boolean(LINKED_PERCENT):
            continue
        policy = v.pick(tuple(choices))
        since = max(datetime.fromisoformat(inbox["created_at"]), datetime.fromisoformat(policy["created_at"]))
        links.append({"id": len(links) + 1, "inbox_id": inbox["id"], "assignment_policy_id": policy["id"],
                      "created_at": stamp(v.moment(since, WINDOW_END))})
    return links
