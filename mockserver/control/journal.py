"""The request journal: the newest N requests the public API answered, in a bounded deque.

Pure (no Flask): `app` records one entry per request; the control API, the pytest plugin and
tests read it. Memory is bounded whatever the traffic: at most `size` entries, and every string an
entry keeps is capped (a 1 MB path or a spec complaint quoting the whole body stays small).
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_SIZE = 1000
MAX_PATH_CHARS = 1024
MAX_QUERY_CHARS = 1024
MAX_METHOD_CHARS = 16
MAX_ERRORS = 10
MAX_ERROR_CHARS = 300
MAX_BODY_CHARS = 4096


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One answered request. `at` is the Unix time it arrived (seconds); `duration_ms` the time
    the mock spent on it (an injected latency included); `operation_id` is None for a path no
    operation matches; `validation_errors` are the spec's complaints (empty when it passed); `body`
    the request's body as text, cut at MAX_BODY_CHARS (empty for none)."""

    method: str
    path: str
    query: str
    status: int
    operation_id: str | None
    duration_ms: float
    validation_errors: tuple[str, ...]
    at: float
    body: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "operation_id": self.operation_id,
            "duration_ms": round(self.duration_ms, 3),
            "validation_errors": list(self.validation_errors),
            "body": self.body,
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }


class Journal:
    """The newest `size` entries, oldest dropped first. `size=0` records nothing.

    Filters (`entries`): `method` matches case-insensitively; `path` matches exactly, or as a
    prefix when it ends with `*` (`/api/v1/accounts/1/inboxes*`); `status` is a code (404) or a
    class (`"4xx"`); `operation_id` matches exactly.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 0:
            raise ValueError("journal size must be 0 or more")
        self.size = size
        # Rows, not entries: a JournalEntry is built when the journal is read, not for every request
        # (a frozen dataclass's __init__, one object.__setattr__ a field, was 3% of a create's
        # instructions; a tuple of the same fields costs a fifteenth of it).
        self._rows: collections.deque[tuple[Any, ...]] = collections.deque(maxlen=size)
        # deque.append is atomic, but copying it while another thread appends raises; one lock
        # keeps readers and writers apart (held for microseconds).
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def record(self, method: str, path: str, status: int, *, query: str = "", operation_id: str | None = None,
               duration_ms: float = 0.0, validation_errors: Iterable[str] = (), at: float | None = None,
               body: str = "") -> None:
        if not self.size:
            return
        errors = tuple(_cap(str(e), MAX_ERROR_CHARS) for e in list(validation_errors)[:MAX_ERRORS]) \
            if validation_errors else ()  # nearly every call: no generator made for nothing
        # Capped only when over (nearly never): a call a string was a tenth of recording.
        row = (method if len(method) <= MAX_METHOD_CHARS else _cap(method, MAX_METHOD_CHARS),
               path if len(path) <= MAX_PATH_CHARS else _cap(path, MAX_PATH_CHARS),
               query if len(query) <= MAX_QUERY_CHARS else _cap(query, MAX_QUERY_CHARS), status, operation_id,
               duration_ms, errors, time.time() if at is None else at,
               body if len(body) <= MAX_BODY_CHARS else _cap(body, MAX_BODY_CHARS))
        with self._lock:
            self._rows.append(row)

    def entries(self, method: str | None = None, path: str | None = None, status: int | str | None = None,
                operation_id: str | None = None) -> list[JournalEntry]:
        """Matching entries, newest first."""
        with self._lock:
            rows = list(reversed(self._rows))
        newest_first = list(itertools.starmap(JournalEntry, rows))
        wanted = _matcher(method, path, status, operation_id)
        return newest_first if wanted is None else [e for e in newest_first if wanted(e)]

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)


def status_matches(status: int, wanted: int | str) -> bool:
    """`wanted` is a code (404, "404") or a class ("4xx")."""
    if isinstance(wanted, str) and len(wanted) == 3 and wanted[1:].lower() == "xx" and wanted[0].isdigit():
        return status // 100 == int(wanted[0])
    return status == int(wanted)


def _matcher(method: str | None, path: str | None, status: int | str | None, operation_id: str | None):
    tests = []
    if method is not None:
        upper = method.upper()
        tests.append(lambda e: e.method == upper)
    if path is not None:
        if path.endswith("*"):
            prefix = path[:-1]
            tests.append(lambda e: e.path.startswith(prefix))
        else:
            tests.append(lambda e: e.path == path)
    if status is not None:
        tests.append(lambda e: status_matches(e.status, status))
    if operation_id is not None:
        tests.append(lambda e: e.operation_id == operation_id)
    if not tests:
        return None
    return lambda entry: all(test(entry) for test in tests)
