"""Inbox JSON rendered once per change: the bytes of each inbox's view, kept by the inbox's version
and the viewer's view, so listing 2,000 inboxes is a join of cached bytes, not 2,000 renders, and
showing an inbox (or answering the write that changed it) renders it at most once a version.

Why it is safe: the store gives every inbox a new version (from one counter per store, never
reused, not even when a change is undone) under its lock whenever the inbox changes, and a list is
read and joined under that same lock, so a cached entry is always the whole view of that version.
A store made by a reset or a load has its own `uid`, so two stores' inboxes never share an entry.
The cache is bounded: past `max_entries` it starts again empty (a miss costs one render).
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from typing import Any

from mockserver.chatwoot import views
from mockserver.chatwoot.models import Actor, Inbox
from mockserver.chatwoot.store import Store

_VERSION = operator.attrgetter("version")


class RenderedInboxes:
    def __init__(self, dumps: Callable[[Any], str | bytes], max_entries: int = 25_000) -> None:
        self._dumps = dumps
        # (store uid, admin view, frontend URL) -> inbox version -> the inbox's JSON. A version is
        # one inbox's, once (the store's counter never gives it again), so it is the whole key
        # within a view: a list of 2,000 looks up 2,000 integers, not 2,000 tuples.
        self._views: dict[tuple[str, bool, str], dict[int, bytes]] = {}
        self._count = 0
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def list_body(self, store: Store, actor: Actor, urls: views.Urls) -> bytes:
        """`{"payload": [...]}` of the inboxes the actor may list, as JSON bytes and the answer's
        newline: one join of the cached bytes, the body's only copy (each copy of 2,000 inboxes,
        4.4 MB, cost a millisecond)."""
        admin = actor.is_admin
        with store.reading():
            inboxes = store.list_inboxes(actor)
            # Thousands of hits, looked up without a Python call each; the misses then rendered.
            parts = list(map(self._view(store, admin, urls).get, map(_VERSION, inboxes)))
            if None in parts:
                parts = [part or self.inbox_bytes(store, inbox, admin, urls)
                         for part, inbox in zip(parts, inboxes, strict=True)]
        if not parts:
            return b'{"payload":[]}\n'
        parts[0] = b'{"payload":[' + parts[0]
        parts[-1] = parts[-1] + b"]}\n"
        return b",".join(parts)

    def inbox_body(self, store: Store, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        """One inbox's JSON bytes (a show, or a write's answer), read under the store's lock as a list is."""
        with store.reading():
            return self.inbox_bytes(store, inbox, admin, urls)

    def inbox_bytes(self, store: Store, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        kept = self._view(store, admin, urls)
        found = kept.get(inbox.version)
        if found is not None:
            return found
        found = self._render(inbox, admin, urls)
        with self._lock:
            if self._count >= self._max_entries:
                self._views.clear()
                self._count = 0
                kept = self._view(store, admin, urls)
            kept[inbox.version] = found
            self._count += 1
        return found

    def _view(self, store: Store, admin: bool, urls: views.Urls) -> dict[int, bytes]:
        key = (store.uid, admin, urls.frontend_url)
        kept = self._views.get(key)
        if kept is None:
            kept = self._views.setdefault(key, {})
        return kept

    def _render(self, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        encoded = self._dumps(views.inbox_json_shared(inbox, admin, urls))
        return encoded.encode("utf-8") if isinstance(encoded, str) else encoded
