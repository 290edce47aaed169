"""Shared fixtures: a fresh demo store and app per test, in either profile, with every response
checked against the spec (`validate_responses=True` turns a spec violation into a 500 that names
it, so no test can pass on a response the spec does not allow)."""

from __future__ import annotations

import pytest

from mockserver import Profile, build_store, create_app, demo_document

ADMIN = "demo-admin-token"
AGENT = "demo-agent-token"
GLOBEX_ADMIN = "demo-globex-token"
BOT = "demo-bot-token-1"
PREFIX = "/api/v1/accounts/1"


class ApiClient:
    """Flask's test client with the token header and the account prefix filled in."""

    def __init__(self, client, token: str | None, prefix: str = PREFIX) -> None:
        self.client = client
        self.token = token
        self.prefix = prefix

    def as_(self, token: str | None) -> ApiClient:
        return ApiClient(self.client, token, self.prefix)

    def request(self, method: str, path: str, *, headers: dict | None = None, absolute: bool = False, **kwargs):
        all_headers = {} if self.token is None else {"api_access_token": self.token}
        all_headers.update(headers or {})
        url = path if absolute else self.prefix + path
        response = self.client.open(url, method=method, headers=all_headers, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture(params=[Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
def profile(request) -> Profile:
    """Parametrises a test over both profiles; tests that need one profile ask for it by name."""
    return request.param


@pytest.fixture
def store(profile):
    return build_store(demo_document(), profile)


@pytest.fixture
def app(store):
    return create_app(store, validate_responses=True)


@pytest.fixture
def admin(app) -> ApiClient:
    return ApiClient(app.test_client(), ADMIN)


@pytest.fixture
def agent(admin) -> ApiClient:
    return admin.as_(AGENT)


def make_client(profile: Profile, token: str = ADMIN) -> ApiClient:
    """A client on a fresh demo store in one given profile."""
    app = create_app(build_store(demo_document(), profile), validate_responses=True)
    return ApiClient(app.test_client(), token)


@pytest.fixture
def docs_admin() -> ApiClient:
    return make_client(Profile.DOCS)


@pytest.fixture
def chatwoot_admin() -> ApiClient:
    return make_client(Profile.CHATWOOT)
