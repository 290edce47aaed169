"""Assignment policies ("Assignment V2", digest §7): the records, what a request may set, and the
model's validations. Pure data and functions; the store keeps them and runs the rules in order.

`AssignmentPolicy` (app/models/assignment_policy.rb, Chatwoot 4.10): `name` present and unique in
the account; `fair_distribution_limit` and `fair_distribution_window` numbers greater than 0; two
Rails enums (`assignment_order`: round_robin, and balanced in the enterprise edition;
`conversation_priority`: earliest_created, longest_waiting). An inbox has at most one policy
(`InboxAssignmentPolicy`, `has_one`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.chatwoot.channels import blank
from mockserver.chatwoot.errors import (
    AssignmentPolicyNotFound,
    FieldProblem,
    ParameterMissing,
    ResourceNotFound,
    raise_if_invalid,
)
from mockserver.chatwoot.ids import record_id
from mockserver.chatwoot.models import Actor

#: The permitted attributes with the column defaults (db/schema.rb).
DEFAULTS: dict[str, Any] = {
    "name": None,
    "description": None,
    "assignment_order": "round_robin",
    "conversation_priority": "earliest_created",
    "fair_distribution_limit": 100,
    "fair_distribution_window": 3600,
    "enabled": True,
}
ENUMS: dict[str, tuple[str, ...]] = {
    "assignment_order": ("round_robin", "balanced"),
    "conversation_priority": ("earliest_created", "longest_waiting"),
}
#: NOT NULL columns: a null is a database error in Chatwoot (500); the mock refuses it with a 422.
NOT_NULL = ("assignment_order", "conversation_priority", "enabled")


@dataclass
class AssignmentPolicy:
    id: int
    account_id: int
    name: str
    description: str | None
    assignment_order: str
    conversation_priority: str
    fair_distribution_limit: Any
    fair_distribution_window: Any
    enabled: bool
    created_at: str
    updated_at: str


@dataclass
class InboxPolicyLink:
    """`InboxAssignmentPolicy`: one per inbox."""

    id: int
    inbox_id: int
    assignment_policy_id: int
    created_at: str
    updated_at: str


def permitted(params: Any) -> dict[str, Any]:
    """`params.require(:assignment_policy).permit(...)`: a missing or blank `assignment_policy` is
    ParameterMissing (422 `{"error"}`); scalars only, other keys dropped."""
    attributes = params.get("assignment_policy") if isinstance(params, Mapping) else None
    if not isinstance(attributes, Mapping) or not attributes:
        raise ParameterMissing("assignment_policy")
    return {k: v for k, v in attributes.items() if k in DEFAULTS and not isinstance(v, dict | list)}


#: The largest value of a 4-byte integer column.
INTEGER_COLUMN_MAX = 2_147_483_647


def problems(values: Mapping[str, Any], other_names: Iterable[str]) -> list[FieldProblem]:
    """The model's validations, in declaration order, then the enums and NOT NULL columns."""
    found = []
    name = values.get("name")
    if name is None or (isinstance(name, str) and blank(name)):
        found.append(FieldProblem("name", "Name can't be blank"))
    elif name in set(other_names):
        found.append(FieldProblem("name", "Name has already been taken"))
    for attribute, label in (("fair_distribution_limit", "Fair distribution limit"),
                             ("fair_distribution_window", "Fair distribution window")):
        number = _number(values.get(attribute))
        if number is None:
            found.append(FieldProblem(attribute, f"{label} is not a number"))
        elif number <= 0:
            found.append(FieldProblem(attribute, f"{label} must be greater than 0"))
        elif number > INTEGER_COLUMN_MAX:  # Chatwoot: ActiveModel::RangeError, a 500
            found.append(FieldProblem(attribute, f"{label} must be less than or equal to {INTEGER_COLUMN_MAX}"))
    for attribute, allowed in ENUMS.items():
        value = values.get(attribute)
        if value is not None and value not in allowed:
            # Rails' enum raises ArgumentError (a 500 in Chatwoot); its text, as a clean 422.
            found.append(FieldProblem(attribute, f"'{value}' is not a valid {attribute}"))
    for attribute in NOT_NULL:
        if values.get(attribute) is None:
            found.append(FieldProblem(attribute, f"{attribute.replace('_', ' ').capitalize()} can't be blank"))
    return found


def _number(value: Any) -> float | None:
    """`numericality` reads the value before type casting: "12" is a number, "abc" is not."""
    if isinstance(value, bool) or value is None or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    # Infinity ("1e400") passes Rails' numericality and then overflows the integer column (500): a
    # clean 422 here, as for any value that is not a number.
    return number if math.isfinite(number) else None


def stored(value: Any) -> Any:
    """An integer column's value as Rails stores it after a numericality check passed."""
    number = _number(value)
    return int(number) if number is not None else value


