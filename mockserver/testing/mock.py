"""The mock in someone else's test suite: what the pytest plugin's fixtures hand out, usable
without pytest too.

- `ChatwootMock`: an in-process mock (a fresh store from a state document), a client that sends
  the token for you, helpers that add records through the store's own seeding functions, and the
  request journal.
- `ChatwootMock.intercept()`: `requests` and `httpx` calls to a Chatwoot base URL are answered by
  the in-process app, with no network, through the libraries made for this (`responses`, `respx`).
  Any other URL fails, unless `passthrough=True` lets it go to the network.
- `ChatwootServer`: a served mock (`chatwoot-mock serve` on a free loopback port) and its control API.

Imported only when a fixture is used: the plugin itself imports nothing but pytest.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from mockserver.chatwoot.errors import RecordInvalid
from mockserver.chatwoot.models import ADMINISTRATOR, AGENT, Account, AgentBot, Campaign, Inbox, User
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.control.journal import JournalEntry
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import build_store
from mockserver.state.fixture_sets import ChannelFactory
from mockserver.testing.served import ServedMock
from mockserver.web.app import RUNTIME_KEY, create_app

DEFAULT_BASE_URL = "https://app.chatwoot.com"
INTERCEPTED_LIBRARIES = ("requests", "httpx")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ADDED_UNIQUE_TRIES = 20


class InterceptionUnavailable(ImportError):
    """A test asked to intercept a client library whose mocking library is not installed."""

    def __init__(self, client: str, needed: str) -> None:
        super().__init__(
            f"chatwoot-mock cannot intercept {client} calls: {needed} is not installed. Install the plugin's "
            f"extra: pip install 'chatwoot-inbox-mock[pytest]' (or intercept only the libraries you use, "
            f"e.g. @pytest.mark.chatwoot_mock(intercept=['{'httpx' if client == 'requests' else 'requests'}']))")


class _FromDocument:
    """What a test needs to know of the state document a mock serves: its first account and tokens."""

    document: dict[str, Any]
    startup_document: dict[str, Any]

    @property
    def account_id(self) -> int:
        return self.document["accounts"][0]["id"] if self.document["accounts"] else 1

    @property
    def admin_token(self) -> str | None:
        """The first administrator's token in the first account."""
        return self.token(ADMINISTRATOR)

    @property
    def agent_token(self) -> str | None:
        """The first agent's token in the first account."""
        return self.token(AGENT)

    def token(self, role: str, account_id: int | None = None) -> str | None:
        """The token of the first user with `role` in `account_id` (default: the first account)."""
        wanted = {"account_id": self.account_id if account_id is None else account_id, "role": role}
        return next((u["access_token"] for u in self.document["users"] if wanted in u["memberships"]), None)

    @property
    def tokens(self) -> dict[str, str]:
        """Every user's and bot's token, by the user's e-mail or the bot's name."""
        return {**{u["email"]: u["access_token"] for u in self.document["users"]},
                **{b["name"]: b["access_token"] for b in self.document["agent_bots"]}}


class MockClient:
    """Flask's test client on the mock, sending `api_access_token` and prefixing
    `/api/v1/accounts/<account_id>` to relative paths (`client.get("/inboxes")`). Paths that start
    with `/api/` or `/_mock/` are taken as they are."""

    def __init__(self, app: Any, token: str | None, account_id: int) -> None:
        self._client = app.test_client()
        self.token = token
        self.account_id = account_id

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None:
            headers.setdefault("api_access_token", self.token)
        if not path.startswith(("/api/", "/_mock/")):
            path = f"/api/v1/accounts/{self.account_id}{path}"
        return self._client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open("DELETE", path, **kwargs)


