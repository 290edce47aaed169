"""`BoundedMemo`: values worked out once per key on the request path (a path's route, a host's
URLs), emptied whenever it is full, so that a client naming endless keys (hostile paths, Host
headers) costs memory once, never without bound."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class BoundedMemo:
    def __init__(self, limit: int) -> None:
        self._values: dict[Hashable, Any] = {}
        self._limit = limit

    def get(self, key: Hashable, make: Callable[..., Any], *args: Any) -> Any:
        """The value of `key`, made by `make(*args)` the first time it is asked for."""
        try:
            return self._values[key]
        except KeyError:
            pass
        value = make(*args)
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = value
        return value
