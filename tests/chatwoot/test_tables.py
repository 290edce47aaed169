"""Tables: what a change reports of itself (the records it touched, their values now), the id
sequences a durable copy keeps across a restart, an undone change leaving records and indexes (tokens,
unique values, counts, avatars) as they were, snapshots, timestamps and member lists."""

from __future__ import annotations

import re

import pytest

from mockserver import Profile, Store, build_store, demo_document
from mockserver.chatwoot.errors import BotTokenRejected, InboxLimitExceeded, InvalidAccessToken, RecordInvalid
from mockserver.chatwoot.models import Inbox
from mockserver.state.document import export_document


def test_changed_records_are_the_touched_records_with_their_values_now():
    store = build_store(demo_document(), Profile.DOCS)
    with store.changing() as change:
        inbox = store.add_inbox(1, "New", {"type": "api"})
        store.add_member(inbox.id, 1)
        store.configure_account(2, status="suspended")
        store._remove_inbox(store.inboxes[2])
    records = {(table, key): value for table, key, value in store.changed_records(change)}
    assert records[("inboxes", inbox.id)] is inbox
    assert records[("members", inbox.id)] == [1]
    assert records[("accounts", 2)].status == "suspended"
    assert records[("inboxes", 2)] is None  # removed
    assert set(records) == set(change.touched)
    assert all(isinstance(value, Inbox) or value is None
               for (table, _), value in records.items() if table == "inboxes")


def test_sequences_continue_past_ids_no_record_holds_any_more():
    store = build_store(demo_document(), Profile.DOCS)
    created = store.add_inbox(1, "Short-lived", {"type": "api"})
    store._remove_inbox(created)
    saved = store.sequences()
    assert saved["inbox"] == created.id

    restarted = build_store(demo_document(), Profile.DOCS)  # the document alone: the id would come again
    assert restarted.sequences()["inbox"] < created.id
    restarted.continue_sequences(saved)
    assert restarted.add_inbox(1, "After restart", {"type": "api"}).id == created.id + 1
    restarted.continue_sequences({"inbox": 1})  # never goes back
    assert restarted.sequences()["inbox"] == created.id + 1


def test_an_undone_change_leaves_every_record_and_index_as_it_was():
    # A write the runtime cannot save is undone (control/runtime.py): the records come back, and so
    # must what is derived from them: tokens, unique channel values, inbox counts, avatars, sequences.
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    pictured = store.create_inbox(admin, {"name": "Pictured", "channel": {"type": "api"}},
                                  avatar=Store.new_avatar("old.png", "image/png", b"o" * 100))
    old_key = pictured.avatar.key
    sms_number, whatsapp_number = store.inboxes[6].channel["phone_number"], store.inboxes[4].channel["phone_number"]
    before, sequences = export_document(store), store.sequences()
    with pytest.raises(RuntimeError), store.changing():
        store.add_user("New", "new@example.test", "new-user-token", {1: "agent"})
        store.add_agent_bot("New bot", "new-bot-token", account_id=1)
        store.create_inbox(admin, {"name": "New", "channel": {"type": "sms", "phone_number": "+15550009999"}})
        store.update_inbox(admin, 6, {"channel": {"phone_number": "+15550008888"}})
        store.update_inbox(admin, 2, {"name": "Renamed", "greeting_enabled": True,  # changed in place
                                      "working_hours": [{"day_of_week": 1, "closed_all_day": True}]})
        # Nested values replaced (the undo log shares what a write only ever replaces: models.Inbox.undo_copy).
        store.update_inbox(admin, 1, {"csat_config": {"display_type": "star", "message": "Rate us"},
                                      "auto_assignment_config": {"max_assignment_limit": 3},
                                      "channel": {"selected_feature_flags": ["attachments"], "pre_chat_form_options": {
                                          "pre_chat_message": "Who?", "pre_chat_fields": [{"name": "emailAddress"}]}}})
        store.delete_inbox(admin, 4)
        store.update_inbox(admin, pictured.id, {}, avatar=Store.new_avatar("new.png", "image/png", b"n" * 300))
        new_key = pictured.avatar.key
        store.configure_account(1, status="suspended")
        brief = store.create_inbox(admin, {"name": "Brief", "channel": {"type": "api"}})  # made and gone again
        store.add_inbox_members(admin, brief.id, [2])
        store.delete_inbox(admin, brief.id)
        raise RuntimeError("the change could not be saved")
    assert (export_document(store), store.sequences()) == (before, sequences)
    admin = store.authenticate("demo-admin-token", 1)  # the account active again (a new record: undone)
    for token in ("new-user-token", "new-bot-token"):
        with pytest.raises(InvalidAccessToken):
            store.authenticate(token, 1)
    assert store.avatar(old_key).data == b"o" * 100 and store.avatar(new_key) is None
    taken = {"sms": sms_number, "whatsapp": whatsapp_number}
    for kind, number in taken.items():  # the numbers of the changed and the deleted inbox are theirs again
        with pytest.raises(RecordInvalid):
            store.create_inbox(admin, {"name": "Again", "channel": {"type": kind, "phone_number": number}})
    made = store.create_inbox(admin, {"name": "Free", "channel": {"type": "sms", "phone_number": "+15550008888"}})
    assert made.id == sequences["inbox"] + 1  # the undone create's id is given again
    # The avatar memory holds the old avatar alone: exactly the rest of the cap fits.
    store.avatar_memory_limit = 100 + 50
    with pytest.raises(RecordInvalid):
        store.update_inbox(admin, made.id, {}, avatar=Store.new_avatar("a.png", "image/png", b"a" * 51))
    store.update_inbox(admin, made.id, {}, avatar=Store.new_avatar("a.png", "image/png", b"a" * 50))
    # The inbox count is the records' own: the limit allows exactly one more.
    store.configure_account(1, inbox_limit=sum(inbox.account_id == 1 for inbox in store.inboxes.values()) + 1)
    store.create_inbox(admin, {"name": "Last", "channel": {"type": "api"}})
    with pytest.raises(InboxLimitExceeded):
        store.create_inbox(admin, {"name": "One too many", "channel": {"type": "api"}})


