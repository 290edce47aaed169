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

import threading
from collections.abc import Callable
from typing import Any

from mockserver.chatwoot import views
from mockserver.chatwoot.models import Actor, Inbox
from mockserver.chatwoot.store import Store


class RenderedInboxes:
    def __init__(self, dumps: Callable[[Any], str | bytes], max_entries: int = 25_000) -> None:
        self._dumps = dumps
        self._entries: dict[tuple[str, int, int, bool, str], bytes] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def list_body(self, store: Store, actor: Actor, urls: views.Urls) -> bytes:
        """`{"payload": [...]}` of the inboxes the actor may list, as JSON bytes."""
        admin, uid, frontend_url, entries = actor.is_admin, store.uid, urls.frontend_url, self._entries
        with store.reading():
            inboxes = store.list_inboxes(actor)
            # The cache looked up inline (a list is thousands of hits), a miss rendered as one is.
            parts = [entries.get((uid, inbox.id, inbox.version, admin, frontend_url))
                     or self.inbox_bytes(store, inbox, admin, urls) for inbox in inboxes]
        return b'{"payload":[' + b",".join(parts) + b"]}"

    def inbox_body(self, store: Store, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        """One inbox's JSON bytes (a show, or a write's answer), read under the store's lock as a list is."""
        with store.reading():
            return self.inbox_bytes(store, inbox, admin, urls)

    def inbox_bytes(self, store: Store, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        key = (store.uid, inbox.id, inbox.version, admin, urls.frontend_url)
        found = self._entries.get(key)
        if found is not None:
            return found
        found = self._render(inbox, admin, urls)
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = found
        return found

    def _render(self, inbox: Inbox, admin: bool, urls: views.Urls) -> bytes:
        encoded = self._dumps(views.inbox_json(inbox, admin, urls))
        return encoded.encode("utf-8") if isinstance(encoded, str) else encoded
