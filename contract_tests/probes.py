"""Checks of our own, for promises of the spec that Schemathesis's checks do not probe. Each is a
Schemathesis check (`(ctx, response, case)`, failing by AssertionError) bound to the mock the case
was sent to, and probes it the way `ignored_auth` does: by sending a changed copy of the request.

- `malformed_body_rejected`: a body that is not JSON is 400 (`BadRequest`), never a 5xx.
  Schemathesis's negative data is always well-formed JSON, so nothing else sends one.
- `unknown_inbox_not_found`: an inbox id the account does not have is 404 for an administrator:
  the inbox lookup comes before the role check (digest §2.1). 401 is documented too (for other
  reasons), so status_code_conformance cannot tell a swapped check order.
- `deleted_inbox_gone`: after deleteInbox answers 200, getInbox of it is 404. Schemathesis's
  use_after_free judges the same, but only when a stateful run happens to delete and then read;
  this asks at every successful delete.
- `admin_fields_hidden`: an agent never sees an `x-admin-only` inbox field (digest §4.2).
- `listed_inboxes_readable`: every inbox listInboxes shows an agent is one getInbox lets them read
  (agents see the inboxes they are members of, digest §3.5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver import resources

UNKNOWN_INBOX_ID = 2_000_000_000

ADMIN_ONLY_FIELDS = frozenset(
    name for name, prop in resources.load_spec()["components"]["schemas"]["Inbox"]["properties"].items()
    if prop.get("x-admin-only"))


def _operation_id(case: Any) -> str:
    return case.operation.definition.raw["operationId"]


def _is_positive(case: Any) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _resend(app: Any, response: Any, url: str, method: str = "GET", **kwargs: Any) -> Any:
    """Another request to the same mock, with the token the checked request carried."""
    token = response.request.headers.get("api_access_token") or ""
    return app.test_client().open(url, method=method, headers={"api_access_token": token}, **kwargs)


def _request_path(response: Any) -> str:
    from urllib.parse import urlsplit

    return urlsplit(response.request.url).path


def malformed_body_rejected(app: Any) -> Callable:
    def malformed_body_rejected(ctx: Any, response: Any, case: Any) -> None:
        if not _is_positive(case) or not isinstance(case.body, dict | list) or case.media_type != "application/json":
            return
        probe = _resend(app, response, _request_path(response), case.method, data=b'{"name": ',
                        content_type="application/json")
        assert probe.status_code == 400 and probe.is_json, (
            f"a body that is not JSON got {probe.status_code} {probe.content_type}, not a JSON 400")

    return malformed_body_rejected


def unknown_inbox_not_found(app: Any) -> Callable:
    def unknown_inbox_not_found(ctx: Any, response: Any, case: Any) -> None:
        path = case.path_parameters or {}
        name = "id" if "id" in path else "inbox_id" if "inbox_id" in path else None
        if not _is_positive(case) or name is None or response.status_code == 401:
            return  # only where the caller got past authentication with this request
        url = case.operation.path.format(**{**path, name: UNKNOWN_INBOX_ID})
        body = {"json": case.body} if isinstance(case.body, dict | list) else {}
        probe = _resend(app, response, url, case.method, **body)
        assert probe.status_code == 404, f"an inbox the account does not have got {probe.status_code}, not 404"

    return unknown_inbox_not_found


def deleted_inbox_gone(app: Any) -> Callable:
    def deleted_inbox_gone(ctx: Any, response: Any, case: Any) -> None:
        if _operation_id(case) != "deleteInbox" or response.status_code != 200:
            return
        read = _resend(app, response, _request_path(response))
        assert read.status_code == 404, f"a deleted inbox still answers getInbox with {read.status_code}"

    return deleted_inbox_gone


def _inbox_bodies(body: Any) -> list[dict]:
    items = body.get("payload", [body]) if isinstance(body, dict) else body if isinstance(body, list) else []
    return [i for i in items if isinstance(i, dict) and "channel_type" in i]


def admin_fields_hidden(app: Any) -> Callable:
    def admin_fields_hidden(ctx: Any, response: Any, case: Any) -> None:
        if not 200 <= response.status_code < 300:
            return
        for inbox in _inbox_bodies(response.json()):
            shown = sorted(ADMIN_ONLY_FIELDS & inbox.keys())
            assert not shown, f"an agent was shown admin-only fields of inbox {inbox.get('id')}: {shown}"

    return admin_fields_hidden


def listed_inboxes_readable(app: Any) -> Callable:
    def listed_inboxes_readable(ctx: Any, response: Any, case: Any) -> None:
        if _operation_id(case) != "listInboxes" or response.status_code != 200:
            return
        for inbox in _inbox_bodies(response.json()):
            read = _resend(app, response, f"{_request_path(response)}/{inbox['id']}")
            assert read.status_code == 200, (
                f"listInboxes showed inbox {inbox['id']}, which getInbox refuses this caller ({read.status_code})")

    return listed_inboxes_readable


#: The probes each role's run adds to Schemathesis's checks.
ADMIN_PROBES = (malformed_body_rejected, unknown_inbox_not_found, deleted_inbox_gone)
AGENT_PROBES = (admin_fields_hidden, listed_inboxes_readable)