def test_an_undone_agent_bot_delete_gives_the_bot_its_token_back():
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    bot = store.create_agent_bot(admin, {"name": "Doomed"})
    with pytest.raises(RuntimeError), store.changing():
        store.update_agent_bot(admin, bot.id, {"name": "Renamed"})
        store.delete_agent_bot(admin, bot.id)
        raise RuntimeError("the change could not be saved")
    with pytest.raises(BotTokenRejected):  # the token is the bot's again: known, and refused as a bot's
        store.authenticate(bot.access_token, 1)
    assert store.get_agent_bot(admin, bot.id).name == "Doomed"


@pytest.mark.parametrize(("write", "touched"), [
    (lambda store, admin: store.update_inbox(admin, 6, {"channel": {"phone_number": "+15550008888"}}),
     [("inboxes", 6)]),
    (lambda store, admin: store.update_inbox(admin, 6, {}, avatar=Store.new_avatar("a.png", "image/png", b"a")),
     [("inboxes", 6)]),
    (lambda store, admin: store.delete_avatar(admin, 6), [("inboxes", 6)]),
    (lambda store, admin: store.create_inbox(admin, {"name": "New", "channel": {"type": "api"}}), [("inboxes", 8)]),
    (lambda store, admin: store.delete_inbox(admin, 1),
     [("inboxes", 1), ("members", 1), ("bot_links", 1), ("campaigns", 1), ("campaigns", 2)]),
])
def test_a_write_touches_exactly_the_records_it_changes(write, touched):
    # What a change touched is what the state database writes (control/state_db.py): no record more.
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    store.update_inbox(admin, 6, {}, avatar=Store.new_avatar("old.png", "image/png", b"o"))
    with store.changing() as change:
        write(store, admin)
    assert change.touched == touched


def test_a_restored_snapshot_is_a_store_of_its_own():
    store = build_store(demo_document(), Profile.DOCS)
    snapshot = store.snapshot()
    first, second = Store.from_snapshot(snapshot), Store.from_snapshot(snapshot)
    assert len({store.uid, first.uid, second.uid}) == 3  # what caches of rendered views are keyed by
    assert export_document(first) == export_document(store)


def test_members_are_listed_in_id_order_and_only_the_accounts_own():
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    store.add_member(2, 3)  # a user of account 2 only, made a member by a state document
    store.add_member(2, 1)
    assert [user.id for user in store.inbox_members(admin, 2)] == [1, 2]  # joined 2, then 3, then 1
    assert [user.id for user in store.assignable_agents(admin, 2)] == [1, 2]


def test_a_replaced_avatar_frees_its_memory_and_its_address():
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    store.update_inbox(admin, 1, {}, avatar=Store.new_avatar("old.png", "image/png", b"o" * 100))
    old_key = store.inboxes[1].avatar.key
    store.avatar_memory_limit = 100  # full: only a replacement of at most the same size fits
    store.update_inbox(admin, 1, {}, avatar=Store.new_avatar("new.png", "image/png", b"n" * 100))
    assert store.avatar(old_key) is None  # the old address serves nothing, not the new picture
    assert store.avatar(store.inboxes[1].avatar.key).data == b"n" * 100
    with pytest.raises(RecordInvalid):
        store.update_inbox(admin, 2, {}, avatar=Store.new_avatar("more.png", "image/png", b"m"))


def test_new_records_are_stamped_in_utc_with_milliseconds_and_a_z():
    # As Rails renders a timestamp: 2025-01-13T22:18:26.123Z.
    store = build_store(demo_document(), Profile.DOCS)
    inbox = store.add_inbox(1, "Stamped", {"type": "api"})
    campaign = store.add_campaign(inbox.id, "Stamped", "Hello", "ongoing")
    for stamp in (inbox.created_at, campaign.created_at, campaign.updated_at):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp


def test_every_store_has_its_own_uid():
    stores = [build_store(demo_document(), Profile.DOCS) for _ in range(2)]
    assert stores[0].uid != stores[1].uid and all(isinstance(store.uid, str) and store.uid for store in stores)


