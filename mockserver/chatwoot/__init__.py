"""The Chatwoot model: what Chatwoot 4.10 knows and decides about inboxes, with no HTTP in it.

It owns the profiles, ids as Rails reads them, every error the wire can show (one class each),
the channel kinds, the plain records, the record rules (`rules`) and policies (`policies`), the
`Store` (its tables and one lock in `tables`, the API's operations in Chatwoot's check order in
`store`), the jbuilder-like views and the reading of request parameters (`params`). It imports
nothing else of `mockserver` and no web framework, so tests, the state loader and the web edge
can all drive it directly.
"""
