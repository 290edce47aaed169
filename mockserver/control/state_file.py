"""The state file (`chatwoot-mock serve --state-file PATH`): which kind of file it is, how it is
read at startup, and how it becomes the state database the runtime writes to (`state_db`).

- missing: a new database, holding the startup state, is made beside it under a temporary name
  and renamed into place, so PATH is never a half-made database;
- a SQLite database (its first 16 bytes are SQLite's header): read; the runtime then makes it hold
  exactly the startup state it serves, in one transaction;
- anything else is read as a JSON state document (the format of fixtures and exports). Once it
  has built a store, it is kept as a backup beside it (PATH.bak, or PATH.N.bak when that name is
  taken: a hard link, or a copy where links are not possible), and PATH becomes a database as for
  a missing file. A JSON file that does not build stops the start and is left as it was.

A new file is private (0600); a converted one keeps the JSON file's mode. SQLite gives its log
(PATH-wal) and index (PATH-shm) the database's mode.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mockserver.chatwoot.profiles import Profile
from mockserver.chatwoot.store import Store
from mockserver.control import state_db
from mockserver.control.state_db import StateDatabase
from mockserver.state.document import StateDocumentError, build_store, collector_paused, read_document

#: Files SQLite keeps beside a database while it is open (the log and its index).
_COMPANIONS = ("-wal", "-shm", "-journal")


def read(path: str | Path) -> tuple[dict[str, Any], dict[str, int], bool]:
    """The state document a state file holds (either kind), its id sequences (a JSON document
    has none), and whether it is known to follow the state format (a database's rows as this mock
    wrote them: `state_db.read`). Raises StateDocumentError."""
    try:
        is_database = state_db.is_database(path)
    except OSError as error:
        raise StateDocumentError(f"cannot read state file {path}: {error.strerror}") from None
    return state_db.read(path) if is_database else (read_document(path), {}, False)


def load(path: str | Path, profile: Profile) -> Store:
    """The store a state file holds (what a restart serves). Raises StateDocumentError."""
    with collector_paused():  # one pause for the read and the build (state.document.collector_paused)
        document, sequences, follows_format = read(path)
        # Just read: nothing else holds it. Rows this mock wrote are not checked against the format again.
        store = build_store(document, profile, owned=True, follows_format=follows_format)
    store.continue_sequences(sequences)
    return store


def open_database(path: str | Path, store: Store, *, resumed: bool = False) -> tuple[StateDatabase, Path | None]:
    """The state database at `path`, holding `store`'s state; and where a JSON state file found
    there was kept (None if there was none). Raises OSError, sqlite3.Error, StateDocumentError.

    `resumed`: the store was just built from this database's rows (`load`), so it is not written
    again. Its rows are the mock's own encoding of its records, and a store built from them encodes
    back to the same rows (tests/state/test_round_trip.py: every state the API makes exports,
    reloads and restarts equal), so encoding every record to compare it with its row (a fifth of the
    start at 10,000 inboxes) would find nothing to write. The format check (`state_db.check`) still
    refuses another format's database before anything is read."""
    target = Path(path)
    backup = None
    if target.exists() and state_db.is_database(target):
        database = StateDatabase(target)
        if not resumed:
            database.replace(store)
    else:
        backup = _keep_json(target) if target.exists() else None
        _install_new(target, store)
        database = StateDatabase(target)
    database.close()  # reopened by the first write, in the process that serves (a fork may come first)
    return database, backup


def _keep_json(target: Path) -> Path:
    for number in range(1000):
        backup = target.with_name(f"{target.name}.bak" if number == 0 else f"{target.name}.{number}.bak")
        if backup.exists():
            continue
        try:
            os.link(target, backup)  # the same bytes under a second name: nothing copied, nothing lost
        except FileExistsError:
            continue
        except OSError:
            shutil.copy2(target, backup)
        return backup
    raise FileExistsError(f"no free backup name beside {target}")


def _install_new(target: Path, store: Store) -> None:
    """A new database holding the store, made under a temporary name and renamed to `target`."""
    mode = target.stat().st_mode & 0o777 if target.exists() else None
    handle, name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(handle)  # mkstemp made it private (0600), which suits a state holding access tokens
    temporary = Path(name)
    try:
        if mode is not None:
            os.chmod(temporary, mode)
        database = StateDatabase.create(temporary)
        try:
            with state_db.unjournaled(database.connection()):
                database.replace(store)
        finally:
            database.close()  # the last connection: SQLite moves its log into the file and removes it
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        for suffix in _COMPANIONS:  # a log beside `target` now would be an old database's
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{suffix}")
        os.replace(temporary, target)
    except BaseException:
        _remove_with_companions(temporary)
        raise
    _fsync_directory(target.parent)


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_leftovers(path: str | Path) -> None:
    """Temporary databases a kill during startup left beside the state file (the file itself is whole)."""
    target = Path(path)
    for leftover in target.parent.glob(_temporary_prefix(target) + "*.tmp"):
        _remove_with_companions(leftover)


def _remove_with_companions(path: Path) -> None:
    for name in (str(path), *(f"{path}{suffix}" for suffix in _COMPANIONS)):
        with contextlib.suppress(OSError):
            os.unlink(name)


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # some systems cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