class ChatwootMock(_FromDocument):
    """One in-process mock with its own state, built from `document`."""

    def __init__(self, document: dict[str, Any], *, profile: Profile | str = Profile.DOCS,
                 base_url: str = DEFAULT_BASE_URL, validate_responses: bool = True) -> None:
        self.startup_document = self.document = document
        self.base_url = base_url.rstrip("/")
        # Responses are checked against the spec by default: a mock answer your code relies on is
        # then one Chatwoot's documented API allows (a mismatch is a 500 naming it).
        self.app = create_app(build_store(document, Profile.parse(profile)), validate_responses=validate_responses)
        self._channels: ChannelFactory | None = None

    # ------------------------------------------------------------------ state
    @property
    def runtime(self) -> MockRuntime:
        return self.app.extensions[RUNTIME_KEY]

    @property
    def store(self) -> Store:
        """The current store (read it here each time: `reset` and `load` replace it)."""
        return self.runtime.store

    def reset(self) -> None:
        """Back to the state the mock was built with."""
        self.runtime.reset()
        self.document = self.startup_document

    def load(self, document: dict[str, Any]) -> None:
        self.runtime.load(document)
        self.document = document

    def export(self) -> dict[str, Any]:
        return self.runtime.export()

    # ------------------------------------------------------------------ journal
    @property
    def journal(self) -> Any:
        return self.runtime.journal

    def requests(self, method: str | None = None, path: str | None = None,
                 status: int | str | None = None) -> list[JournalEntry]:
        """The requests the mock answered, newest first (filters as `Journal.entries`)."""
        return self.journal.entries(method=method, path=path, status=status)

    # ------------------------------------------------------------------ clients
    def client(self, token: str | None = "", account_id: int | None = None) -> MockClient:
        """A test client; the first administrator's token unless one is given (None: no token)."""
        return MockClient(self.app, self.admin_token if token == "" else token,
                          self.account_id if account_id is None else account_id)

    def url(self, path: str = "", account_id: int | None = None) -> str:
        """The intercepted URL of an account-relative path: `url("/inboxes")`."""
        return f"{self.base_url}/api/v1/accounts/{self.account_id if account_id is None else account_id}{path}"

    # ------------------------------------------------------------------ seeding helpers
    def add_account(self, name: str = "Test Account", **settings: Any) -> Account:
        return self.store.add_account(name, **settings)

    def add_user(self, account_id: int | None = None, role: str = AGENT, *, name: str | None = None,
                 email: str | None = None, access_token: str | None = None, **profile: Any) -> User:
        """A user with `role` in `account_id` (default: the first account); `.access_token` is
        theirs (a fresh random one unless given)."""
        account_id = self.account_id if account_id is None else account_id
        token = access_token or f"test-{secrets.token_urlsafe(12)}"
        return self.store.add_user(name or f"Test {role.title()}", email or f"{token}@users.test", token,
                                   {account_id: role}, **profile)

    def add_agent_bot(self, account_id: int | None = None, *, name: str = "Test Bot",
                      access_token: str | None = None, **fields: Any) -> AgentBot:
        """An account's bot (`account_id=None` with `system=True` makes a system bot)."""
        system = fields.pop("system", False)
        owner = None if system else (self.account_id if account_id is None else account_id)
        return self.store.add_agent_bot(name, access_token or f"bot-{secrets.token_urlsafe(12)}",
                                        account_id=owner, **fields)

    def add_inbox(self, channel: str | dict[str, Any] = "api", account_id: int | None = None, *,
                  name: str | None = None, members: Sequence[int] = (), **attributes: Any) -> Inbox:
        """An inbox. `channel` is a full channel dict, or a channel type whose attributes are made up
        (realistic and unique: e-mail address, phone number, bot token...). `members`: user ids."""
        account_id = self.account_id if account_id is None else account_id
        if isinstance(channel, str):
            inbox = self._add_made_up_inbox(channel, account_id, name, attributes)
        else:
            inbox = self.store.add_inbox(account_id, name, channel, **attributes)
        for user_id in members:
            self.store.add_member(inbox.id, user_id)
        return inbox

    def _add_made_up_inbox(self, kind: str, account_id: int, name: str | None, attributes: dict[str, Any]) -> Inbox:
        if self._channels is None:
            self._channels = ChannelFactory(seed=len(self.store.inboxes) + 7)
        for attempt in range(_ADDED_UNIQUE_TRIES):
            made_name, channel = self._channels.inbox(kind)
            try:
                return self.store.add_inbox(account_id, name or made_name, channel, **attributes)
            except RecordInvalid:
                # A made-up unique value was another inbox's already; the factory's next is new.
                if attempt == _ADDED_UNIQUE_TRIES - 1:
                    raise

    def add_member(self, inbox_id: int, user_id: int) -> None:
        self.store.add_member(inbox_id, user_id)

    def link_agent_bot(self, inbox_id: int, agent_bot_id: int) -> None:
        self.store.link_agent_bot(inbox_id, agent_bot_id)

    def add_campaign(self, inbox_id: int, title: str = "Test campaign", message: str = "Hello!",
                     campaign_type: str = "ongoing", **fields: Any) -> Campaign:
        return self.store.add_campaign(inbox_id, title, message, campaign_type, **fields)

    # ------------------------------------------------------------------ interception
    @contextlib.contextmanager
    def intercept(self, base_url: str | None = None, *, libraries: Sequence[str] = INTERCEPTED_LIBRARIES,
                  passthrough: bool = False) -> Iterator[ChatwootMock]:
        """While open, `requests` and `httpx` calls to `base_url` (default: this mock's) reach the
        app in-process. Other URLs raise (responses' ConnectionError, respx's
        AllMockedAssertionError) unless `passthrough` lets them reach the network."""
        base = (base_url or self.base_url).rstrip("/")
        unknown = set(libraries) - set(INTERCEPTED_LIBRARIES)
        if unknown:
            raise ValueError(f"cannot intercept {sorted(unknown)}; choose from {list(INTERCEPTED_LIBRARIES)}")
        # The base URL, then nothing or a path, query or fragment: https://app.chatwoot.com.evil is not it.
        pattern = re.compile(re.escape(base) + r"(?:[/?#].*)?\Z", re.DOTALL)
        with contextlib.ExitStack() as stack:
            if "requests" in libraries:
                stack.enter_context(_intercept_requests(self.app, pattern, passthrough))
            if "httpx" in libraries:
                stack.enter_context(_intercept_httpx(self.app, pattern, passthrough))
            yield self


