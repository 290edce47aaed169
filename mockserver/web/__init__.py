"""The HTTP edge: `create_app()` (app.py), the public API as a Flask Blueprint and its request
pipeline (api.py), body reading (body.py), the one error renderer (errors.py), the hooks on every
answer (outgoing.py), the routes as data, request validation against the spec, the drift hooks that
act on the request pipeline, and the server.

It may import `chatwoot`, `state`, `control` (the factory wires the control API's Blueprint and
the runtime into the app) and `resources`. Errors raised anywhere are rendered here, once.
"""
