"""chatwoot-inbox-mock: an offline, in-memory mock of Chatwoot's Inboxes REST API.

The public face is small: `create_app()` builds the WSGI app, `Store` holds the state,
`build_store()` reads a state document, `Profile` picks how the mock answers.

Each name is imported on first use: `chatwoot-mock --help` and the pytest plugin (which pytest
imports at every start, in every project that installs this package) must not pay for Flask and
openapi-core (about a second) when they do not serve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.app import create_app
    from mockserver.profiles import Profile
    from mockserver.state_document import StateDocumentError, build_store, demo_document
    from mockserver.store import Store

__all__ = ["Profile", "StateDocumentError", "Store", "build_store", "create_app", "demo_document"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from mockserver.app import create_app

        return create_app
    if name == "Profile":
        from mockserver.profiles import Profile

        return Profile
    if name == "Store":
        from mockserver.store import Store

        return Store
    if name in ("StateDocumentError", "build_store", "demo_document"):
        from mockserver import state_document

        return getattr(state_document, name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