class AssignmentPolicyRules:
    """The Store's assignment-policy operations (a mixin of `Store`: it uses the store's lock, ids,
    inbox lookup and records). Each runs Chatwoot's before-actions in their order (digest §7):

    - `/assignment_policies`: the policy is looked up (404) before the role (401) on show, update
      and destroy; index and create check the role only; every action is admin only.
    - `/inboxes/{id}/assignment_policy`: the inbox (404, any account member may be looked up), on
      create the policy named by `assignment_policy_id` (404), the role (401), and on show and
      destroy the link (404 "Assignment policy not found").
    """

    assignment_policies: dict[int, AssignmentPolicy]
    policy_links: dict[int, InboxPolicyLink]  # inbox id -> its link

    # ----------------------------------------------------------------- seeding
    def add_assignment_policy(self, account_id: int, name: str, *, id: int | None = None,
                              created_at: str | None = None, updated_at: str | None = None,
                              **fields: Any) -> AssignmentPolicy:
        with self._lock:
            self._account(account_id)
            values = {**DEFAULTS, **fields, "name": name}
            others = [p.name for p in self.assignment_policies.values() if p.account_id == account_id]
            raise_if_invalid(problems(values, others))
            policy_id = self._explicit_or_next("assignment_policy", id, self.assignment_policies)
            stamp = created_at or self.clock.now_iso()
            policy = AssignmentPolicy(policy_id, account_id, created_at=stamp, updated_at=updated_at or stamp,
                                      **_stored_values(values))
            self._touch("assignment_policies", policy_id)
            self.assignment_policies[policy_id] = policy
            return policy

    def link_assignment_policy(self, inbox_id: int, assignment_policy_id: int, *, id: int | None = None,
                               created_at: str | None = None) -> InboxPolicyLink:
        with self._lock:
            inbox = self._inbox_by_id(inbox_id)
            policy = self.assignment_policies.get(assignment_policy_id)
            if policy is None or policy.account_id != inbox.account_id:
                raise ValueError(f"no assignment policy {assignment_policy_id} in inbox {inbox_id}'s account")
            link_id = self._take_id("inbox_assignment_policy", id)
            stamp = created_at or self.clock.now_iso()
            self._touch("policy_links", inbox_id)
            link = self.policy_links[inbox_id] = InboxPolicyLink(link_id, inbox_id, policy.id, stamp, stamp)
            return link

    # ----------------------------------------------------------------- /assignment_policies
    def list_assignment_policies(self, actor: Actor) -> list[AssignmentPolicy]:
        with self._lock:
            self._require_admin(actor)
            return [p for _, p in sorted(self.assignment_policies.items()) if p.account_id == actor.account.id]

    def create_assignment_policy(self, actor: Actor, params: Any) -> AssignmentPolicy:
        with self._lock:
            self._require_admin(actor)
            values = permitted(params)
            return self.add_assignment_policy(actor.account.id, values.pop("name", None), **values)

    def get_assignment_policy(self, actor: Actor, policy_id: Any) -> AssignmentPolicy:
        with self._lock:
            policy = self._account_policy(actor, policy_id)
            self._require_admin(actor)
            return policy

    def update_assignment_policy(self, actor: Actor, policy_id: Any, params: Any) -> AssignmentPolicy:
        with self._lock:
            policy = self.get_assignment_policy(actor, policy_id)
            changes = permitted(params)
            values = {**{k: getattr(policy, k) for k in DEFAULTS}, **changes}
            others = [p.name for p in self.assignment_policies.values()
                      if p.account_id == policy.account_id and p.id != policy.id]
            raise_if_invalid(problems(values, others))
            self._touch("assignment_policies", policy.id)
            for key, value in _stored_values(values).items():
                setattr(policy, key, value)
            policy.updated_at = self.clock.now_iso()
            return policy

    def delete_assignment_policy(self, actor: Actor, policy_id: Any) -> None:
        with self._lock:
            policy = self.get_assignment_policy(actor, policy_id)
            self._drop("assignment_policies", policy.id)
            self._drop_where("policy_links", lambda link: link.assignment_policy_id == policy.id)

    def assignment_policy_inboxes(self, actor: Actor, policy_id: Any) -> list[Any]:
        with self._lock:
            policy = self.get_assignment_policy(actor, policy_id)
            return [self.inboxes[i] for i, link in sorted(self.policy_links.items())
                    if link.assignment_policy_id == policy.id]

    def assigned_inbox_count(self, policy: AssignmentPolicy) -> int:
        return sum(1 for link in self.policy_links.values() if link.assignment_policy_id == policy.id)

    # ----------------------------------------------------------------- /inboxes/{id}/assignment_policy
    def inbox_assignment_policy(self, actor: Actor, inbox_id: Any) -> AssignmentPolicy:
        with self._lock:
            inbox = self._inbox(actor, inbox_id)
            self._require_admin(actor)
            return self._linked_policy(inbox.id)

    def set_inbox_assignment_policy(self, actor: Actor, inbox_id: Any, policy_id: Any) -> AssignmentPolicy:
        with self._lock:
            inbox = self._inbox(actor, inbox_id)
            policy = self._account_policy(actor, policy_id)
            self._require_admin(actor)
            # There is one policy per inbox: the old link is destroyed and a new one made.
            self._drop("policy_links", inbox.id)
            self.link_assignment_policy(inbox.id, policy.id)
            return policy

    def remove_inbox_assignment_policy(self, actor: Actor, inbox_id: Any) -> None:
        with self._lock:
            inbox = self._inbox(actor, inbox_id)
            self._require_admin(actor)
            self._linked_policy(inbox.id)
            self._drop("policy_links", inbox.id)

    # ----------------------------------------------------------------- helpers
    def _account_policy(self, actor: Actor, policy_id: Any) -> AssignmentPolicy:
        """`Current.account.assignment_policies.find(id)`: another account's policy is 404 too."""
        policy = self.assignment_policies.get(record_id(policy_id))
        if policy is None or policy.account_id != actor.account.id:
            raise ResourceNotFound()
        return policy

    def _linked_policy(self, inbox_id: int) -> AssignmentPolicy:
        link = self.policy_links.get(inbox_id)
        if link is None:
            raise AssignmentPolicyNotFound()
        return self.assignment_policies[link.assignment_policy_id]


def _stored_values(values: Mapping[str, Any]) -> dict[str, Any]:
    stored_values = {k: values.get(k) for k in DEFAULTS}
    for attribute in ("fair_distribution_limit", "fair_distribution_window"):
        stored_values[attribute] = stored(stored_values[attribute])
    return stored_values
