"""`/_mock/ui`: the page lays the dashboard out and obeys the control API's access rule; its data
comes from the control API (the browser tests drive it in Chromium, tests/browser/)."""

from __future__ import annotations

from mockserver import create_app
from mockserver.web.routes import ROUTES


def test_the_page_offers_every_operation_to_the_fault_form_and_loads_its_script():
    page = create_app().test_client().get("/_mock/ui", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(f"<option>{route.operation_id}</option>" in text for route in ROUTES)
    assert "/_mock/ui/static/dashboard.js" in text and 'data-key-required="false"' in text
    script = create_app().test_client().get("/_mock/ui/static/dashboard.js")
    assert script.status_code == 200 and b'control("GET", "/accounts")' in script.data


def test_without_a_key_the_page_is_refused_off_loopback():
    page = create_app().test_client().get("/_mock/ui", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert page.status_code == 403
    assert "dashboard.js" not in page.get_data(as_text=True)


def test_with_a_key_the_page_asks_for_it_and_the_api_checks_it():
    client = create_app(control_key="k").test_client()
    page = client.get("/_mock/ui", environ_base={"REMOTE_ADDR": "192.0.2.7"}).get_data(as_text=True)
    assert 'data-key-required="true"' in page and 'id="key-form"' in page
    assert client.get("/_mock/accounts", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 401
