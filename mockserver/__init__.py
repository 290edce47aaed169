"""chatwoot-inbox-mock: an offline, in-memory mock of Chatwoot's Inboxes REST API.

The public face is small: `create_app()` builds the WSGI app, `Store` holds the state,
`build_store()` reads a state document, `Profile` picks how the mock answers.
"""

from mockserver.app import create_app
from mockserver.profiles import Profile
from mockserver.state_document import StateDocumentError, build_store, demo_document
from mockserver.store import Store

__all__ = ["Profile", "StateDocumentError", "Store", "build_store", "create_app", "demo_document"]
