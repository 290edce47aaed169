"""What runs against a real deployment: the guarded HTTP client (write guard, rate limit, the
inboxes a run created), `chatwoot-mock contract` (Schemathesis against a live Chatwoot) and
`chatwoot-mock diff` (one scripted sequence against two targets).

It may import `chatwoot`, `state` and `resources`; never `web` or `control`: a deployment is
reached over HTTP only.
"""
