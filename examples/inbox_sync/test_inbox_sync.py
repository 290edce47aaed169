"""The example integration, tested with the chatwoot-mock pytest plugin: no Chatwoot, no network."""

from __future__ import annotations

import pytest
from inbox_sync import ChatwootError, InboxSync, WantedInbox

WANTED = [WantedInbox("Mobile App", "https://hooks.example.com/mobile"),
          WantedInbox("Partner Portal", "https://hooks.example.com/partners")]


@pytest.mark.chatwoot_mock(fixtures="empty")
def test_creates_the_missing_inboxes_once(chatwoot_intercept):
    # chatwoot_intercept answers every httpx/requests call to https://app.chatwoot.com in-process.
    with InboxSync(token=chatwoot_intercept.admin_token) as sync:
        created = sync.sync(WANTED)
        assert [(i["name"], i["channel_type"], i["webhook_url"]) for i in created] == [
            ("Mobile App", "Channel::Api", "https://hooks.example.com/mobile"),
            ("Partner Portal", "Channel::Api", "https://hooks.example.com/partners")]
        assert sync.sync(WANTED) == []  # a second run finds them
    names = sorted(inbox.name for inbox in chatwoot_intercept.store.inboxes.values())
    assert names == ["Mobile App", "Partner Portal"]
    # The journal, newest first: list, create, create, then the second run's list.
    assert [(e.method, e.status) for e in chatwoot_intercept.requests()] == [
        ("GET", 200), ("POST", 200), ("POST", 200), ("GET", 200)]


def test_keeps_what_the_demo_account_has(chatwoot_intercept):
    with InboxSync(token=chatwoot_intercept.admin_token) as sync:
        created = sync.sync(WANTED)  # the demo account has a "Mobile App" inbox already
    assert [i["name"] for i in created] == ["Partner Portal"]
    assert len(chatwoot_intercept.requests(method="POST")) == 1


@pytest.mark.chatwoot_mock(fixtures="empty")
def test_an_agent_token_cannot_create(chatwoot_intercept):
    with InboxSync(token=chatwoot_intercept.agent_token) as sync, pytest.raises(ChatwootError) as refused:
        sync.sync(WANTED)
    assert refused.value.status_code == 401
    assert chatwoot_intercept.store.inboxes == {}


def test_against_a_served_mock(chatwoot_server):
    with InboxSync(base_url=chatwoot_server.url, token=chatwoot_server.admin_token) as sync:
        created = sync.sync(WANTED)
        assert [i["name"] for i in created] == ["Partner Portal"]
        assert "Partner Portal" in [i["name"] for i in sync.inboxes()]
    # The same JournalEntry objects as chatwoot_intercept.requests() gives.
    assert [e.method for e in chatwoot_server.requests(path="/api/v1/accounts/1/inboxes")] == ["GET", "POST", "GET"]
