"""What runs against a real deployment, over httpx (`transport`: proxy, TLS, retries): the guarded
HTTP client (write guard, rate limit, the inboxes a run created), `chatwoot-mock contract`
(Schemathesis against a live Chatwoot), `chatwoot-mock diff` (one scripted sequence against two
targets) and `chatwoot-mock record` (a deployment's inbox setup, read with GETs, as a state document).

It may import `chatwoot`, `state` and `resources`; never `web` or `control`: a deployment is
reached over HTTP only.
"""
