"""Tables: what a change reports of itself (the records it touched, their values now) and the id
sequences a durable copy keeps across a restart."""

from __future__ import annotations

from mockserver import Profile, build_store, demo_document
from mockserver.chatwoot.models import Inbox


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
