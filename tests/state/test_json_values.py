"""A state holds only what JSON can: Python's reader takes NaN and Infinity, and a document built
in Python may hold them (or a date) in a free-form field the schema check does not look into. Such
a store answered the API with `null` and exported text that no JSON reader, `PUT /_mock/state`
included, takes back. Every way in refuses them, naming the place, and changes nothing."""

from __future__ import annotations

import datetime
import json
import math
import os
import signal
import subprocess
import sys

import pytest

from mockserver import build_store, demo_document
from mockserver.state.document import StateDocumentError, read_document
from mockserver.testing.mock import ChatwootMock


def with_bot_config(value):
    document = demo_document()
    document["agent_bots"][0]["bot_config"] = {"threshold": value}
    return document


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, datetime.date(2026, 1, 1)],
                         ids=["NaN", "Infinity", "-Infinity", "a date"])
def test_a_python_document_with_a_value_json_cannot_hold_is_refused_where_it_is(value):
    with pytest.raises(StateDocumentError, match=r"at /agent_bots/0/bot_config/threshold, which JSON cannot hold"):
        build_store(with_bot_config(value))


def test_a_nan_in_a_typed_nullable_field_is_refused_too():
    document = demo_document()
    document["accounts"][0]["inbox_limit"] = math.nan  # the schema's check reads NaN as null
    with pytest.raises(StateDocumentError, match="at /accounts/0/inbox_limit"):
        build_store(document)


def test_the_plugins_load_refuses_it_and_keeps_the_state():
    mock = ChatwootMock(demo_document())
    before = mock.export()
    with pytest.raises(Exception, match="which JSON cannot hold"):
        mock.load(with_bot_config(math.nan))
    assert mock.export() == before
    assert json.loads(json.dumps(mock.export(), allow_nan=False)) == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_state_file_with_nan_or_infinity_is_not_json(tmp_path, constant):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(with_bot_config(0.5)).replace('"threshold": 0.5', f'"threshold": {constant}'))
    with pytest.raises(StateDocumentError, match=f"is not JSON: {constant} is not a JSON value"):
        read_document(path)


def test_serve_with_such_fixtures_stops_with_the_message(tmp_path):
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(with_bot_config(0.5)).replace('"threshold": 0.5', '"threshold": NaN'))
    # Its own process group: a mock that serves instead of stopping (the code before the fix did)
    # is stopped with its workers, not left listening after the test.
    serve = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--fixtures", str(path), "--port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = serve.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(serve.pid, signal.SIGKILL)
        serve.communicate()
        raise
    assert serve.returncode == 2
    assert "NaN is not a JSON value" in stderr


def test_finite_floats_and_big_integers_still_load():
    document = with_bot_config(0.25)
    document["agent_bots"][1]["bot_config"] = {"big": 123456789012345678901234567890}
    store = build_store(document)
    assert store.agent_bots[document["agent_bots"][0]["id"]].bot_config == {"threshold": 0.25}
