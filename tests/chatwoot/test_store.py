"""The store without HTTP: Chatwoot's check order, its normalising helpers, ids and thread safety.

Expected values come from the behaviour digest (cited as §N) and the demo state (`fixtures/demo.json`).
"""

from __future__ import annotations

import copy
import sys
import threading

import pytest

from mockserver import Profile, Store, build_store, demo_document
from mockserver.chatwoot.errors import (
    AccountSuspended,
    BotTokenRejected,
    ChannelActionUnsupported,
    InboxLimitExceeded,
    InboxNotFound,
    InvalidAccessToken,
    InvalidChannelType,
    NotAccountMember,
    NotAuthorized,
    RecordInvalid,
    ResourceNotFound,
    Unauthenticated,
)

ADMIN, AGENT, GLOBEX, BOT = "demo-admin-token", "demo-agent-token", "demo-globex-token", "demo-bot-token-1"
API = {"name": "API", "channel": {"type": "api"}}


def demo(profile: Profile = Profile.DOCS, **account_1: object) -> Store:
    document = copy.deepcopy(demo_document())
    document["accounts"][0].update(account_1)
    return build_store(document, profile)


def raises_exactly(error_type, call, *args, **kwargs):
    """Like pytest.raises, but a subclass does not count (InboxNotFound is a ResourceNotFound)."""
    with pytest.raises(Exception) as caught:
        call(*args, **kwargs)
    assert caught.type is error_type, f"{caught.type.__name__} raised, {error_type.__name__} expected"
    return caught.value


# ----------------------------------------------------------------------------------------------- authentication


def test_authenticate():
    store = demo()
    admin = store.authenticate(ADMIN, 1)
    agent = store.authenticate(AGENT, 1)
    assert (admin.user.id, admin.account.id, admin.is_admin) == (1, 1, True)
    assert (agent.user.id, agent.role, agent.is_admin) == (2, "agent", False)
    # §3.1, §3.2, in that order.
    raises_exactly(Unauthenticated, store.authenticate, None, 1)
    raises_exactly(Unauthenticated, store.authenticate, "", 1)
    raises_exactly(InvalidAccessToken, store.authenticate, "no-such-token", 1)
    raises_exactly(BotTokenRejected, store.authenticate, BOT, 1)
    raises_exactly(ResourceNotFound, store.authenticate, ADMIN, 99)
    raises_exactly(NotAccountMember, store.authenticate, GLOBEX, 1)
    store.accounts[2].status = "suspended"
    raises_exactly(AccountSuspended, store.authenticate, GLOBEX, 2)


# ----------------------------------------------------------------------------------------------- check order


