"""Assignment policies (`/assignment_policies` CRUD, `/assignment_policies/{id}/inboxes`) and the
inbox's link (`/inboxes/{id}/assignment_policy`), with Chatwoot 4.10's check order (digest §7)."""

from __future__ import annotations

import pytest
from conftest import AGENT, GLOBEX_ADMIN

POLICY_KEYS = ["id", "name", "description", "assignment_order", "conversation_priority", "fair_distribution_limit",
               "fair_distribution_window", "enabled", "assigned_inbox_count", "created_at", "updated_at"]


def make(admin, **attributes):
    response = admin.post("/assignment_policies", json={"assignment_policy": {"name": "Sales", **attributes}})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_crud(admin):
    policy = make(admin, description="evenly", fair_distribution_limit=20)
    assert list(policy) == POLICY_KEYS
    assert (policy["assignment_order"], policy["conversation_priority"], policy["fair_distribution_limit"],
            policy["fair_distribution_window"], policy["enabled"], policy["assigned_inbox_count"]) == (
        "round_robin", "earliest_created", 20, 3600, True, 0)
    assert isinstance(policy["created_at"], int)
    assert admin.get("/assignment_policies").get_json() == [policy]
    assert admin.get(f"/assignment_policies/{policy['id']}").get_json() == policy
    updated = admin.patch(f"/assignment_policies/{policy['id']}",
                          json={"assignment_policy": {"enabled": False, "conversation_priority": "longest_waiting"}})
    assert (updated.get_json()["enabled"], updated.get_json()["conversation_priority"]) == (False, "longest_waiting")
    replaced = admin.put(f"/assignment_policies/{policy['id']}", json={"assignment_policy": {"name": "Support"}})
    assert replaced.get_json()["name"] == "Support"
    deleted = admin.delete(f"/assignment_policies/{policy['id']}")
    assert (deleted.status_code, deleted.data) == (200, b"")
    assert admin.get(f"/assignment_policies/{policy['id']}").get_json() == {"error": "Resource could not be found"}


@pytest.mark.parametrize(("attributes", "message", "attribute"), [
    ({"name": ""}, "Name can't be blank", "name"),
    ({"fair_distribution_limit": 0}, "Fair distribution limit must be greater than 0", "fair_distribution_limit"),
    ({"fair_distribution_window": -5}, "Fair distribution window must be greater than 0", "fair_distribution_window"),
])
def test_validations(admin, attributes, message, attribute):
    response = admin.post("/assignment_policies", json={"assignment_policy": {"name": "Sales", **attributes}})
    assert (response.status_code, response.get_json()) == (422, {"message": message, "attributes": [attribute]})


def test_name_unique_in_the_account(admin):
    make(admin)
    taken = admin.post("/assignment_policies", json={"assignment_policy": {"name": "Sales"}})
    assert taken.get_json() == {"message": "Name has already been taken", "attributes": ["name"]}
    other = admin.as_(GLOBEX_ADMIN).request("POST", "/api/v1/accounts/2/assignment_policies", absolute=True,
                                            json={"assignment_policy": {"name": "Sales"}})
    assert other.status_code == 200  # unique per account only


@pytest.mark.parametrize("body", [{}, {"assignment_policy": {}}, {"name": "Sales"}])
def test_missing_parameter_key(admin, body):
    response = admin.post("/assignment_policies", json=body)
    assert (response.status_code, response.get_json()) == (
        422, {"error": "param is missing or the value is empty: assignment_policy"})


def test_agent_is_refused_after_the_lookup(admin):
    policy = make(admin)
    agent = admin.as_(AGENT)
    assert agent.get("/assignment_policies").status_code == 401
    assert agent.post("/assignment_policies", json={"assignment_policy": {"name": "x"}}).status_code == 401
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        assert agent.request(method, f"/assignment_policies/{policy['id']}").status_code == 401
        # The policy is looked up before the role: an unknown one is 404 even for an agent.
        assert agent.request(method, "/assignment_policies/999").status_code == 404
    assert agent.get(f"/assignment_policies/{policy['id']}/inboxes").status_code == 401
    assert agent.get("/assignment_policies/999/inboxes").status_code == 404


