"""The state database behind `serve --state-file PATH`: SQLite (the standard library's), one row per
record, so that a write costs what it changed, not what the state holds.

A row is a record as the state document writes it (`state.document.SECTIONS`: a table's record,
by its key, as the JSON array of the entries it puts in its section). The document is rebuilt by
joining each section's rows in key order, which is how the export orders them, so a restart reads
back exactly the document the export gave. Nothing here knows a table by name: a table the store
gains is persisted as soon as it has its `Section`.

    records(tbl TEXT, key INTEGER, entries TEXT, PRIMARY KEY (tbl, key)) WITHOUT ROWID
    sequences(name TEXT PRIMARY KEY, last INTEGER) WITHOUT ROWID   -- the store's id sequences
    checksum(format TEXT, rows INTEGER)   -- one row: the state format and the rows' checksum

The checksum says the rows are the ones this mock wrote: the XOR of each row's CRC-32 (of its
table, key and entries), kept by every transaction that writes rows, under the state format's
fingerprint (`state.document.format_fingerprint`) of the store that wrote them. Rows come from the
store's records, which follow the format; so a restart whose rows match it builds the store
without checking the document against fixtures/state.schema.json again (0.27 s of CPU at 10,000
inboxes: bench/bench_state.py --only-start). Rows edited by hand (or by anything but this mock),
or written under another format, do not match, and are checked as any document is: a bad edit
stops the start with the format's error. It is a checksum against accidents, not a signature: an
edit that also sets the checksum is trusted. A database without the table (one an older mock
made) is checked at every restart until a start, reset or load rewrites it whole, which adds it;
the table is not part of the format (`user_version`), so older mocks still read the file.

`PRAGMA application_id` marks the file as ours and `user_version` is its format. The journal is a
write-ahead log with `synchronous=FULL`: a commit returns once the log is synced, so what an answer
acknowledged survives a kill and a power cut, and the file always opens (SQLite replays the log).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mockserver.chatwoot.store import Store
from mockserver.chatwoot.tables import Change
from mockserver.state.document import (
    SECTIONS,
    STATE_VERSION,
    StateDocumentError,
    encode_text,
    format_fingerprint,
    refuse_constant,
)

HEADER = b"SQLite format 3\x00"
APPLICATION_ID = 0x43574D4B  # "CWMK"
FORMAT = 1
CHECKPOINT_PAGES = 100
#: A new database's pages: 16 KiB, not SQLite's 4 KiB. A WITHOUT ROWID table keeps at most about
#: 1 KB of a row on a 4 KiB page and moves the rest to overflow pages, mostly empty: the rows of
#: 10,000 inboxes (22 MB) took a 49 MB file. On 16 KiB pages they fit: 24 MB, made in 0.50 s of
#: CPU instead of 0.86 and read at a restart in 0.42 instead of 0.67 (in process, /tmp A/B at
#: load 5-6); a persisted write's wall time stayed 3.95 ms (its sync). SQLite fixes the size when
#: the file is made, so databases made before keep theirs.
PAGE_SIZE = 16384
_SECTIONS = {section.table: section for section in SECTIONS}
_CHECKSUM_TABLE = "CREATE TABLE IF NOT EXISTS checksum (format TEXT NOT NULL, rows INTEGER NOT NULL)"
_SCHEMA = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {FORMAT}",
    "CREATE TABLE records (tbl TEXT NOT NULL, key INTEGER NOT NULL, entries TEXT NOT NULL,"
    " PRIMARY KEY (tbl, key)) WITHOUT ROWID",
    "CREATE TABLE sequences (name TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID",
    _CHECKSUM_TABLE,
)



class NotAStateDatabase(StateDocumentError):
    """A SQLite file this mock did not write, of a newer format, or broken."""


def is_database(path: str | Path) -> bool:
    """Whether the file starts as every SQLite database does (a JSON document cannot)."""
    with open(path, "rb") as handle:
        return handle.read(len(HEADER)) == HEADER


def connect(path: str | Path, *, new: bool = False) -> sqlite3.Connection:
    """A connection to the state database at `path` (checked to be one, unless `new`: an empty
    file about to become one), writing through a log synced at every commit."""
    # Autocommit mode (isolation_level None): transactions are begun and ended here, explicitly.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    try:
        if not new:
            check(connection, path)  # before anything is set: another program's database stays as it was
        else:
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the log: it fixes the page size
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot use a write-ahead log (journal mode {mode})")
        connection.execute("PRAGMA synchronous = FULL")
        # A log folded into the file every 100 pages (400 KiB, SQLite's default is 1,000) starts
        # over sooner: a commit then overwrites the log's blocks instead of growing the file, and a
        # sync of a file whose size did not change is the cheaper one (measured: bench_state.py).
        connection.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    except BaseException:
        connection.close()
        raise
    return connection


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One transaction, all or nothing; begun IMMEDIATE so a busy file fails here, not at commit."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def unjournaled(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Writes with no journal and no sync, then the write-ahead log synced at every commit again:
    for a new database that nobody reads yet, under a temporary name, synced by its maker before it
    is named (`state_file`); half-made, it is removed, never used. The log would hold every row of
    the new state twice over (written to the log, then folded into the file): a third of making
    the database of 10,000 inboxes (bench/bench_state.py --only-start)."""
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    try:
        yield connection
    finally:
        connection.execute("PRAGMA synchronous = FULL")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot use a write-ahead log (journal mode {mode})")


