"""What every harness run shares, contract, diff and record alike: its exit codes, the probe that tells
an unreachable target or a refused token from a broken contract, the cleanup of what a run created,
and signals turned into exceptions so that cleanup always runs."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from mockserver.harness.guarded_client import INBOXES, OTHER_RECORDS, GuardedClient, OwnedRecords, Refused, Unreachable

EXIT_OK = 0
EXIT_FAILED = 1  # the target broke the contract
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3  # no answer, or not an answer of Chatwoot's inbox API
EXIT_REFUSED = 4  # the token or the account was refused
EXIT_UNSAFE = 5  # cleanup left something behind, or the guard had to refuse a request
EXIT_INTERRUPTED = 130


class Interrupted(Exception):
    """SIGTERM arrived (SIGINT arrives as KeyboardInterrupt)."""


@dataclass
class RecordCleanup:
    """The records of one other collection (`OTHER_RECORDS`: agent bots, assignment policies) a run
    made, and what became of them (removed: by the run's own delete or by the cleanup)."""

    created: dict[int, str] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)


@dataclass
class CleanupReport:
    """What a run created and what became of it: inboxes, then the other records by collection."""

    created: dict[int, str] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    deleted_by_run: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    records: dict[str, RecordCleanup] = field(default_factory=dict)


def probe(client: GuardedClient, account_id: int) -> tuple[int, str, list[dict]]:
    """(exit code, message, inboxes): EXIT_OK and the listed inboxes when the target answers like Chatwoot."""
    try:
        answer = client.call("GET", f"/api/v1/accounts/{account_id}/inboxes")
    except Unreachable as error:
        return EXIT_UNREACHABLE, f"cannot reach {client.base_url} ({error.__cause__ or error})", []
    if answer.status in (401, 403):
        return EXIT_REFUSED, (f"{client.base_url} refused the token ({answer.status} on GET /api/v1/accounts/"
                              f"{account_id}/inboxes); check the token and that its user belongs to account "
                              f"{account_id}"), []
    if answer.status == 404:
        return EXIT_REFUSED, (f"{client.base_url} has no account {account_id} for this token (404); "
                              "check --account and --base-url"), []
    document = answer.json()
    # Only "is this a JSON API at all" here: a body of the wrong shape is for the checks to report.
    if answer.status != 200 or document is None:
        return EXIT_UNREACHABLE, (f"{client.base_url} does not answer like Chatwoot's inbox API "
                                  f"(GET .../inboxes: {answer.status} {answer.body[:120]!r})"), []
    return EXIT_OK, "", listed_inboxes(document)


def listed_inboxes(document: object) -> list[dict]:
    """The inboxes of a list answer: under `payload`, or (a target that drifted) a bare array."""
    payload = document.get("payload") if isinstance(document, dict) else document
    return [inbox for inbox in payload if isinstance(inbox, dict)] if isinstance(payload, list) else []


def cleanup(client: GuardedClient, account_id: int, owned: OwnedRecords, report: CleanupReport) -> None:
    """Delete what the run created, then whatever carries its prefix; then list what is left. The
    inboxes first (deleting one also unlinks its assignment policy), then the other records."""
    _cleanup_inboxes(client, account_id, owned, report)
    for collection in OTHER_RECORDS:
        _cleanup_records(client, f"/api/v1/accounts/{account_id}/{collection}", collection, owned, report)


def _cleanup_inboxes(client: GuardedClient, account_id: int, owned: OwnedRecords, report: CleanupReport) -> None:
    base = f"/api/v1/accounts/{account_id}/inboxes"
    try:
        for inbox in listed_inboxes(client.call("GET", base).json()):
            if str(inbox.get("name", "")).startswith(owned.prefix) and isinstance(inbox.get("id"), int):
                owned.add(INBOXES, inbox["id"], inbox["name"])
    except Unreachable:
        pass
    created, deleted = owned.created(INBOXES), owned.deleted(INBOXES)
    for inbox_id in sorted(created):
        if inbox_id in deleted:
            report.deleted_by_run.append(inbox_id)
            continue
        try:
            answer = client.call("DELETE", f"{base}/{inbox_id}")
        except (Unreachable, Refused):
            continue
        if answer.status == 200 or answer.status == 404:
            report.removed.append(inbox_id)
    report.created = created
    try:
        present = {i.get("id"): str(i.get("name", "")) for i in listed_inboxes(client.call("GET", base).json())}
    except Unreachable:
        report.left = [i for i in created if i not in report.removed and i not in report.deleted_by_run]
        return
    report.left = sorted(i for i, name in present.items() if i in created or name.startswith(owned.prefix))
    report.removed = [i for i in report.removed if i not in report.left]


def _cleanup_records(client: GuardedClient, base: str, collection: str, owned: OwnedRecords,
                     report: CleanupReport) -> None:
    """One collection: what the run made or what carries its prefix, deleted. Reported only when the
    run made something there (a deployment without the route answers its list with 404)."""
    for record_id, name in (_listed_names(client, base) or {}).items():
        if name.startswith(owned.prefix):
            owned.add(collection, record_id, name)
    created = owned.created(collection)
    if not created:
        return
    result = report.records[collection] = RecordCleanup(created)
    deleted = owned.deleted(collection)
    for record_id in sorted(created):
        if record_id not in deleted:
            try:
                answer = client.call("DELETE", f"{base}/{record_id}")
            except (Unreachable, Refused):
                continue
            if answer.status not in (200, 204, 404):
                continue
        result.removed.append(record_id)
    present = _listed_names(client, base)
    if present is None:
        result.left = [i for i in created if i not in result.removed]
        return
    result.left = sorted(i for i, name in present.items() if i in created or name.startswith(owned.prefix))
    result.removed = [i for i in result.removed if i not in result.left]


def _listed_names(client: GuardedClient, base: str) -> dict[int, str] | None:
    """id -> name of a list answer (a bare array), or None when the list could not be read."""
    try:
        answer = client.call("GET", base)
    except Unreachable:
        return None
    document = answer.json()
    if answer.status != 200 or not isinstance(document, list):
        return None
    return {item["id"]: str(item.get("name", "")) for item in document
            if isinstance(item, dict) and isinstance(item.get("id"), int)}



@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """SIGTERM raises Interrupted in the main thread (SIGINT already raises KeyboardInterrupt), so
    that the run's `finally` cleans up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_ignored(out: TextIO) -> Iterator[None]:
    """While cleaning up, a second Ctrl-C or SIGTERM does not cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: object) -> None:
        print("chatwoot-mock contract: cleaning up, please wait", file=out, flush=True)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