@contextlib.contextmanager
def _intercept_requests(app: Any, pattern: re.Pattern[str], passthrough: bool) -> Iterator[None]:
    try:
        import responses
    except ImportError:
        raise InterceptionUnavailable("requests", "responses") from None
    client = app.test_client()

    def answer(request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes | bytearray):
            body = b"".join(body)  # a generator or file body (streamed upload)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
        answered = client.open(parts.path or "/", base_url=f"{parts.scheme}://{parts.netloc}",
                               query_string=parts.query, method=request.method, headers=headers, data=body or b"")
        return answered.status_code, list(answered.headers.items()), answered.get_data()

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    for method in _METHODS:
        mock.add_callback(method, pattern, callback=answer, content_type=None)
    if passthrough:
        mock.add_passthru(re.compile(".*"))
    with mock:
        yield


@contextlib.contextmanager
def _intercept_httpx(app: Any, pattern: re.Pattern[str], passthrough: bool) -> Iterator[None]:
    try:
        import httpx
        import respx
    except ImportError:
        raise InterceptionUnavailable("httpx", "respx") from None
    transport = httpx.WSGITransport(app=app)

    def answer(request: Any) -> Any:
        request.read()
        answered = transport.handle_request(request)
        answered.read()
        # A plain bytes response serves sync and async clients alike.
        return httpx.Response(answered.status_code, headers=answered.headers, content=answered.content)

    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=not passthrough)
    router.route(url__regex=pattern).mock(side_effect=answer)
    if passthrough:
        router.route().pass_through()
    with router:
        yield


class ChatwootServer(_FromDocument):
    """A served mock: `chatwoot-mock serve` on a free loopback port, driven through its control API."""

    def __init__(self, *args: str) -> None:
        """`args` are `chatwoot-mock serve`'s; the tokens are read from the state it started with."""
        self._served = ServedMock(*args)

    def start(self) -> ChatwootServer:
        self._served.start()
        # Asked of the server, not generated again here: a `large` set costs seconds of Faker.
        self.startup_document = self.document = self.export()
        return self

    def stop(self) -> None:
        self._served.stop()

    @property
    def url(self) -> str:
        return self._served.url

    @property
    def base_url(self) -> str:
        return self._served.url

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/_mock/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:  # loopback only: the served mock
            return json.loads(response.read() or b"null")

    def reset(self) -> None:
        """Back to the state the server started with."""
        self._control("POST", "reset")
        self.document = self.startup_document

    def load(self, document: dict[str, Any]) -> None:
        self._control("PUT", "state", document)
        self.document = document

    def export(self) -> dict[str, Any]:
        return self._control("GET", "state")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal's entries, newest first (filters: method, path, status, operation_id)."""
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        return self._control("GET", f"journal?{query}" if query else "journal")["entries"]

    def clear_requests(self) -> None:
        self._control("DELETE", "journal")

    def __enter__(self) -> ChatwootServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