def check(connection: sqlite3.Connection, path: str | Path) -> None:
    """That the database is one this mock wrote, in a format it reads."""
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise NotAStateDatabase(f"state file {path} is not a readable SQLite database: {error}") from None
    if application_id != APPLICATION_ID:
        raise NotAStateDatabase(f"state file {path} is a SQLite database, but not a chatwoot-mock state file")
    if version != FORMAT:
        raise NotAStateDatabase(f"state file {path} has format {version}; this chatwoot-mock reads format {FORMAT}")


def read(path: str | Path) -> tuple[dict[str, Any], dict[str, int], bool]:
    """The state document a database holds, its id sequences, and whether its rows are the ones
    this mock wrote under the current state format (its checksum matches: the document then
    follows the format). Raises NotAStateDatabase."""
    try:
        connection = connect(path)
    except sqlite3.Error as error:
        raise NotAStateDatabase(f"state file {path} cannot be opened: {error}") from None
    try:
        with transaction(connection):  # one moment
            rows = connection.execute("SELECT tbl, key, entries FROM records ORDER BY tbl, key").fetchall()
            sequences = dict(connection.execute("SELECT name, last FROM sequences"))
            mark = _checksum(connection)
    except sqlite3.Error as error:
        raise NotAStateDatabase(f"state file {path} cannot be read: {error}") from None
    finally:
        connection.close()
    document = _document(rows, path)
    return document, sequences, mark == (format_fingerprint(), _rows_checksum(rows))


def row_checksum(table: str, key: int, entries: str) -> int:
    """A row's CRC-32 (a row edited by hand may hold any text: a lone surrogate is hashed too)."""
    return zlib.crc32(entries.encode("utf-8", "surrogatepass"), zlib.crc32(f"{table}\0{key}\0".encode()))


def _rows_checksum(rows: Any) -> int:
    """The rows' checksum: their CRC-32s XORed, so a write changes it by the rows it changes."""
    total = 0
    for table, key, entries in rows:
        if isinstance(entries, str) and isinstance(key, int):  # anything else is not a row this mock wrote
            total ^= row_checksum(table, key, entries)
        else:
            return -1
    return total


def _checksum(connection: sqlite3.Connection) -> tuple[str, int] | None:
    """The database's (format, rows checksum); None if it has none (an older mock made it)."""
    try:
        found = connection.execute("SELECT format, rows FROM checksum").fetchall()
    except sqlite3.OperationalError:  # no such table
        return None
    return tuple(found[0]) if len(found) == 1 else None  # type: ignore[return-value]


def _document(rows: list[tuple[str, int, str]], path: str | Path) -> dict[str, Any]:
    # The rows of one table are joined as text and parsed once: the entries of all its records.
    by_table: dict[str, list[str]] = {}
    for table, _, entries in rows:
        by_table.setdefault(table, []).append(entries[1:-1])
    unknown = set(by_table) - set(_SECTIONS)
    if unknown:
        raise NotAStateDatabase(f"state file {path} holds tables this chatwoot-mock does not know: "
                                f"{', '.join(sorted(unknown))}")
    text = ",".join(f'"{section.name}":[{",".join(part for part in by_table.get(section.table, ()) if part)}]'
                    for section in SECTIONS)
    try:
        return json.loads(f'{{"version":{STATE_VERSION},{text}}}', parse_constant=refuse_constant)
    except ValueError as error:  # json.JSONDecodeError, or a NaN or Infinity written in by hand
        raise NotAStateDatabase(f"state file {path} holds a record that is not JSON: {error}") from None


