"""The one way the harness commands (`chatwoot-mock contract`, `chatwoot-mock diff`) talk to a
deployment: every request passes a write guard, a rate limit, and, when it creates an inbox, a record
of what it created, so that cleanup knows exactly what is this run's own.

The guard is an allow-list. A read (GET, HEAD, OPTIONS) may go anywhere. A write may go only to:
- `POST /api/v1/accounts/{account}/inboxes` with a JSON object body whose `name` starts with the run's
  prefix (the new inbox is recorded as owned from the response);
- `PATCH|PUT|DELETE .../inboxes/{id}`, `POST .../set_agent_bot`, `DELETE .../avatar`,
  `POST .../sync_templates`, where `{id}` is an inbox this run created;
- `POST|PATCH|DELETE .../inbox_members` with a JSON object body whose `inbox_id` is one this run created;
- `POST .../inboxes/{id}/csat_template` and `DELETE .../inboxes/{id}/assignment_policy` on such an
  inbox, and `POST .../inboxes/{id}/assignment_policy` when the JSON body's `assignment_policy_id` is
  also a policy this run created;
- `POST .../agent_bots` with a JSON object body whose `name` starts with the prefix, and `POST
  .../assignment_policies` whose `assignment_policy.name` does (the new record is owned from the
  response); `PATCH|PUT|DELETE .../agent_bots/{id}` and `.../assignment_policies/{id}` of owned ones;
- `POST .../channels/twilio_channel` whose `twilio_channel.name` starts with the prefix (the inbox it
  makes is owned like any other).
Anything else that is not a read is refused and never sent. A write also may not carry a query string
(Rails merges query parameters over body parameters, so `?inbox_id=3` would outvote the body's
`inbox_id`) or a method-override header (Rack::MethodOverride turns a POST into another method).

No Flask, no Schemathesis: httpx (`transport`) and the standard library, so `diff` needs no extra.
"""

from __future__ import annotations

import collections
import json
import re
import secrets
import shlex
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from mockserver.chatwoot.ids import record_id
from mockserver.harness.transport import READ_METHODS, Connection, TransportError, send

# Headers Rack (Chatwoot's stack) or other frameworks read as "use this method instead".
METHOD_OVERRIDE_HEADERS = frozenset({"x-http-method-override", "x-http-method", "x-method-override"})
# Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not the request's: never forwarded.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                        "upgrade", "proxy-authorization", "proxy-authenticate", "host", "content-length"})
TOKEN_PLACEHOLDER = "$CHATWOOT_API_TOKEN"


def new_run_prefix() -> str:
    """`cwmock-<8 hex>-`: random per run, so a name with it can only be this run's."""
    return f"cwmock-{secrets.token_hex(4)}-"


#: The account's other collections a run may create records in (agent bots, assignment policies),
#: and where a create's body names the record: the key path of its `name`.
OTHER_RECORDS: dict[str, tuple[str, ...]] = {"agent_bots": ("name",),
                                              "assignment_policies": ("assignment_policy", "name")}


#: The collection of the inboxes a run creates (`POST /inboxes`, `POST /channels/twilio_channel`).
INBOXES = "inboxes"


@dataclass
class OwnedRecords:
    """What this run created, by collection (`INBOXES`, and `OTHER_RECORDS`'s): id -> name, and the
    ids it saw deleted. Thread-safe: the relay serves requests on several threads."""

    prefix: str
    _created: dict[str, dict[int, str]] = field(default_factory=dict, repr=False)
    _deleted: dict[str, set[int]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, collection: str, record_id: int, name: str) -> None:
        with self._lock:
            self._created.setdefault(collection, {})[record_id] = name

    def mark_deleted(self, collection: str, record_id: int) -> None:
        with self._lock:
            self._deleted.setdefault(collection, set()).add(record_id)

    def owns(self, collection: str, record_id: int | None) -> bool:
        with self._lock:
            return record_id in self._created.get(collection, {})

    def created(self, collection: str) -> dict[int, str]:
        with self._lock:
            return dict(self._created.get(collection, {}))

    def deleted(self, collection: str) -> set[int]:
        with self._lock:
            return set(self._deleted.get(collection, set()))

    def remaining(self, collection: str) -> list[int]:
        """Created and not seen deleted, in id order."""
        with self._lock:
            return sorted(set(self._created.get(collection, {})) - self._deleted.get(collection, set()))


