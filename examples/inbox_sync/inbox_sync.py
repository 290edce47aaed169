"""A small Chatwoot integration: make sure an account has the API inboxes a team needs.

It lists the account's inboxes and creates each wanted one that is missing (by name), over
Chatwoot's REST API with httpx. The base URL, token and account come from the arguments or from
CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID, so the same code runs against
app.chatwoot.com, a self-hosted Chatwoot, the served mock, or (in tests) the intercepted mock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_BASE_URL = "https://app.chatwoot.com"


class ChatwootError(RuntimeError):
    """Chatwoot refused a call: the status and the body it answered with."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                         f"{response.text[:200]}")
        self.status_code = response.status_code


@dataclass(frozen=True)
class WantedInbox:
    name: str
    webhook_url: str


class InboxSync:
    def __init__(self, base_url: str | None = None, token: str | None = None, account_id: int | None = None,
                 *, timeout: float = 10.0) -> None:
        base_url = base_url or os.environ.get("CHATWOOT_BASE_URL", DEFAULT_BASE_URL)
        token = token or os.environ["CHATWOOT_API_TOKEN"]
        account_id = account_id or int(os.environ.get("CHATWOOT_ACCOUNT_ID", "1"))
        self._http = httpx.Client(base_url=f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}",
                                  headers={"api_access_token": token}, timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.is_error:
            raise ChatwootError(response)
        return response.json()

    def inboxes(self) -> list[dict[str, Any]]:
        return self._call("GET", "/inboxes")["payload"]

    def sync(self, wanted: Iterable[WantedInbox]) -> list[dict[str, Any]]:
        """Create the wanted inboxes the account lacks; return the ones created."""
        existing = {inbox["name"] for inbox in self.inboxes()}
        created = []
        for inbox in wanted:
            if inbox.name in existing:
                continue
            created.append(self._call("POST", "/inboxes", json={
                "name": inbox.name, "channel": {"type": "api", "webhook_url": inbox.webhook_url}}))
            existing.add(inbox.name)
        return created

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InboxSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
