"""The HTTP edge: `create_app()`, the public API as a Flask Blueprint, the routes as data, request
validation against the spec, the drift hooks that act on the request pipeline, and the server.

It may import `chatwoot`, `state`, `control` (the factory wires the control API's Blueprint and
the runtime into the app) and `resources`. Errors raised anywhere are rendered here, once.
"""