@pytest.mark.parametrize("profile", [Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
def test_unknown_inbox_is_not_found_before_any_role_check(profile):
    store = demo(profile)
    for actor in (store.authenticate(ADMIN, 1), store.authenticate(AGENT, 1)):
        for inbox_id in (999, 7):  # 7 belongs to account 2 (§2.1: looked up among the account's inboxes)
            raises_exactly(InboxNotFound, store.get_inbox, actor, inbox_id)
            raises_exactly(InboxNotFound, store.update_inbox, actor, inbox_id, {"name": "x"})
            raises_exactly(InboxNotFound, store.delete_inbox, actor, inbox_id)
            raises_exactly(InboxNotFound, store.set_agent_bot, actor, inbox_id, 999)
            raises_exactly(InboxNotFound, store.health, actor, inbox_id)


def test_agent_rights():
    store = demo()
    agent = store.authenticate(AGENT, 1)
    raises_exactly(NotAuthorized, store.get_inbox, agent, 3)  # §3.5: not a member
    raises_exactly(NotAuthorized, store.health, agent, 4)  # not a member of the WhatsApp inbox
    assert store.get_inbox(agent, 1).id == 1  # member
    raises_exactly(NotAuthorized, store.update_inbox, agent, 1, {"name": "x"})  # member, admin-only action
    raises_exactly(NotAuthorized, store.delete_inbox, agent, 1)
    raises_exactly(NotAuthorized, store.create_inbox, agent, API)
    # §2.1: health skips check_authorization, so a member agent may call it.
    store.add_member(4, 2)
    assert store.health(agent, 4).id == 4
    raises_exactly(ChannelActionUnsupported, store.health, agent, 1)  # §2.5: not WhatsApp Cloud -> 400
    assert [i.id for i in store.list_inboxes(agent)] == [1, 2, 4]
    assert store.inboxes[1].name == "Website Chat"


def test_inbox_limit_comes_before_the_role():
    # §2.1: validate_limit runs before check_authorization; account 1 has 6 inboxes in demo.json.
    store = demo(inbox_limit=6)
    agent, admin = store.authenticate(AGENT, 1), store.authenticate(ADMIN, 1)
    raises_exactly(InboxLimitExceeded, store.create_inbox, agent, API)
    raises_exactly(InboxLimitExceeded, store.create_inbox, admin, API)
    store = demo(inbox_limit=7)
    agent, admin = store.authenticate(AGENT, 1), store.authenticate(ADMIN, 1)
    raises_exactly(NotAuthorized, store.create_inbox, agent, API)
    assert store.create_inbox(admin, API).id == 8
    raises_exactly(InboxLimitExceeded, store.create_inbox, admin, API)  # `count >= limit`
    assert len(store.inboxes) == 8


def test_set_agent_bot_order():
    store = demo()
    agent, admin = store.authenticate(AGENT, 1), store.authenticate(ADMIN, 1)
    # §2.1: a member agent with an unknown bot gets 404 (the bot lookup precedes the role check) ...
    raises_exactly(ResourceNotFound, store.set_agent_bot, agent, 1, 999)
    # ... and with a valid bot 401.
    raises_exactly(NotAuthorized, store.set_agent_bot, agent, 1, 1)
    # A non-member agent is stopped by `show?` before the bot lookup.
    raises_exactly(NotAuthorized, store.set_agent_bot, agent, 3, 999)
    assert store.bot_links[1].agent_bot_id == 1
    # §2.5: bots are looked up globally (system bot 2 has no account); null removes the link.
    store.set_agent_bot(admin, 2, 2)
    assert store.inbox_agent_bot(admin, 2).id == 2
    store.set_agent_bot(admin, 2, None)
    assert store.inbox_agent_bot(admin, 2) is None and 2 not in store.bot_links


def test_create_refuses_an_unknown_channel_type():
    store = demo()
    admin = store.authenticate(ADMIN, 1)
    for params in ({"name": "X", "channel": {"type": "facebook"}}, {"name": "X"}, {"name": "X", "channel": "api"}):
        raises_exactly(InvalidChannelType, store.create_inbox, admin, params)
    assert sorted(store.inboxes) == [1, 2, 3, 4, 5, 6, 7]


# ----------------------------------------------------------------------------------------------- ids


def test_ids():
    store = demo()
    admin = store.authenticate(ADMIN, 1)
    line = {"type": "line", "line_channel_secret": "s", "line_channel_token": "t"}
    created = [
        store.create_inbox(admin, {"name": "A", "channel": {"type": "api"}}),
        store.create_inbox(admin, {"name": "W", "channel": {"type": "web_widget", "website_url": "https://w.test"}}),
        store.create_inbox(admin, {"name": "L1", "channel": {**line, "line_channel_id": "1"}}),
        store.create_inbox(admin, {"name": "L2", "channel": {**line, "line_channel_id": "2"}}),
    ]
    assert [i.id for i in created] == [8, 9, 10, 11]
    # §4.2 row 3: one sequence per channel type. demo.json: api 1 and 2, web widget 1, no line.
    assert [i.channel_id for i in created] == [3, 2, 1, 2]
    # Ids are never reused (database sequences).
    store.delete_inbox(admin, 11)
    again = store.create_inbox(admin, {"name": "L3", "channel": {**line, "line_channel_id": "3"}})
    assert (again.id, again.channel_id) == (12, 3)


# ---------------------------------------------------------------------------------------------- documented spellings


def test_the_docs_profile_creates_a_twilio_sms_inbox_from_an_sms_channel_with_twilio_credentials():
    # The documents' `sms` is "SMS via Twilio", with an account SID and auth token (digest §1.2).
    channel = {"type": "sms", "account_sid": "AC1", "auth_token": "t", "phone_number": "+15550001"}
    for profile, kind in ((Profile.DOCS, "twilio_sms"), (Profile.CHATWOOT, "sms")):
        store = demo(profile)
        created = store.create_inbox(store.authenticate(ADMIN, 1), {"name": "S", "channel": channel})
        assert created.kind.key == kind, profile


def test_the_docs_profile_reads_the_documented_spellings_on_update_too():
    # The documents call an e-mail channel's IMAP login `imap_email`; Chatwoot permits only `imap_login`.
    for profile, login in ((Profile.DOCS, "new@walters.example"), (Profile.CHATWOOT, "support@walters.example")):
        store = demo(profile)
        store.update_inbox(store.authenticate(ADMIN, 1), 3, {"channel": {"imap_email": "new@walters.example"}})
        assert store.inboxes[3].channel["imap_login"] == login, profile


# ----------------------------------------------------------------------------------------------- avatars


def test_an_avatar_uploaded_without_a_file_name_or_type_is_named_avatar_and_has_no_type():
    avatar = Store.new_avatar("", "", b"x")
    assert (avatar.filename, avatar.content_type, avatar.data) == ("avatar", "", b"x")
    assert Store.new_avatar("me.png", "image/png", b"x").filename == "me.png"


# ----------------------------------------------------------------------------------------------- concurrency


def test_concurrent_creates_lose_nothing():
    store = demo()
    admin = store.authenticate(ADMIN, 1)
    threads, per_thread = 8, 50
    start = threading.Barrier(threads)
    results: list[list[int]] = [[] for _ in range(threads)]
    failures: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                inbox = store.create_inbox(admin, {"name": f"T{slot}-{n}", "channel": {"type": "api"}})
                results[slot].append(inbox.id)
        except BaseException as error:  # reported below
            failures.append(error)

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert not failures
    ids = [i for chunk in results for i in chunk]
    assert len(ids) == len(set(ids)) == threads * per_thread
    assert set(ids) == set(range(8, 8 + threads * per_thread))
    assert len(store.inboxes) == 7 + threads * per_thread
    assert all(store.inboxes[i].name.startswith("T") for i in ids)
    new_channel_ids = [store.inboxes[i].channel_id for i in ids]
    assert sorted(new_channel_ids) == list(range(3, 3 + threads * per_thread))
    assert len(store.list_inboxes(admin)) == 6 + threads * per_thread


def test_unique_channel_values_follow_updates_and_deletes():
    # digest §5.3: an e-mail channel's `email` is unique across the installation.
    store = demo()
    admin = store.authenticate("demo-admin-token", 1)
    taken = {"name": "Second", "channel": {"type": "email", "email": "billing@acme.example"}}
    first = store.create_inbox(admin, taken)
    raises_exactly(RecordInvalid, store.create_inbox, admin, taken)
    # Saving an inbox with its own address is not a clash.
    store.update_inbox(admin, first.id, {"channel": {"email": "billing@acme.example"}})
    # Moving to a new address frees the old one; deleting frees the new one.
    store.update_inbox(admin, first.id, {"channel": {"email": "sales@acme.example"}})
    second = store.create_inbox(admin, taken)
    raises_exactly(RecordInvalid, store.update_inbox, admin, second.id, {"channel": {"email": "sales@acme.example"}})
    store.delete_inbox(admin, first.id)
    assert store.update_inbox(admin, second.id, {"channel": {"email": "sales@acme.example"}}).channel["email"] == (
        "sales@acme.example")


def test_ids_keep_rising_after_deletes_and_explicit_ids():
    store = demo()
    admin = store.authenticate("demo-admin-token", 1)
    body = {"name": "Api", "channel": {"type": "api"}}
    first = store.create_inbox(admin, body)
    assert first.id == 8  # the demo's highest inbox id is 7
    store.delete_inbox(admin, first.id)
    assert store.create_inbox(admin, body).id == 9  # a deleted id is never given again
    store.add_inbox(1, "Explicit", {"type": "api"}, id=50)
    assert store.create_inbox(admin, body).id == 51


# ================================================================= snapshots (the control API's reset)
def test_a_snapshot_restores_an_equal_and_independent_store():
    from mockserver.chatwoot.channels import KINDS
    from mockserver.state.document import encode_document

    original = build_store(demo_document(), Profile.CHATWOOT)
    original.add_account("Later", id=9)
    snapshot = original.snapshot()
    restored = Store.from_snapshot(snapshot)
    assert encode_document(restored) == encode_document(original)
    assert restored.profile is Profile.CHATWOOT
    # Sequences come back too: the next id continues where the original's would.
    assert restored.add_account("Next").id == original.add_account("Next").id == 10
    # Independent: a change to the copy leaves the original and the snapshot alone.
    restored.inboxes[1].name = "Changed"
    assert original.inboxes[1].name != "Changed"
    assert Store.from_snapshot(snapshot).inboxes[1].name == original.inboxes[1].name
    # Channel kinds stay the shared ones, and the copy has its own lock.
    assert all(inbox.kind is KINDS[inbox.kind.key] for inbox in restored.inboxes.values())
    assert restored._lock is not original._lock


def test_inboxes_share_equal_working_hour_rows_and_an_update_replaces_only_its_own():
    store = demo()
    admin = store.authenticate(ADMIN, 1)
    first, second = (store.create_inbox(admin, {**API, "name": name}) for name in ("First", "Second"))
    assert all(a is b for a, b in zip(first.working_hours, second.working_hours, strict=True))
    # 1 and True are equal, but a row holding one is not the row holding the other.
    with_one = store.add_inbox(1, "One", {"type": "api"},
                               working_hours=[{**first.working_hours[0], "closed_all_day": 1}])
    assert with_one.working_hours[0]["closed_all_day"] is not True and first.working_hours[0]["closed_all_day"] is True
    before = [dict(row) for row in second.working_hours]
    store.update_inbox(admin, first.id, {"working_hours": [{"day_of_week": 1, "open_hour": 8}]})
    assert first.working_hours[1]["open_hour"] == 8
    assert second.working_hours == before and second.working_hours[1]["open_hour"] == 9


def test_configure_account_changes_only_what_is_given():
    store = build_store(demo_document(), Profile.DOCS)
    before = store.account_settings(2).inbox_limit
    assert store.configure_account(2, status="suspended").inbox_limit == before
    assert store.configure_account(2, inbox_limit=None).status == "suspended"
    assert store.account_settings(2).inbox_limit is None
    with pytest.raises(ResourceNotFound):
        store.configure_account(99, status="active")
