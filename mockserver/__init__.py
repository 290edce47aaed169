"""chatwoot-inbox-mock: an offline, in-memory mock of Chatwoot's Inboxes REST API.

The public face is small: `create_app()` builds the WSGI app, `Store` holds the state,
`build_store()` reads a state document, `Profile` picks how the mock answers.

Each name is imported on first use: `chatwoot-mock --help` and the pytest plugin (which pytest
imports at every start, in every project that installs this package) must not pay for Flask and
openapi-core (about a second) when they do not serve.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.chatwoot.profiles import Profile
    from mockserver.chatwoot.store import Store
    from mockserver.state.document import StateDocumentError, build_store, demo_document
    from mockserver.web.app import create_app

__all__ = ["Profile", "StateDocumentError", "Store", "build_store", "create_app", "demo_document"]


#: Where each public name lives; imported on first use, so that the CLI's --help and the pytest
#: plugin's start load no Flask or openapi-core.
_HOMES = {"create_app": "mockserver.web.app", "Profile": "mockserver.chatwoot.profiles",
          "Store": "mockserver.chatwoot.store", "StateDocumentError": "mockserver.state.document",
          "build_store": "mockserver.state.document", "demo_document": "mockserver.state.document"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
