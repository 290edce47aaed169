"""The state document's sections: one per table of the store, so whatever keeps the state record by
record (the state database) covers every table the export covers."""

from __future__ import annotations

import copy
import gc
import json

import pytest

from mockserver import resources
from mockserver.chatwoot.models import INBOX_DEFAULTS
from mockserver.chatwoot.tables import TABLES
from mockserver.state.document import (
    SECTIONS,
    StateDocumentError,
    build_store,
    collector_paused,
    demo_document,
    encode_document,
)
from mockserver.state.fixture_sets import generate


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


def test_an_owned_document_lends_its_values_to_the_records_and_a_lent_one_is_copied():
    for owned in (True, False):
        document = demo_document()
        given = {i["id"]: i for i in document["inboxes"]}
        store = build_store(document, owned=owned)
        api, email = store.inboxes[2], store.inboxes[3]
        assert (api.attributes["auto_assignment_config"] is given[2]["auto_assignment_config"]) is owned
        assert (api.channel["additional_attributes"] is given[2]["channel"]["additional_attributes"]) is owned
        assert (email.attributes["csat_config"] is given[3]["csat_config"]) is owned
        # A default the document does not give is a copy either way: no two inboxes, and not the defaults, share it.
        taken = [inbox.attributes["csat_config"] for inbox in store.inboxes.values() if inbox.id != 3]
        assert len({id(value) for value in taken}) == len(taken)
        assert all(value is not INBOX_DEFAULTS["csat_config"] for value in taken)


@pytest.mark.parametrize("document", [demo_document(), generate("large", inboxes=300)], ids=["demo", "large 300"])
def test_an_owned_document_builds_the_store_a_lent_one_does(document):
    lent = encode_document(build_store(copy.deepcopy(document)))
    assert encode_document(build_store(json.loads(json.dumps(document)), owned=True)) == lent
    assert encode_document(build_store(json.loads(lent), owned=True)) == lent
