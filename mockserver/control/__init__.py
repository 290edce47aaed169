"""The mock's own controls, which Chatwoot does not have: the runtime (the current store, the
startup snapshot, reset and load), the control API under `/_mock/` as its own Blueprint, the
journal, injected faults and durable state (`--state-file`).

It may import `chatwoot` and `state`; never `web` (the web factory hands it what it needs, such as
the validator of the control spec).
"""
