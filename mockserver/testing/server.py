"""`ChatwootServer`: a served mock (`chatwoot-mock serve` on a free loopback port) with the same
vocabulary as the in-process `ChatwootMock`: the same record types from the same helpers (`add_user`,
`add_inbox`, ...), `requests()` as `JournalEntry` objects, `add_fault()` as `Fault` objects, `reset()`,
`load()`, `export()`. Everything goes through the served mock's control API (`/_mock/`).

A record is added as the in-process mock adds it (the store's own seeding functions, the same made-up
channel values): the served state is exported, the record added to an in-process copy, and the copy
loaded back. Slower than in-process (two control calls), but the record is exactly what
`chatwoot_mock` would have made.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from mockserver.control.faults import Fault
from mockserver.control.journal import JournalEntry
from mockserver.testing.mock import ChatwootMock, _FromDocument, check_operation
from mockserver.testing.served import ServedMock

Record = TypeVar("Record")


class ControlCallFailed(RuntimeError):
    """The served mock's control API refused a call (its message says why)."""


class ChatwootServer(_FromDocument):
    """A served mock: `chatwoot-mock serve` on a free loopback port, driven through its control API."""

    def __init__(self, *args: str, profile: str = "docs") -> None:
        """`args` are `chatwoot-mock serve`'s (`--profile` is added from `profile`); the tokens are
        read from the state it started with."""
        self.profile = profile
        self._served = ServedMock("--profile", profile, *args)

    def start(self) -> ChatwootServer:
        self._served.start()
        # Asked of the server, not generated again here: a `large` set costs seconds of Faker.
        self.startup_document = self.document = self.export()
        return self

    def stop(self) -> None:
        self._served.stop()

    def __enter__(self) -> ChatwootServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # loopback only: the served mock
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as refused:
            raise ControlCallFailed(f"{method} /_mock/{path}: {refused.code} {refused.read()[:500]!r}") from None

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Back to the state the server started with."""
        self._control("POST", "reset")
        self.document = self.startup_document

    def load(self, document: dict[str, Any]) -> None:
        self._control("PUT", "state", document)
        self.document = document

    def export(self) -> dict[str, Any]:
        return self._control("GET", "state")

    # ------------------------------------------------------------------ journal
    def requests(self, method: str | None = None, path: str | None = None, status: int | str | None = None,
                 operation_id: str | None = None) -> list[JournalEntry]:
        """The requests the server answered, newest first, as `chatwoot_mock.requests()` gives them."""
        filters = {"method": method, "path": path, "status": status, "operation_id": operation_id}
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        entries = self._control("GET", f"journal?{query}" if query else "journal")["entries"]
        return [_journal_entry(e) for e in entries]

    def clear_requests(self) -> None:
        self._control("DELETE", "journal")

    # ------------------------------------------------------------------ faults
    def add_fault(self, operation_id: str | None = None, **settings: Any) -> Fault:
        """As `ChatwootMock.add_fault`, through `POST /_mock/faults`."""
        check_operation(operation_id)
        body = {**({"operation_id": operation_id} if operation_id else {}), **settings}
        return _fault(self._control("POST", "faults", body))

    def faults(self) -> list[Fault]:
        return [_fault(f) for f in self._control("GET", "faults")["faults"]]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    # ------------------------------------------------------------------ seeding helpers
    def _through_a_copy(self, add: Callable[[ChatwootMock], Record]) -> Record:
        copy = ChatwootMock(self.export(), profile=self.profile, validate_responses=False)
        record = add(copy)
        document = copy.export()
        self._control("PUT", "state", document)
        self.document = document
        return record

    def add_account(self, *args: Any, **kwargs: Any) -> Any:
        return self._through_a_copy(lambda mock: mock.add_account(*args, **kwargs))

    def add_user(self, *args: Any, **kwargs: Any) -> Any:
        return self._through_a_copy(lambda mock: mock.add_user(*args, **kwargs))

    def add_agent_bot(self, *args: Any, **kwargs: Any) -> Any:
        return self._through_a_copy(lambda mock: mock.add_agent_bot(*args, **kwargs))

    def add_inbox(self, *args: Any, **kwargs: Any) -> Any:
        return self._through_a_copy(lambda mock: mock.add_inbox(*args, **kwargs))

    def add_member(self, inbox_id: int, user_id: int) -> None:
        self._through_a_copy(lambda mock: mock.add_member(inbox_id, user_id))

    def link_agent_bot(self, inbox_id: int, agent_bot_id: int) -> None:
        self._through_a_copy(lambda mock: mock.link_agent_bot(inbox_id, agent_bot_id))

    def add_campaign(self, *args: Any, **kwargs: Any) -> Any:
        return self._through_a_copy(lambda mock: mock.add_campaign(*args, **kwargs))


def _journal_entry(data: dict[str, Any]) -> JournalEntry:
    """A journal entry as the control API shows it (`JournalEntry.to_dict`), back as the object."""
    known = {f.name for f in dataclasses.fields(JournalEntry)}
    values = {k: v for k, v in data.items() if k in known}
    values["validation_errors"] = tuple(values.get("validation_errors") or ())
    values["at"] = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00")).timestamp()
    return JournalEntry(**values)


def _fault(data: dict[str, Any]) -> Fault:
    latency = data.get("latency_ms") or {}
    return Fault(data["id"], data["operation_id"], float(latency.get("min", 0.0)), float(latency.get("max", 0.0)),
                 data["status"], data["body"], data["times"], data["probability"], data["seed"], data["applied"])
