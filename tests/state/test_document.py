"""The state document's sections: one per table of the store, so whatever keeps the state record by
record (the state database) covers every table the export covers."""

from __future__ import annotations

from mockserver import resources
from mockserver.chatwoot.tables import TABLES
from mockserver.state.document import SECTIONS


def test_every_table_of_the_store_is_one_section_of_the_document():
    assert sorted(section.table for section in SECTIONS) == sorted(TABLES)
    assert len({section.name for section in SECTIONS}) == len(SECTIONS)
    schema = resources.load_json(*resources.STATE_SCHEMA_PATH)
    assert set(schema["properties"]) == {"version"} | {section.name for section in SECTIONS}