def test_another_accounts_policy_is_not_found(admin):
    other = admin.as_(GLOBEX_ADMIN).request("POST", "/api/v1/accounts/2/assignment_policies", absolute=True,
                                            json={"assignment_policy": {"name": "Globex"}}).get_json()
    assert admin.get(f"/assignment_policies/{other['id']}").status_code == 404
    assert admin.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": other["id"]}).status_code == 404


def test_inbox_link(admin):
    first, second = make(admin), make(admin, name="Second")
    assert admin.get("/inboxes/1/assignment_policy").get_json() == {"error": "Assignment policy not found"}
    assert admin.delete("/inboxes/1/assignment_policy").get_json() == {"error": "Assignment policy not found"}
    linked = admin.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": first["id"]}).get_json()
    assert (linked["id"], linked["assigned_inbox_count"]) == (first["id"], 1)
    assert admin.get("/inboxes/1/assignment_policy").get_json()["id"] == first["id"]
    assert [i["id"] for i in admin.get(f"/assignment_policies/{first['id']}/inboxes").get_json()["inboxes"]] == [1]
    # One policy per inbox: a new link replaces the old one.
    admin.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": str(second["id"])})
    assert admin.get(f"/assignment_policies/{first['id']}/inboxes").get_json() == {"inboxes": []}
    assert admin.get("/inboxes/1/assignment_policy").get_json()["id"] == second["id"]
    assert (admin.delete("/inboxes/1/assignment_policy").status_code, admin.get("/inboxes/1/assignment_policy")
            .status_code) == (200, 404)


def test_inbox_link_checks_in_order(admin):
    policy = make(admin)
    agent = admin.as_(AGENT)
    # The inbox first (404), then the policy (404), then the role (401).
    assert agent.post("/inboxes/999/assignment_policy", json={"assignment_policy_id": policy["id"]}).status_code == 404
    assert agent.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": 999}).status_code == 404
    assert agent.post("/inboxes/1/assignment_policy", json={}).status_code == 404
    assert agent.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": policy["id"]}).status_code == 401
    assert agent.get("/inboxes/1/assignment_policy").status_code == 401
    assert agent.delete("/inboxes/1/assignment_policy").status_code == 401
    assert admin.get("/inboxes/999/assignment_policy").status_code == 404


def test_deleting_the_inbox_or_the_policy_drops_the_link(admin):
    policy = make(admin)
    admin.post("/inboxes/2/assignment_policy", json={"assignment_policy_id": policy["id"]})
    admin.delete("/inboxes/2")
    assert admin.get(f"/assignment_policies/{policy['id']}").get_json()["assigned_inbox_count"] == 0
    admin.post("/inboxes/1/assignment_policy", json={"assignment_policy_id": policy["id"]})
    admin.delete(f"/assignment_policies/{policy['id']}")
    assert admin.get("/inboxes/1/assignment_policy").status_code == 404


def test_form_encoded(admin):
    response = admin.post("/assignment_policies", data={"assignment_policy[name]": "Form",
                                                        "assignment_policy[fair_distribution_limit]": "7",
                                                        "assignment_policy[enabled]": "false"})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["fair_distribution_limit"], response.get_json()["enabled"]) == (7, False)


def test_numbers_beyond_the_integer_column_are_a_clean_422(admin):
    # Chatwoot: Infinity passes numericality and overflows the column, a huge window is a RangeError
    # (500 both); the mock answered 500 too (OverflowError, orjson's 64-bit limit). Clean 422s now.
    infinite = admin.post("/assignment_policies",
                          json={"assignment_policy": {"name": "inf", "fair_distribution_limit": "1e400"}})
    assert (infinite.status_code, infinite.get_json()["attributes"]) == (422, ["fair_distribution_limit"])
    huge = admin.post("/assignment_policies", data="assignment_policy[name]=big&assignment_policy"
                      "[fair_distribution_window]=78294935315440897970",
                      content_type="application/x-www-form-urlencoded")
    assert (huge.status_code, huge.get_json()["attributes"]) == (422, ["fair_distribution_window"])
    assert admin.get("/assignment_policies").get_json() == []
