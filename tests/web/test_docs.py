"""The pages for people (`mockserver.web.docs`): the docs pages, the specs, the liveness route. None
of them is an API call: no journal entry, no fault, no drift."""

from __future__ import annotations

import json

import pytest
import yaml

from mockserver import create_app
from mockserver.resources import SPEC_PATH, data_path, load_control_spec, load_spec


@pytest.fixture
def client():
    return create_app(validate_responses=True).test_client()


def test_the_specs_are_served_as_json_and_as_written(client):
    assert client.get("/openapi.json").get_json() == load_spec()
    assert client.get("/_mock/openapi.json").get_json() == load_control_spec()
    served_yaml = client.get("/openapi.yaml")
    assert served_yaml.content_type == "application/yaml"
    assert served_yaml.data == data_path(*SPEC_PATH).read_bytes()
    assert yaml.safe_load(client.get("/_mock/openapi.yaml").data) == load_control_spec()


def test_the_docs_page_renders_the_spec_with_swagger_ui_from_the_package(client):
    page = client.get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'url: "/openapi.json"' in text
    assert "/_mock/assets/swagger-ui/swagger-ui-bundle.js" in text
    assert "http://" not in text.replace("http://127.0.0.1", "") and "https://" not in text  # nothing from afar
    bundle = client.get("/_mock/assets/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and b"SwaggerUIBundle" in bundle.data
    assert client.get("/docs").headers["Location"] == "/"


def test_the_demo_token_is_prefilled_on_loopback_only(client):
    local = client.get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'var token = "demo-admin-token";' in local
    remote = client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}).get_data(as_text=True)
    assert "var token = null;" in remote and "demo-admin-token" not in remote


def test_no_token_is_prefilled_when_no_account_has_an_administrator():
    document = {"version": 1, "accounts": [], "users": [], "agent_bots": [], "inboxes": [], "inbox_members": [],
                "agent_bot_inboxes": [], "campaigns": []}
    app = create_app()
    app.extensions["chatwoot_mock"].load(document)
    page = app.test_client().get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert "var token = null;" in page


def test_the_control_api_docs_page(client):
    page = client.get("/_mock/").get_data(as_text=True)  # a trailing slash too
    assert 'url: "/_mock/openapi.json"' in page and "var token = null;" in page


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_pages_are_not_api_calls(client):
    runtime = client.application.extensions["chatwoot_mock"]
    runtime.faults.add(status=503)  # every operation: the pages are none
    for path in ("/", "/docs", "/openapi.json", "/openapi.yaml", "/_mock", "/_mock/openapi.json", "/health",
                 "/favicon.ico", "/_mock/assets/swagger-ui/swagger-ui.css", "/_mock/ui"):
        assert client.get(path).status_code in (200, 302), path
    assert len(runtime.journal) == 0


def test_drift_leaves_the_pages_alone():
    client = create_app(drift=["text_content_type"]).test_client()
    assert client.get("/openapi.json").content_type == "application/json"
    assert client.get("/").mimetype == "text/html"


def test_the_json_spec_is_the_yaml_one(client):
    assert json.loads(client.get("/openapi.json").data) == yaml.safe_load(client.get("/openapi.yaml").data)
