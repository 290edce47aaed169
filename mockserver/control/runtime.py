"""What one app serves besides its routes: the current store, the startup state to reset to, the
request journal, the faults, and the state file. Pure (no Flask): the app, the control API and
the pytest plugin all drive it.

`app.extensions["chatwoot_mock"]` is this object. `reset()` and `load()` replace `store`, so
always read the store through the runtime. A request already running when the store is replaced
finishes on the old store, and its change is not carried over.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from mockserver.chatwoot.errors import ControlNotFound, ResourceNotFound, StateDocumentRejected, StateNotSaved
from mockserver.chatwoot.models import Account
from mockserver.chatwoot.store import Store
from mockserver.control import state_file
from mockserver.control.faults import Faults
from mockserver.control.journal import Journal
from mockserver.state.document import StateDocumentError, build_store, encode_document, export_document


class MockRuntime:
    def __init__(self, store: Store, *, journal: Journal | None = None, faults: Faults | None = None,
                 state_path: str | Path | None = None, settings: dict[str, Any] | None = None) -> None:
        self.store = store
        #: How the app was started (profile, drift, CORS, ...), as `getSettings` shows it.
        self.settings: dict[str, Any] = dict(settings or {})
        self.journal = journal if journal is not None else Journal()
        self.faults = faults if faults is not None else Faults()
        self.state_path = Path(state_path) if state_path is not None else None
        if self.state_path is not None:
            state_file.remove_leftovers(self.state_path)
        # The startup state, kept as a snapshot: restoring it takes a fraction of a millisecond,
        # where building the store again from its document takes about 10 ms.
        self._pristine = store.snapshot()
        self._persist_lock = threading.Lock()  # one writer at a time
        self._ticket_lock = threading.Lock()
        self._last_ticket = 0  # changes announced to persist()
        self._written_through = 0  # the newest ticket the file is known to contain
        if self.state_path is not None and not self.state_path.exists():
            self.persist()  # a missing state file starts as the startup state

    def reset(self) -> None:
        """Back to the state the app was started with (the journal and faults stay as they are)."""
        self.store = Store.from_snapshot(self._pristine)
        self.persist()

    def load(self, document: dict[str, Any]) -> None:
        """Replace the state with a document's; a document that does not build changes nothing."""
        try:
            store = build_store(document, self.store.profile)
        except StateDocumentError as error:
            raise StateDocumentRejected(str(error)) from None
        store.avatar_memory_limit = self.store.avatar_memory_limit  # a setting of the mock, not of the state
        self.store = store
        self.persist()

    def export(self) -> dict[str, Any]:
        return export_document(self.store)

    def export_encoded(self) -> bytes:
        """The export as the JSON bytes the control API sends: encoded once, not decoded and encoded again."""
        return encode_document(self.store)

    def account(self, account_id: int) -> Account:
        try:
            return self.store.account_settings(account_id)
        except ResourceNotFound:  # the store's Chatwoot 404; here the control API's own
            raise ControlNotFound(f"No account with id {account_id}") from None

    def configure_account(self, account_id: int, **settings: Any) -> Account:
        self.account(account_id)  # an unknown account is the control API's 404
        account = self.store.configure_account(account_id, **settings)
        self.persist()
        return account

    def persist(self) -> None:
        """Write the current state to the state file, if there is one, before returning: a change
        is acknowledged only once it is on disk.

        Writers queue and share: each call takes a ticket after its change was made; a write
        covers every ticket issued before it began encoding, so a caller whose ticket an
        earlier-finishing write already covered returns without writing (group commit). Under
        concurrent writes, one fsync serves many requests.
        """
        if self.state_path is None:
            return
        with self._ticket_lock:
            self._last_ticket += 1
            ticket = self._last_ticket
        with self._persist_lock:
            if self._written_through >= ticket:
                return
            with self._ticket_lock:
                covers = self._last_ticket
            data = encode_document(self.store)
            try:
                state_file.write_atomically(self.state_path, data)
            except OSError as error:
                raise StateNotSaved(f"The state file {self.state_path} could not be written: "
                                    f"{error.strerror or error}") from None
            self._written_through = covers

    def summary(self) -> dict[str, int]:
        store = self.store
        with store.reading():
            return {"accounts": len(store.accounts), "users": len(store.users),
                    "agent_bots": len(store.agent_bots), "inboxes": len(store.inboxes),
                    "campaigns": len(store.campaigns)}
