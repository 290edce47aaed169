"""The control API's operations as data (`openapi/control.yaml` describes them): path, method,
and a thin handler that asks the runtime. No Flask here: `blueprint` routes them and checks the
control key; the web factory hands it the control spec's check; `web` renders the errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.chatwoot.models import Account
from mockserver.control.overview import accounts_overview, inbox_as_served
from mockserver.control.runtime import MockRuntime

CONTROL_PREFIX = "/_mock"
#: The header that carries the control key, when one is configured.
CONTROL_KEY_HEADER = "X-Mock-Control-Key"


def is_control_path(path: str) -> bool:
    """Under /_mock/, routed or not: such requests are neither faulted, drifted nor journaled."""
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


@dataclass
class ControlCall:
    """One control request, validated, as a handler sees it."""

    runtime: MockRuntime
    path: dict[str, Any]
    query: Mapping[str, str]
    body: Any
    #: The URL the request came in on: the default FRONTEND_URL of a rendered inbox.
    host_url: str = ""


@dataclass(frozen=True)
class ControlRoute:
    operation_id: str
    method: str
    path: str  # the spec's path template, prefix included
    handler: Callable[[ControlCall], Any]
    status: int = 200
    takes_body: bool = False


def _reset(call: ControlCall) -> Any:
    call.runtime.reset()
    return {"state": call.runtime.summary()}


def _load(call: ControlCall) -> Any:
    call.runtime.load(call.body, owned=True)  # the body, just parsed for this call
    return {"state": call.runtime.summary()}


def _export(call: ControlCall) -> Any:
    return call.runtime.export_encoded()


def _journal(call: ControlCall) -> Any:
    journal = call.runtime.journal
    query = call.query
    entries = journal.entries(method=query.get("method"), path=query.get("path"), status=query.get("status"),
                              operation_id=query.get("operation_id"))
    return {"size": journal.size, "count": len(entries), "entries": [e.to_dict() for e in entries]}


def _clear_journal(call: ControlCall) -> Any:
    call.runtime.journal.clear()
    return {"size": call.runtime.journal.size, "count": 0, "entries": []}


def _faults(call: ControlCall) -> Any:
    return {"faults": [f.to_dict() for f in call.runtime.faults.list()]}


def _add_fault(call: ControlCall) -> Any:
    return call.runtime.faults.add(**call.body).to_dict()


def _clear_faults(call: ControlCall) -> Any:
    call.runtime.faults.clear()
    return {"faults": []}


def _delete_fault(call: ControlCall) -> Any:
    call.runtime.faults.remove(call.path["fault_id"])
    return _faults(call)


def _account_json(account: Account) -> dict[str, Any]:
    return {"id": account.id, "name": account.name, "status": account.status, "inbox_limit": account.inbox_limit}


def _account(call: ControlCall) -> Any:
    return _account_json(call.runtime.account(call.path["account_id"]))


def _configure_account(call: ControlCall) -> Any:
    return _account_json(call.runtime.configure_account(call.path["account_id"], **call.body))


def _settings(call: ControlCall) -> Any:
    return {"profile": call.runtime.store.profile.value, **call.runtime.settings}


def _accounts(call: ControlCall) -> Any:
    return accounts_overview(call.runtime.store)


def _inbox(call: ControlCall) -> Any:
    frontend_url = call.runtime.settings.get("frontend_url") or call.host_url
    return inbox_as_served(call.runtime.store, call.path["inbox_id"], frontend_url)


CONTROL_ROUTES: tuple[ControlRoute, ...] = (
    ControlRoute("resetState", "POST", "/_mock/reset", _reset),
    ControlRoute("exportState", "GET", "/_mock/state", _export),
    ControlRoute("loadState", "PUT", "/_mock/state", _load, takes_body=True),
    ControlRoute("listJournal", "GET", "/_mock/journal", _journal),
    ControlRoute("clearJournal", "DELETE", "/_mock/journal", _clear_journal),
    ControlRoute("listFaults", "GET", "/_mock/faults", _faults),
    ControlRoute("addFault", "POST", "/_mock/faults", _add_fault, status=201, takes_body=True),
    ControlRoute("clearFaults", "DELETE", "/_mock/faults", _clear_faults),
    ControlRoute("deleteFault", "DELETE", "/_mock/faults/{fault_id}", _delete_fault),
    ControlRoute("getSettings", "GET", "/_mock/settings", _settings),
    ControlRoute("listAccounts", "GET", "/_mock/accounts", _accounts),
    ControlRoute("getInbox", "GET", "/_mock/inboxes/{inbox_id}", _inbox),
    ControlRoute("getAccount", "GET", "/_mock/accounts/{account_id}", _account),
    ControlRoute("configureAccount", "PATCH", "/_mock/accounts/{account_id}", _configure_account, takes_body=True),
)
