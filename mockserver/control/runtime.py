"""What one app serves besides its routes: the current store, the startup state to reset to, the
request journal, the faults, and the state file (a SQLite database: `state_file`, `state_db`).
Pure (no Flask): the app, the control API and the pytest plugin all drive it.

`app.extensions["chatwoot_mock"]` is this object. `reset()` and `load()` replace `store`, so
always read the store through the runtime. A request already running when the store is replaced
finishes on the old store, and its change is not carried over.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mockserver.chatwoot.errors import ControlNotFound, ResourceNotFound, StateDocumentRejected, StateNotSaved
from mockserver.chatwoot.models import Account
from mockserver.chatwoot.store import Store
from mockserver.chatwoot.tables import Change, Changing
from mockserver.control import state_file
from mockserver.control.faults import Faults
from mockserver.control.journal import Journal
from mockserver.state.document import StateDocumentError, build_store, encode_document, export_document


class MockRuntime:
    def __init__(self, store: Store, *, journal: Journal | None = None, faults: Faults | None = None,
                 state_path: str | Path | None = None, settings: dict[str, Any] | None = None,
                 resumed: bool = False) -> None:
        """`resumed`: `store` was just built from the state database at `state_path`
        (`state_file.load`), which therefore holds it already (`state_file.open_database`)."""
        self.store = store
        #: How the app was started (profile, drift, CORS, ...), as `getSettings` shows it.
        self.settings: dict[str, Any] = dict(settings or {})
        self.journal = journal if journal is not None else Journal()
        self.faults = faults if faults is not None else Faults()
        self.state_path = Path(state_path) if state_path is not None else None
        #: Where a JSON state file found at `state_path` was kept when the file became a database.
        self.state_backup: Path | None = None
        self._database: state_file.StateDatabase | None = None
        # The startup state, kept as a snapshot: restoring it takes a fraction of a millisecond,
        # where building the store again from its document takes about 5 times as long (bench/bench_control.py).
        self._pristine = store.snapshot()
        # Writers go one at a time, from their first change to their last byte on disk, so a write
        # that cannot be saved is undone alone. Readers never take this lock.
        self._write_lock = threading.RLock()
        if self.state_path is not None:
            state_file.remove_leftovers(self.state_path)
            with self._saving():  # the file now holds the startup state, whatever it held before
                self._database, self.state_backup = state_file.open_database(self.state_path, store,
                                                                             resumed=resumed)

    def writing(self, store: Store | None = None) -> Writing:
        """One write: what the block changes is saved before the block's answer leaves; if the
        block raises, or the state cannot be saved (503 StateNotSaved), all of it is undone, so
        memory and disk agree. `store`: the store the request started on (a reset or load may
        have replaced it since; such a write finishes on the old store and is not saved)."""
        return Writing(self, store)

    def reset(self) -> None:
        """Back to the state the app was started with (the journal and faults stay as they are)."""
        self._replace(Store.from_snapshot(self._pristine))

    def load(self, document: dict[str, Any], *, owned: bool = False) -> None:
        """Replace the state with a document's; a document that does not build changes nothing.
        `owned`: the document is handed over (`state.document.build_store`)."""
        try:
            store = build_store(document, self.store.profile, owned=owned)
        except StateDocumentError as error:
            raise StateDocumentRejected(str(error)) from None
        store.avatar_memory_limit = self.store.avatar_memory_limit  # a setting of the mock, not of the state
        self._replace(store)

    def _replace(self, store: Store) -> None:
        with self._write_lock:
            previous, self.store = self.store, store
            try:
                self.persist()
            except StateNotSaved:
                self.store = previous  # not saved: the old state stays, in memory as on disk
                raise

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
        with self.writing() as store:
            return store.configure_account(account_id, **settings)

    def persist(self) -> None:
        """Make the state file hold the whole current state, if there is one (reset, load)."""
        with self._write_lock:
            self._save(self.store)

    def _save(self, store: Store, change: Change | None = None) -> None:
        """Commit `change` (the records it touched), or with none the whole state, to the state file."""
        if self._database is None:
            return
        with self._saving():
            if change is None:
                self._database.replace(store)
            else:
                self._database.write_change(store, change)

    @contextlib.contextmanager
    def _saving(self) -> Iterator[None]:
        """Any failure to save is a 503 (StateNotSaved), never a half-kept change."""
        try:
            yield
        except OSError as error:
            raise StateNotSaved(f"The state file {self.state_path} could not be written: "
                                f"{error.strerror or error}; the change was undone") from None
        except (sqlite3.Error, StateDocumentError) as error:
            raise StateNotSaved(f"The state file {self.state_path} could not be written: {error}; "
                                f"the change was undone") from None
        except Exception as error:
            raise StateNotSaved(f"The state could not be saved ({type(error).__name__}: {error}); "
                                f"the change was undone") from None

    def summary(self) -> dict[str, int]:
        store = self.store
        with store.reading():
            return {"accounts": len(store.accounts), "users": len(store.users),
                    "agent_bots": len(store.agent_bots), "inboxes": len(store.inboxes),
                    "campaigns": len(store.campaigns)}


class Writing:
    """`MockRuntime.writing()`'s block: the runtime's write lock, the store's `changing()` block
    inside it, the save at its end. A class, not a generator's context manager: the two
    generators cost 4 us of every write."""

    __slots__ = ("_changing", "_runtime", "_store")

    def __init__(self, runtime: MockRuntime, store: Store | None) -> None:
        self._runtime = runtime
        self._store = store
        self._changing: Changing | None = None

    def __enter__(self) -> Store:
        runtime = self._runtime
        runtime._write_lock.acquire()
        try:
            store = self._store = runtime.store if self._store is None else self._store
            changing = self._changing = store.changing()
            changing.__enter__()
        except BaseException:
            runtime._write_lock.release()
            raise
        return store

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        runtime, store, changing = self._runtime, self._store, self._changing
        try:
            if kind is None and store is runtime.store:
                try:
                    runtime._save(store, changing.change)
                except BaseException as failure:  # not saved: undone, and raised as it came
                    changing.__exit__(type(failure), failure, failure.__traceback__)
                    raise
            changing.__exit__(kind, error, traceback)
        finally:
            runtime._write_lock.release()