def encode_record(table: str, key: int, value: Any) -> str | None:
    """A record as its row holds it; None for a record that is gone or puts no entry in its section."""
    if value is None:
        return None
    entries = _SECTIONS[table].entries(key, value)
    return encode_text(entries) if entries else None


def all_rows(store: Store) -> dict[tuple[str, int], str]:
    """Every record of the store as its row (under the store's lock: one moment)."""
    rows = {}
    with store.reading():
        for section in SECTIONS:
            for key, value in getattr(store, section.table).items():
                encoded = encode_record(section.table, key, value)
                if encoded is not None:
                    rows[(section.table, key)] = encoded
    return rows


class StateDatabase:
    """The database a runtime writes to. Its connection is opened in the process that writes,
    when it first writes: a served mock forks its worker after startup, and a SQLite connection
    must not cross a fork. Before each commit the file is checked to still be the one opened (a
    state file deleted or replaced under a running mock refuses the change, rather than writing to
    a file nobody will read)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._identity = _identity(self.path)
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []  # opened before a fork: kept, never used or closed

    @classmethod
    def create(cls, path: str | Path) -> StateDatabase:
        """A new state database, empty, in the (empty) file at `path`."""
        database = cls(path)
        connection = database._connection = connect(path, new=True)
        database._pid = os.getpid()
        with transaction(connection):
            for statement in _SCHEMA:
                connection.execute(statement)
        return database

    def connection(self) -> sqlite3.Connection:
        """The connection of this process (opened on first use; checked to be a state database)."""
        if self._connection is not None and self._pid != os.getpid():
            self._inherited.append(self._connection)
            self._connection = None
        if self._connection is None:
            self._connection = connect(self.path)
            self._pid = os.getpid()
        return self._connection

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def write_change(self, store: Store, change: Change) -> None:
        """Commit exactly the records `change` touched (their values now) and the sequences it moved."""
        with store.reading():
            rows = [(table, key, encode_record(table, key, value))
                    for table, key, value in store.changed_records(change)]
            sequences = store.sequences()
        moved = [(name, last) for name, last in sequences.items() if change.last_ids.get(name) != last]
        if not rows and not moved:
            return  # nothing changed: nothing to sync
        connection = self.connection()
        with transaction(connection):
            mark = _checksum(connection) if rows else None
            if mark is not None:  # the checksum follows the rows: each one's old row out, its new one in
                total = mark[1]
                for table, key, entries in rows:
                    old = connection.execute("SELECT entries FROM records WHERE tbl = ? AND key = ?",
                                             (table, key)).fetchone()
                    total ^= (row_checksum(table, key, old[0]) if old is not None else 0) ^ (
                        row_checksum(table, key, entries) if entries is not None else 0)
                connection.execute("UPDATE checksum SET rows = ?", (total,))
            connection.executemany("DELETE FROM records WHERE tbl = ? AND key = ?",
                                   [(table, key) for table, key, entries in rows if entries is None])
            connection.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                                   [row for row in rows if row[2] is not None])
            connection.executemany("INSERT OR REPLACE INTO sequences VALUES (?, ?)", moved)
            self._check_file()

    def replace(self, store: Store) -> None:
        """Make the database hold the store's whole state, in one transaction (startup, reset, load).
        Only rows that differ are written, so a restart over the same state writes almost nothing."""
        with store.reading():
            rows = all_rows(store)
            sequences = store.sequences()
        connection = self.connection()
        with transaction(connection):
            held = {(table, key): entries
                    for table, key, entries in connection.execute("SELECT tbl, key, entries FROM records")}
            connection.executemany("DELETE FROM records WHERE tbl = ? AND key = ?",
                                   [place for place in held if place not in rows])
            connection.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                                   [(*place, entries) for place, entries in rows.items() if held.get(place) != entries])
            connection.execute("DELETE FROM sequences")
            connection.executemany("INSERT INTO sequences VALUES (?, ?)", sequences.items())
            connection.execute(_CHECKSUM_TABLE)
            connection.execute("DELETE FROM checksum")
            checksum = _rows_checksum((*place, entries) for place, entries in rows.items())
            connection.execute("INSERT INTO checksum VALUES (?, ?)", (format_fingerprint(), checksum))
            self._check_file()

    def _check_file(self) -> None:
        try:
            current = _identity(self.path)
        except FileNotFoundError:
            current = None
        if current != self._identity:
            raise FileNotFoundError(errno.ENOENT, "it was removed or replaced while the mock ran", str(self.path))


def _identity(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino
