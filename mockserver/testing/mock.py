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
import re
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

from mockserver.chatwoot.errors import RecordInvalid
from mockserver.chatwoot.models import ADMINISTRATOR, AGENT, Account, AgentBot, Campaign, Inbox, User
from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.control.faults import Fault
from mockserver.control.journal import JournalEntry
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import build_store
from mockserver.state.fixture_sets import ChannelFactory
from mockserver.testing.intercept import InterceptionUnavailable, _intercept_httpx, _intercept_requests
from mockserver.web.app import RUNTIME_KEY, create_app
from mockserver.web.routes import ROUTES

__all__ = ["DEFAULT_BASE_URL", "ChatwootMock", "InterceptionUnavailable", "MockClient", "check_operation"]

DEFAULT_BASE_URL = "https://app.chatwoot.com"
INTERCEPTED_LIBRARIES = ("requests", "httpx")
#: The public API's operationIds, which faults and journal filters name.
OPERATION_IDS = tuple(route.operation_id for route in ROUTES)
_ADDED_UNIQUE_TRIES = 20


def check_operation(operation_id: str | None) -> None:
    """A fault for an operation that does not exist would never fire: refuse it, naming the list."""
    if operation_id is not None and operation_id not in OPERATION_IDS:
        raise ValueError(f"unknown operation {operation_id!r}; the operations are: {', '.join(OPERATION_IDS)}")


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

    @property
    def tokens(self) -> dict[str, str]:
        """Every user's and bot's token, by the user's e-mail or the bot's name (added ones too)."""
        return {**{u.email: u.access_token for u in self.store.users.values()},
                **{b.name: b.access_token for b in self.store.agent_bots.values()}}

    # ------------------------------------------------------------------ journal
    @property
    def journal(self) -> Any:
        return self.runtime.journal

    def requests(self, method: str | None = None, path: str | None = None, status: int | str | None = None,
                 operation_id: str | None = None) -> list[JournalEntry]:
        """The requests the mock answered, newest first (filters as `Journal.entries`)."""
        return self.journal.entries(method=method, path=path, status=status, operation_id=operation_id)

    def clear_requests(self) -> None:
        self.journal.clear()

    # ------------------------------------------------------------------ faults
    def add_fault(self, operation_id: str | None = None, **settings: Any) -> Fault:
        """Disturb the public API: `status=503` (and `body=`), `latency_ms=` or `latency_min_ms=`/
        `latency_max_ms=`, for `times=` requests or with a `probability=` (and `seed=`); one
        operation (`operation_id`, see `OPERATION_IDS`) or all. As `POST /_mock/faults`."""
        check_operation(operation_id)
        return self.runtime.faults.add(operation_id, **settings)

    def faults(self) -> list[Fault]:
        return self.runtime.faults.list()

    def clear_faults(self) -> None:
        self.runtime.faults.clear()

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
