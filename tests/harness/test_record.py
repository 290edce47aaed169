"""`chatwoot-mock record` (harness/record.py): a served mock's `large` set, recorded with GETs only,
served again, shows no difference to `chatwoot-mock diff`; with `--keep-secrets`, every answer the
recorder read is the same on both, value for value; without, the secrets are generated ones."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockserver.state.fixture_sets import generate
from mockserver.testing.served import ServedMock, child_env

SCRIPT = str(Path(sys.executable).with_name("chatwoot-mock"))
SET = ("--fixtures", "large", "--seed", "7", "--inboxes", "24")  # every channel type; 4 of account 1's inboxes linked
# Both mocks play the same FRONTEND_URL: widget scripts and webhook URLs are made of it.
FRONTEND = ("--frontend-url", "https://chat.example.test")
ADMIN = "large-admin-token-1"


@pytest.fixture(scope="module")
def original() -> Iterator[ServedMock]:
    with ServedMock(*SET, *FRONTEND, "--access-log") as served:  # the log shows it sent only GETs
        yield served


def record(url: str, output: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, "record", "--base-url", url, "--token", ADMIN, "--account", "1",
                           "--rate-limit", "0", "--no-progress", "-o", str(output), *options],
                          env=child_env(), capture_output=True, text=True, timeout=300)


def admin_token(document: dict, account_id: int = 1) -> str:
    return next(u["access_token"] for u in document["users"]
                if {"account_id": account_id, "role": "administrator"} in u["memberships"])


def get(url: str, path: str, token: str) -> object:
    answer = requests.get(f"{url}/api/v1/accounts/1{path}", headers={"api_access_token": token}, timeout=30)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


def status_and_body(url: str, path: str, token: str) -> tuple[int, object]:
    answer = requests.get(f"{url}/api/v1/accounts/1{path}", headers={"api_access_token": token}, timeout=30)
    return answer.status_code, answer.json()


def read_paths(document: dict) -> list[str]:
    paths = ["/inboxes", "/agent_bots", "/assignment_policies"]
    for inbox in document["inboxes"]:
        one = inbox["id"]
        paths += [f"/inboxes/{one}", f"/inbox_members/{one}", f"/inboxes/{one}/assignable_agents",
                  f"/inboxes/{one}/agent_bot", f"/inboxes/{one}/campaigns"]
    for policy in document["assignment_policies"]:
        paths += [f"/assignment_policies/{policy['id']}", f"/assignment_policies/{policy['id']}/inboxes"]
    return paths


def test_a_recorded_mock_diffs_clean_against_its_original(original, tmp_path):
    recorded = tmp_path / "recorded.json"
    result = record(original.url, recorded)
    assert result.returncode == 0, result.stderr
    document = json.loads(recorded.read_text(encoding="utf-8"))
    expected = generate("large", seed=7, inboxes=24)
    assert sorted(i["id"] for i in document["inboxes"]) == sorted(
        i["id"] for i in expected["inboxes"] if i["account_id"] == 1)
    policies = [p for p in expected["assignment_policies"] if p["account_id"] == 1]
    assert [p["name"] for p in document["assignment_policies"]] == [p["name"] for p in policies] != []
    assert sorted((link["inbox_id"], link["assignment_policy_id"]) for link in document["inbox_assignment_policies"]) \
        == sorted((link["inbox_id"], link["assignment_policy_id"]) for link in expected["inbox_assignment_policies"]
                  if link["assignment_policy_id"] in {p["id"] for p in policies})
    # Users get generated tokens, printed at the end; the deployment's own never appear.
    assert ADMIN not in recorded.read_text(encoding="utf-8")
    assert f"api_access_token: {admin_token(document)}" in result.stderr
    with ServedMock("--fixtures", str(recorded)) as copy:
        diff = subprocess.run(
            [SCRIPT, "diff", "--left", original.url, "--left-token", ADMIN, "--right", copy.url, "--right-token",
             admin_token(document), "--rate-limit", "0", "--no-progress"],
            env=child_env(), capture_output=True, text=True, timeout=600)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert ", 0 differences" in diff.stdout


def test_with_keep_secrets_every_answer_it_read_is_the_same(original, tmp_path):
    recorded = tmp_path / "recorded.json"
    assert record(original.url, recorded, "--keep-secrets").returncode == 0
    document = json.loads(recorded.read_text(encoding="utf-8"))
    with ServedMock("--fixtures", str(recorded), *FRONTEND) as copy:
        token = admin_token(document)
        different = [path for path in read_paths(document)
                     if get(original.url, path, ADMIN) != get(copy.url, path, token)]
        # An inbox without a policy answers 404 on both.
        linked = [status_and_body(copy.url, f"/inboxes/{i['id']}/assignment_policy", token)
                  for i in document["inboxes"]]
        different += [i["id"] for i, answer in zip(document["inboxes"], linked, strict=True)
                      if status_and_body(original.url, f"/inboxes/{i['id']}/assignment_policy", ADMIN) != answer]
    assert different == []
    assert sum(status == 200 for status, _ in linked) == len(document["inbox_assignment_policies"]) > 0


def test_secrets_are_replaced_unless_kept(original, tmp_path):
    recorded = tmp_path / "recorded.json"
    assert record(original.url, recorded).returncode == 0
    text = recorded.read_text(encoding="utf-8")
    shown = get(original.url, "/inboxes", ADMIN)["payload"]
    secrets = [inbox[key] for inbox in shown for key in ("hmac_token", "imap_password", "smtp_password", "auth_token")
               if inbox.get(key)]
    secrets += [inbox["provider_config"]["api_key"] for inbox in shown if (inbox.get("provider_config") or {})
                .get("api_key")]
    secrets += [bot["access_token"]["token"] for bot in get(original.url, "/agent_bots", ADMIN)]
    assert len(secrets) >= 6  # account 1 of the set: widget, Twilio, e-mail inboxes, two bots
    assert [s for s in secrets if s in text] == []
    # Public values are kept: a widget's website token is in every page that embeds it.
    assert all(i["website_token"] in text for i in shown if i.get("website_token"))


def test_record_sends_nothing_but_reads(original, tmp_path):
    before = len(original.output())
    assert record(original.url, tmp_path / "r.json").returncode == 0
    logged = [line for line in original.output()[before:] if '"' in line]
    assert logged and all('"GET ' in line for line in logged), logged[:5]


def test_an_unreachable_target_or_refused_token_is_one_line(tmp_path):
    result = subprocess.run([SCRIPT, "record", "--base-url", "http://127.0.0.1:9", "--token", "t", "--account", "1",
                             "--retries", "0", "-o", str(tmp_path / "r.json")],
                            env=child_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert result.stderr.strip().startswith("chatwoot-mock record: cannot reach http://127.0.0.1:9")
    assert not (tmp_path / "r.json").exists()
