"""For users' tests: the in-process mock (`ChatwootMock`, with interception of `requests` and
`httpx`), the served mock (`ChatwootServer`, `ServedMock`) and the pytest plugin (`pytest11`
entry point `chatwoot_mock`, module `mockserver.testing.pytest_plugin`).

It may import every other folder; nothing imports it. Names are imported on first use: pytest
imports the plugin (and so this package) at every start of every project that installs the mock.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.testing.mock import ChatwootMock, InterceptionUnavailable, MockClient
    from mockserver.testing.served import ServedMock, ServeFailed
    from mockserver.testing.server import ChatwootServer, ControlCallFailed

__all__ = ["ChatwootMock", "ChatwootServer", "ControlCallFailed", "InterceptionUnavailable", "MockClient",
           "ServeFailed", "ServedMock"]

_HOMES = {"ChatwootMock": "mockserver.testing.mock", "ChatwootServer": "mockserver.testing.server",
          "ControlCallFailed": "mockserver.testing.server", "InterceptionUnavailable": "mockserver.testing.mock",
          "MockClient": "mockserver.testing.mock", "ServeFailed": "mockserver.testing.served",
          "ServedMock": "mockserver.testing.served"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'mockserver.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