def test_an_inbox_version_is_never_given_twice_not_even_after_an_undo():
    # What a cache of the rendered inbox is keyed by (web/rendered.py).
    store = build_store(demo_document(), Profile.DOCS)
    seen = [inbox.version for inbox in store.inboxes.values()]
    with pytest.raises(RuntimeError), store.changing():
        seen.append(store.add_inbox(1, "Undone", {"type": "api"}).version)
        raise RuntimeError("the change could not be saved")
    again = store.add_inbox(1, "Again", {"type": "api"})  # the same id as the undone one
    seen += [again.version, store.add_inbox(1, "Next", {"type": "api"}).version]
    assert len(set(seen)) == len(seen) and all(isinstance(version, int) for version in seen)


def test_equal_working_hour_rows_a_document_gives_are_held_once_and_an_unkeyable_row_is_copied():
    # 10,000 inboxes hold about 20 distinct rows: each kept once (Tables._shared_hours), as the store's copy.
    store = build_store(demo_document(), Profile.DOCS)
    rows = [{"day_of_week": 1, "closed_all_day": False, "open_hour": 9, "open_minutes": 0},
            {"day_of_week": 2, "closed_all_day": True}]
    first = store.add_inbox(1, "First", {"type": "api"}, working_hours=[dict(row) for row in rows])
    second = store.add_inbox(1, "Second", {"type": "api"}, working_hours=[dict(row) for row in rows])
    assert first.working_hours == second.working_hours == rows
    assert all(a is b for a, b in zip(first.working_hours, second.working_hours, strict=True))
    # 1 and True are equal, but not rendered alike: two rows.
    one = store.add_inbox(1, "One", {"type": "api"}, working_hours=[{"day_of_week": 2, "closed_all_day": 1}])
    assert one.working_hours[0]["closed_all_day"] == 1 and one.working_hours[0] is not second.working_hours[1]
    # A row holding a value that cannot be a key is copied, and the rows after it are still kept.
    odd = [{"day_of_week": 0, "note": ["x"]}, dict(rows[0])]
    third = store.add_inbox(1, "Third", {"type": "api"}, working_hours=odd)
    assert third.working_hours == odd
    assert third.working_hours[0] is not odd[0] and third.working_hours[0]["note"] is not odd[0]["note"]
    assert third.working_hours[1] is first.working_hours[0]


def test_ids_a_document_gives_are_kept_and_a_duplicate_refused():
    store = build_store(demo_document(), Profile.DOCS)
    inbox = store.add_inbox(1, "Given ids", {"type": "api", "channel_id": 42}, id=40)
    assert (inbox.id, inbox.channel_id) == (40, 42)
    assert store.add_inbox(1, "Next", {"type": "api"}).channel_id == 43  # the API channel sequence goes on
    with pytest.raises(ValueError, match=r"^duplicate inbox id 40$"):
        store.add_inbox(1, "Twin", {"type": "api"}, id=40)


@pytest.mark.parametrize(("token", "message"), [("", "an access token must not be blank"),
                                                 ("demo-agent-token", "access token already in use")])
def test_a_token_that_is_blank_or_taken_is_refused(token, message):
    store = build_store(demo_document(), Profile.DOCS)
    with pytest.raises(ValueError, match=f"^{message}$"):
        store.add_user("New", "new@example.test", token, {1: "agent"})
    with pytest.raises(ValueError, match=f"^{message}$"):
        store.add_agent_bot("New bot", token, account_id=1)


def test_an_undone_change_keeps_the_avatar_memory_of_every_inbox():
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    for inbox_id in (1, 2):
        store.update_inbox(admin, inbox_id, {}, avatar=Store.new_avatar("a.png", "image/png", b"a" * 100))
    with pytest.raises(RuntimeError), store.changing():
        store.update_inbox(admin, 2, {"name": "Renamed"})  # undone: the inbox is put back with its avatar
        raise RuntimeError("the change could not be saved")
    store.avatar_memory_limit = 250  # 200 held: 50 more fit, 51 do not
    with pytest.raises(RecordInvalid):
        store.update_inbox(admin, 3, {}, avatar=Store.new_avatar("b.png", "image/png", b"b" * 51))
    store.update_inbox(admin, 3, {}, avatar=Store.new_avatar("b.png", "image/png", b"b" * 50))


def test_a_telegram_bot_token_is_checked_on_create_only_and_must_be_present():
    # ensure_valid_bot_token runs on create (digest §2.3); presence on every save.
    store = build_store(demo_document(), Profile.DOCS)
    admin = store.authenticate("demo-admin-token", 1)
    with pytest.raises(RecordInvalid, match="Bot token invalid token"):
        store.create_inbox(admin, {"name": "T", "channel": {"type": "telegram", "bot_token": "not-a-token"}})
    store.update_inbox(admin, 5, {"channel": {"bot_token": "not-a-token-either"}})
    assert store.inboxes[5].channel["bot_token"] == "not-a-token-either"
    with pytest.raises(RecordInvalid, match="Bot token can't be blank"):
        store.add_inbox(1, "No token", {"type": "telegram"})
