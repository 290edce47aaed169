"""Any value the state format allows, in any field of any record, loads, serves and round-trips.

A property test: the demo document with one to three fields of its records replaced by values drawn
from the field's schema in `fixtures/state.schema.json` (every integer, not only small ones; any
text; any JSON inside a free-form object), loaded with `PUT /_mock/state` or the runtime's `load`.
A refused document (4xx) changes nothing. A loaded one answers every read of the public API and
the control API without a 5xx, for up to three users' tokens, and exports a document that loads
back, and restarts from the state file, to the same export (`test_round_trip.assert_round_trips`).
A state the mock can load but not serve or export is a bug (developers' guide), such as the
integer past 64 bits that every answer rendering it turned into a 500 (b5fb1f0).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_round_trip import COUNTER, assert_round_trips

from mockserver import Profile, build_store, create_app, demo_document, resources
from mockserver.chatwoot.errors import StateDocumentRejected

SCHEMA = resources.load_json(*resources.STATE_SCHEMA_PATH)
DEFINITIONS = SCHEMA["$defs"]
#: Each section of a document with records, and the definition of its records.
SECTIONS = {name: prop["items"]["$ref"].rsplit("/", 1)[1] for name, prop in SCHEMA["properties"].items()
            if prop.get("type") == "array" and "$ref" in prop.get("items", {})}
READS = [path for path, operations in resources.load_spec()["paths"].items() if "get" in operations]

#: Any integer, the edges of the 32- and 64-bit ranges and past them drawn as often as the rest.
EDGES = [0, 1, 2**31, -2**31 - 1, 2**63, -2**63 - 1, 2**64, 10**30, -10**30]
INTEGERS = st.integers() | st.sampled_from(EDGES)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
JSON_SCALARS = st.none() | st.booleans() | INTEGERS | FLOATS | st.text(max_size=20)
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def values_of(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a field's schema: its types, with unbounded integers and any text (formats and
    patterns not followed: a value they refuse is a refused document, which is tested too)."""
    if "$ref" in schema:
        return values_of(DEFINITIONS[schema["$ref"].rsplit("/", 1)[1]], depth)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([values_of(branch, depth) for branch in schema[key]])
    types = schema.get("type")
    if types is None:
        return ANY_JSON
    strategies = [_values_of_type(kind, schema, depth) for kind in ([types] if isinstance(types, str) else types)]
    return st.one_of(strategies)


def _values_of_type(kind: str, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if kind == "object":
        properties = schema.get("properties")
        if not properties or depth > 3:
            return st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=3)
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {key: values_of(sub, depth + 1) for key, sub in properties.items() if key in required},
            optional={key: values_of(sub, depth + 1) for key, sub in properties.items() if key not in required})
    if kind == "array":
        return st.lists(values_of(schema.get("items", {}), depth + 1), max_size=3)
    if kind == "integer" or kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        edges = [e for e in EDGES if (low is None or e >= low) and (high is None or e <= high)]
        integers = st.integers(low, high) | (st.sampled_from(edges) if edges else st.nothing())
        return integers if kind == "integer" else integers | FLOATS
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
        if schema.get("format") == "email":
            return st.emails()
        return st.text(min_size=schema.get("minLength", 0), max_size=max(30, schema.get("minLength", 0)))
    return {"null": st.none(), "boolean": st.booleans()}[kind]


@st.composite
def altered_documents(draw: st.DrawFn) -> dict[str, Any]:
    document = demo_document()
    for _ in range(draw(st.integers(1, 3), label="fields")):
        section = draw(st.sampled_from(sorted(name for name in SECTIONS if document.get(name))), label="section")
        record = draw(st.sampled_from(document[section]))
        properties = DEFINITIONS[SECTIONS[section]]["properties"]
        field = draw(st.sampled_from(sorted(properties)), label=f"{section} field")
        record[field] = draw(values_of(properties[field]), label=f"{section}.{field}")
    return document


def every_read(client, document: dict[str, Any]) -> list[tuple[str, int]]:
    """Every GET of the public API, as every user with a token, on every record id of the document
    (filled into each path's parameters); the control API's state and overview; (path, status) of
    each answer."""
    ids = {"account_id": [a.get("id") for a in document["accounts"]],
           "id": [i.get("id") for i in document["inboxes"]] + [b.get("id") for b in document["agent_bots"]]
           + [p.get("id") for p in document.get("assignment_policies", [])]}
    ids["inbox_id"] = [i.get("id") for i in document["inboxes"]]
    ids["assignment_policy_id"] = [p.get("id") for p in document.get("assignment_policies", [])]
    tokens = [token for token in (user.get("access_token") for user in document["users"])
              if isinstance(token, str) and token.isascii() and token.isprintable()]  # a header can carry it
    answers = []
    for token in tokens[:3]:
        for template in READS:
            for account in ids["account_id"][:2]:
                path = template.replace("{account_id}", str(account))
                for name in ("id", "inbox_id", "assignment_policy_id"):
                    if "{" + name + "}" in path:
                        path = path.replace("{" + name + "}", str(ids[name][0] if ids[name] else 1))
                response = client.get(path, headers={"api_access_token": token})
                answers.append((path, response.status_code))
    control = ["/_mock/state", "/_mock/accounts", "/_mock/ui"] + [f"/_mock/inboxes/{i}" for i in ids["inbox_id"][:3]]
    answers.extend((path, client.get(path).status_code) for path in control)
    return answers


@pytest.mark.parametrize("way", ["PUT", "load"])
@pytest.mark.parametrize("profile", [Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(document=altered_documents())
def test_any_value_the_format_allows_loads_serves_and_round_trips(tmp_path, profile, way, document):
    """Loaded the two ways a user loads a document: `PUT /_mock/state` (its JSON read by the mock),
    and the runtime's `load` (a document already read, as a state file is and as the pytest
    plugin's `.load()` takes it)."""
    path = tmp_path / f"state-{next(COUNTER)}"
    app = create_app(build_store(demo_document(), profile), state_file=path)
    client = app.test_client()
    before = client.get("/_mock/state").data
    if way == "PUT":
        status = client.put("/_mock/state", json=document).status_code
    else:
        try:
            app.extensions["chatwoot_mock"].load(document)
            status = 200
        except StateDocumentRejected:
            status = 422
    event(f"loaded: {status}")
    assert status in (200, 422)
    if status != 200:
        assert client.get("/_mock/state").data == before  # a refused document changes nothing
        return
    failures = [(path, status) for path, status in every_read(client, document) if status >= 500]
    assert failures == []
    assert_round_trips(app, path, profile)