def _json_object(body: bytes) -> dict | None:
    """The body as a JSON object, or None when it is not exactly one (duplicate keys count as not:
    which duplicate a server keeps is the server's business)."""

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        value = json.loads(body.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class WriteGuard:
    """Decides whether a request may be sent (see the module's docstring)."""

    def __init__(self, account_id: int, owned: OwnedRecords, *, allow_writes: bool) -> None:
        self.owned = owned
        self.allow_writes = allow_writes
        base = rf"/api/v1/accounts/{int(account_id)}"
        self._collection = re.compile(rf"{base}/inboxes/?")
        self._inbox = re.compile(
            rf"{base}/inboxes/([0-9]+)(/set_agent_bot|/avatar|/sync_templates|/csat_template|/assignment_policy)?/?")
        self._members = re.compile(rf"{base}/inbox_members/?")
        self._twilio = re.compile(rf"{base}/channels/twilio_channel/?")
        collections = "|".join(OTHER_RECORDS)
        self._records = re.compile(rf"{base}/({collections})/?")
        self._record = re.compile(rf"{base}/({collections})/([0-9]+)/?")

    _INBOX_METHODS = {None: {"PATCH", "PUT", "DELETE"}, "/set_agent_bot": {"POST"}, "/avatar": {"DELETE"},
                      "/sync_templates": {"POST"}, "/csat_template": {"POST"},
                      "/assignment_policy": {"POST", "DELETE"}}

    def refusal(self, method: str, target: str, headers: dict[str, str], body: bytes) -> str | None:
        """None when the request may be sent, else why not."""
        method = method.upper()
        if method in READ_METHODS:
            return None
        if not self.allow_writes:
            return f"{method} refused: this run is read-only (--allow-writes not given)"
        path, _, query = target.partition("?")
        if query:
            return f"{method} {path} refused: a write may not carry a query string"
        if any(name.lower() in METHOD_OVERRIDE_HEADERS for name in headers):
            return f"{method} {path} refused: a write may not carry a method-override header"
        if self._collection.fullmatch(path) and method == "POST":
            return self._create_refusal(path, headers, body)
        if found := self._inbox.fullmatch(path):
            inbox_id, suffix = int(found.group(1)), found.group(2)
            if method not in self._INBOX_METHODS[suffix]:
                return f"{method} {path} refused: not an operation of the inbox API"
            if not self.owned.owns(INBOXES, inbox_id):
                return f"{method} {path} refused: inbox {inbox_id} was not created by this run"
            if suffix == "/assignment_policy" and method == "POST":
                return self._policy_link_refusal(path, headers, body)
            return None
        if (found := self._records.fullmatch(path)) and method == "POST":
            return self._named_create_refusal(path, headers, body, OTHER_RECORDS[found.group(1)])
        if found := self._record.fullmatch(path):
            collection, record = found.group(1), int(found.group(2))
            if method not in {"PATCH", "PUT", "DELETE"}:
                return f"{method} {path} refused: not a write this harness makes"
            if not self.owned.owns(collection, record):
                return f"{method} {path} refused: {collection} {record} was not created by this run"
            return None
        if self._twilio.fullmatch(path) and method == "POST":
            return self._named_create_refusal(path, headers, body, ("twilio_channel", "name"))
        if self._members.fullmatch(path) and method in {"POST", "PATCH", "DELETE"}:
            document = _json_object(body) if _is_json(headers) else None
            inbox_id = record_id(document.get("inbox_id")) if document is not None else None
            if inbox_id is None or not self.owned.owns(INBOXES, inbox_id):
                return (f"{method} {path} refused: the body's inbox_id must be an inbox this run created "
                        "(a JSON object body)")
            return None
        return f"{method} {path} refused: not a write this harness makes"

    def _create_refusal(self, path: str, headers: dict[str, str], body: bytes) -> str | None:
        document = _json_object(body) if _is_json(headers) else None
        name = document.get("name") if document is not None else None
        if not isinstance(name, str) or not name.startswith(self.owned.prefix):
            return f"POST {path} refused: a new inbox's name must start with {self.owned.prefix!r} (a JSON body)"
        return None

    def _named_create_refusal(self, path: str, headers: dict[str, str], body: bytes,
                              name_at: tuple[str, ...]) -> str | None:
        """A create whose body names the new record at `name_at` with the run's prefix."""
        name: object = _json_object(body) if _is_json(headers) else None
        for key in name_at:
            name = name.get(key) if isinstance(name, dict) else None
        if not isinstance(name, str) or not name.startswith(self.owned.prefix):
            return (f"POST {path} refused: the body's {'.'.join(name_at)} must start with "
                    f"{self.owned.prefix!r} (a JSON object body)")
        return None

    def _policy_link_refusal(self, path: str, headers: dict[str, str], body: bytes) -> str | None:
        document = _json_object(body) if _is_json(headers) else None
        policy_id = record_id(document.get("assignment_policy_id")) if document is not None else None
        if not self.owned.owns("assignment_policies", policy_id):
            return (f"POST {path} refused: the body's assignment_policy_id must be a policy this run created "
                    "(a JSON object body)")
        return None

    def observe(self, method: str, target: str, status: int, body: bytes) -> None:
        """Learn from an answer: a created inbox becomes owned, a deleted one is marked."""
        if not 200 <= status < 300:
            return
        method, path = method.upper(), target.partition("?")[0]
        if method == "POST" and (self._collection.fullmatch(path) or self._twilio.fullmatch(path)):
            created = _json_object(body)
            inbox_id = record_id(created.get("id")) if created else None
            if inbox_id is not None:
                self.owned.add(INBOXES, inbox_id, str(created.get("name")))
        elif method == "DELETE" and (found := self._inbox.fullmatch(path)) and found.group(2) is None:
            self.owned.mark_deleted(INBOXES, int(found.group(1)))
        elif method == "POST" and (found := self._records.fullmatch(path)):
            created = _json_object(body)
            made = record_id(created.get("id")) if created else None
            if made is not None:
                self.owned.add(found.group(1), made, str(created.get("name")))
        elif method == "DELETE" and (found := self._record.fullmatch(path)):
            self.owned.mark_deleted(found.group(1), int(found.group(2)))


def _is_json(headers: dict[str, str]) -> bool:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return content_type.split(";")[0].strip().lower() == "application/json"


class RateLimiter:
    """At most `per_second` requests a second, spaced evenly; 0 means no limit (a local mock)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> object:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class Refused(Exception):
    """The guard refused to send a request; the request never left this process."""


class Unreachable(Exception):
    """The target could not be reached (connection refused, DNS, TLS, timeout)."""


def _wire(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class GuardedClient:
    """HTTP to one deployment through the guard and the rate limit, over `transport` (httpx: proxy,
    TLS, keep-alive, retries)."""

    def __init__(self, base_url: str, token: str | None, guard: WriteGuard, limiter: RateLimiter,
                 *, connection: Connection | None = None) -> None:
        parsed = urllib.parse.urlsplit(base_url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.guard = guard
        self.limiter = limiter
        self.connection = connection or Connection()
        self.refusals: list[str] = []
        self.sent = 0  # requests that got an answer
        self.statuses: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()
        self._http = self.connection.client()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GuardedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        """Send `target` (a path with its query, as it goes on the request line) as given: the
        caller's headers, byte for byte its body. Raises Refused or Unreachable."""
        # The guard judges the API path; the URL carries the base URL's own path prefix too (a
        # deployment under /chatwoot/...).
        why = self.guard.refusal(method, target, headers, body)
        if why is not None:
            with self._lock:
                self.refusals.append(why)
            raise Refused(why)
        self.limiter.wait()
        # As bytes: the relay's headers arrive as latin-1 text, and go on exactly as they came.
        sent = [(_wire(name), _wire(value)) for name, value in headers.items() if name.lower() not in HOP_BY_HOP]
        try:
            response = send(self._http, self.connection, method, self.base_url + target, sent, body)
        except TransportError as error:
            raise Unreachable(f"{self.base_url}: {error}") from error
        # The body is read whole (httpx would have undone a compression): its length and encoding
        # are no longer the wire's.
        answer = Answer(response.status_code, [(k, v) for k, v in response.headers.multi_items()
                                               if k.lower() not in ("content-encoding", "content-length")],
                        response.content)
        with self._lock:
            self.sent += 1
            self.statuses[answer.status] += 1
        self.guard.observe(method, target, answer.status, answer.body)
        return answer

    def call(self, method: str, path: str, *, json_body: object = None, raw: bytes | None = None,
             content_type: str | None = None, token: str | bool | None = True) -> Answer:
        """An API call: `path` under the base URL; `token=True` sends the client's token, a string
        another one, None none."""
        headers = {"Accept": "application/json"}
        chosen = self.token if token is True else token
        if chosen:
            headers["api_access_token"] = chosen
        body = b""
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif raw is not None:
            body = raw
            headers["Content-Type"] = content_type or "application/json"
        return self.send(method, path, headers, body)

    def curl(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> str:
        """A `curl` line that reproduces a request, the token as $CHATWOOT_API_TOKEN (never in clear)."""
        return curl_line(self.base_url, method, path, headers, body, secret=self.token)


def curl_line(base_url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"",
              *, secret: str | None = None) -> str:
    parts = ["curl", "-X", method, shlex.quote(base_url.rstrip("/") + path)]
    for name, value in headers.items():
        if name.lower() in HOP_BY_HOP:
            continue
        if name.lower().replace("-", "_") == "api_access_token" and (secret is None or value == secret):
            # Double quotes so that the shell fills in the variable.
            parts += ["-H", f'"{name}: {TOKEN_PLACEHOLDER}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-binary", shlex.quote(body.decode("utf-8", "replace"))]
    return " ".join(parts)
