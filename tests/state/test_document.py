"""The state document's sections: one per table of the store, so whatever keeps the state record by
record (the state database) covers every table the export covers."""

from __future__ import annotations

import gc

import pytest

from mockserver import resources
from mockserver.chatwoot.tables import TABLES
from mockserver.state.document import SECTIONS, StateDocumentError, build_store, collector_paused, demo_document


def test_every_table_of_the_store_is_one_section_of_the_document():
    assert sorted(section.table for section in SECTIONS) == sorted(TABLES)
    assert len({section.name for section in SECTIONS}) == len(SECTIONS)
    schema = resources.load_json(*resources.STATE_SCHEMA_PATH)
    assert set(schema["properties"]) == {"version"} | {section.name for section in SECTIONS}


def test_a_load_pauses_the_collector_and_gives_it_back_as_it_found_it():
    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    with pytest.raises(StateDocumentError), collector_paused():  # a load that fails gives it back too
        raise StateDocumentError("refused")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # paused by its owner (a start around its load): left to it
    finally:
        gc.enable()


def test_a_document_builds_with_the_collector_running_afterwards():
    store = build_store(demo_document())
    assert gc.isenabled() and len(store.inboxes) == len(demo_document()["inboxes"])
