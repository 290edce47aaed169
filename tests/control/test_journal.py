"""The request journal on its own: bound, order, filters, caps, clear."""

from __future__ import annotations

import threading

import pytest

from mockserver.control.journal import MAX_ERROR_CHARS, MAX_ERRORS, MAX_PATH_CHARS, Journal, status_matches


def fill(journal: Journal) -> None:
    journal.record("GET", "/api/v1/accounts/1/inboxes", 200, operation_id="listInboxes", at=1.0)
    journal.record("POST", "/api/v1/accounts/1/inboxes", 422, operation_id="createInbox",
                   validation_errors=["name: blank"], at=2.0)
    journal.record("GET", "/api/v1/accounts/1/inboxes/7", 404, operation_id="getInbox", at=3.0)
    journal.record("GET", "/nowhere", 404, at=4.0)


def test_entries_come_newest_first_with_every_field():
    journal = Journal(10)
    fill(journal)
    entries = journal.entries()
    assert [e.at for e in entries] == [4.0, 3.0, 2.0, 1.0]
    post = entries[2]
    assert (post.method, post.path, post.status, post.operation_id, post.validation_errors) == (
        "POST", "/api/v1/accounts/1/inboxes", 422, "createInbox", ("name: blank",))
    assert entries[0].operation_id is None
    assert post.to_dict()["at"] == "1970-01-01T00:00:02.000Z"


def test_the_oldest_entries_go_first_when_full():
    journal = Journal(3)
    for n in range(10):
        journal.record("GET", f"/p/{n}", 200)
    assert [e.path for e in journal.entries()] == ["/p/9", "/p/8", "/p/7"]
    assert len(journal) == 3


def test_size_zero_records_nothing():
    journal = Journal(0)
    fill(journal)
    assert journal.entries() == [] and not journal.enabled


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError):
        Journal(-1)


def test_filters_method_case_insensitive_path_exact_or_prefix_status_code_or_class():
    journal = Journal(10)
    fill(journal)
    assert [e.at for e in journal.entries(method="post")] == [2.0]
    assert [e.at for e in journal.entries(path="/api/v1/accounts/1/inboxes")] == [2.0, 1.0]
    assert [e.at for e in journal.entries(path="/api/v1/accounts/1/inboxes*")] == [3.0, 2.0, 1.0]
    assert [e.at for e in journal.entries(status=404)] == [4.0, 3.0]
    assert [e.at for e in journal.entries(status="4xx")] == [4.0, 3.0, 2.0]
    assert [e.at for e in journal.entries(method="GET", status=404, path="/nowhere")] == [4.0]
    assert [e.at for e in journal.entries(operation_id="getInbox")] == [3.0]


def test_status_class_and_code():
    assert status_matches(201, "2xx") and not status_matches(301, "2xx")
    assert status_matches(404, "404") and not status_matches(404, 405)


def test_clear_empties_it():
    journal = Journal(10)
    fill(journal)
    journal.clear()
    assert journal.entries() == []


def test_long_strings_and_many_errors_are_capped():
    journal = Journal(1)
    journal.record("GET", "/" + "x" * 100_000, 404, query="q=" + "y" * 100_000,
                   validation_errors=["z" * 100_000] * 1000)
    entry = journal.entries()[0]
    assert len(entry.path) == MAX_PATH_CHARS and entry.path.endswith("...")
    assert len(entry.query) <= MAX_PATH_CHARS
    assert len(entry.validation_errors) == MAX_ERRORS
    assert all(len(e) == MAX_ERROR_CHARS for e in entry.validation_errors)


def test_reading_while_other_threads_write_never_fails():
    journal = Journal(50)
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            journal.record("GET", "/p", 200)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(2000):
            assert len(journal.entries()) <= 50
    finally:
        stop.set()
        for writer in writers:
            writer.join()
