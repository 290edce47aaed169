"""pytest plugin (entry point `pytest11`, installed with the package): the Chatwoot mock in tests.

Fixtures
    chatwoot_mock            an in-process mock with fresh state for each test (`mockserver.testing.mock.ChatwootMock`)
    chatwoot_intercept       the same mock, with `requests` and `httpx` calls to the base URL answered by it
    chatwoot_server          a served mock on a free loopback port, shared by the session, reset for each test
    chatwoot_mock_document   the state document a test starts from; override it to give your own

Marker (every argument optional)
    @pytest.mark.chatwoot_mock(fixtures="demo" | "empty" | "large" | PATH, seed=1, inboxes=None,
                               document=None, profile="docs", base_url=..., intercept=["requests", "httpx"],
                               passthrough=False, validate_responses=True)

ini options: chatwoot_mock_fixtures, chatwoot_mock_seed, chatwoot_mock_profile, chatwoot_mock_base_url,
chatwoot_mock_passthrough.

pytest imports this module at every start, so it imports nothing but pytest here: the mock (Flask,
openapi-core, Faker) is imported by the first fixture that needs it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

MARKER = "chatwoot_mock"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("chatwoot_mock_fixtures", "fixture set (demo, empty, large) or state document file the "
                  "chatwoot_mock fixtures start from", default="demo")
    parser.addini("chatwoot_mock_seed", "seed of a generated fixture set", default="")
    parser.addini("chatwoot_mock_profile", "answer as Chatwoot's documents (docs) or Chatwoot 4.10 (chatwoot)",
                  default="docs")
    parser.addini("chatwoot_mock_base_url", "Chatwoot base URL that chatwoot_intercept answers",
                  default="https://app.chatwoot.com")
    parser.addini("chatwoot_mock_passthrough", "let intercepted clients reach other hosts over the network",
                  type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    _ini_options(config)  # a bad ini value stops the run at once, naming it
    config.addinivalue_line(
        "markers", f"{MARKER}(fixtures=None, seed=None, inboxes=None, document=None, profile=None, base_url=None, "
                   "intercept=None, passthrough=None, validate_responses=True): how the chatwoot_mock fixtures "
                   "start (a fixture set or state document) and what they intercept")


SET_NAMES = ("demo", "empty", "large")


def _ini_options(config: pytest.Config) -> dict[str, Any]:
    """The ini options, read once for the per-test mocks and the session's served one, checked: a bad
    seed is a usage error naming it, and a state file's path is relative to pytest's rootdir (where the
    ini file is), not to the folder pytest was started from."""
    seed = config.getini("chatwoot_mock_seed").strip()
    if seed and not seed.lstrip("-").isdigit():
        raise pytest.UsageError(f"chatwoot_mock_seed = {seed!r} (ini option): not a whole number")
    fixtures = config.getini("chatwoot_mock_fixtures").strip() or "demo"
    if fixtures not in SET_NAMES and not os.path.isabs(fixtures):
        fixtures = str(config.rootpath / fixtures)
    profile = config.getini("chatwoot_mock_profile").strip()
    if profile not in ("docs", "chatwoot"):
        raise pytest.UsageError(f"chatwoot_mock_profile = {profile!r} (ini option): choose docs or chatwoot")
    return {"fixtures": fixtures, "seed": int(seed) if seed else None, "profile": profile,
            "base_url": config.getini("chatwoot_mock_base_url"),
            "passthrough": config.getini("chatwoot_mock_passthrough")}


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The marker's arguments (the closest marker wins) over the ini options."""
    options: dict[str, Any] = {**_ini_options(request.config), "inboxes": None, "document": None,
                               "intercept": ("requests", "httpx"), "validate_responses": True}
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        unknown = set(marker.kwargs) - options.keys()
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown arguments {sorted(unknown)}; "
                                    f"known: {sorted(options)}")
        if "fixtures" in marker.kwargs:
            options["seed"] = None  # the ini option's seed belongs to the ini option's set
        options.update(marker.kwargs)
    return options


@pytest.fixture
def chatwoot_mock_document(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The state document the test's mock starts from: the marker's `document`, else its fixture set
    or file (`fixtures`, `seed`, `inboxes`), else the ini option's (default: the demo)."""
    options = _options(request)
    if options["document"] is not None:
        return options["document"]
    from mockserver.state.document import StateDocumentError
    from mockserver.state.fixture_sets import FixtureSetError, load

    try:
        return load(options["fixtures"], seed=options["seed"], inboxes=options["inboxes"])
    except (FixtureSetError, StateDocumentError) as error:
        raise pytest.UsageError(f"chatwoot_mock: {error}") from None


@pytest.fixture
def chatwoot_mock(request: pytest.FixtureRequest, chatwoot_mock_document: dict[str, Any]) -> Any:
    """An in-process Chatwoot mock with its own state, built for this test alone."""
    from mockserver.testing.mock import ChatwootMock

    options = _options(request)
    return ChatwootMock(chatwoot_mock_document, profile=options["profile"], base_url=options["base_url"],
                        validate_responses=options["validate_responses"])


@pytest.fixture
def chatwoot_intercept(request: pytest.FixtureRequest, chatwoot_mock: Any) -> Any:
    """`chatwoot_mock`, answering the `requests` and `httpx` calls the code under test makes to the
    base URL; calls to any other host fail unless `passthrough` is on."""
    options = _options(request)
    libraries = options["intercept"]
    with chatwoot_mock.intercept(libraries=[libraries] if isinstance(libraries, str) else libraries,
                                 passthrough=options["passthrough"]):
        yield chatwoot_mock


class _ServedPool:
    """The session's served mocks: one process per (profile, validate_responses) a test asks for,
    started from the ini options' state, reset (or loaded) before each test."""

    def __init__(self, config: pytest.Config) -> None:
        self.ini = _ini_options(config)
        self.servers: dict[tuple[str, bool], Any] = {}
        self._source: dict[str, Any] | None = None

    def server(self, profile: str, validate_responses: bool) -> Any:
        from mockserver.testing.server import ChatwootServer

        key = (profile, bool(validate_responses))
        if key not in self.servers:
            args = ["--fixtures", self.ini["fixtures"], *(["--validate-responses"] if validate_responses else [])]
            if self.ini["seed"] is not None:
                args += ["--seed", str(self.ini["seed"])]
            self.servers[key] = ChatwootServer(*args, profile=profile).start()
        return self.servers[key]

    def is_startup_state(self, document: dict[str, Any]) -> bool:
        """Whether `document` is the one the servers started from (then a reset restores it)."""
        if self._source is None:
            from mockserver.state.fixture_sets import load

            self._source = load(self.ini["fixtures"], seed=self.ini["seed"])
        return document is self._source or document == self._source

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def _chatwoot_served(request: pytest.FixtureRequest) -> Any:
    pool = _ServedPool(request.config)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def chatwoot_server(request: pytest.FixtureRequest, _chatwoot_served: Any,
                    chatwoot_mock_document: dict[str, Any]) -> Any:
    """A served mock (`.url`, `.admin_token`, `.tokens`, the helpers of `chatwoot_mock`): one process
    per profile for the whole session, its journal and faults emptied and its state reset before each
    test: to `chatwoot_mock_document` (the marker's set or document, a conftest override, the ini
    option's), loaded only when it is not the state the session started it with."""
    options = _options(request)
    server = _chatwoot_served.server(options["profile"], options["validate_responses"])
    server.clear_requests()
    server.clear_faults()
    if _chatwoot_served.is_startup_state(chatwoot_mock_document):
        server.reset()
    else:
        server.load(chatwoot_mock_document)
    return server
