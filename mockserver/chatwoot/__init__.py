"""The Chatwoot model: what Chatwoot 4.10 knows and decides about inboxes, with no HTTP in it.

It owns the profiles, ids as Rails reads them, every error the wire can show (one class each),
the channel kinds, the plain records, the `Store` (the state, its one lock, Chatwoot's rules and
check order), the jbuilder-like views and the reading of request parameters (`params`). It imports
nothing else of `mockserver` and no web framework, so tests, the state loader and the web edge
can all drive it directly.
"""
