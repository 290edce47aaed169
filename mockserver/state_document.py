"""Startup state: a JSON document (format: `fixtures/state.schema.json`) turned into a store.

Every record goes through the store's own seeding functions, so a document can never build a
state the store's rules would not.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from mockserver import resources
from mockserver.errors import MockError
from mockserver.profiles import Profile
from mockserver.store import Store


class StateDocumentError(ValueError):
    """The document does not follow the state format, or refers to records it lacks."""


@functools.cache
def _schema_validator() -> Draft202012Validator:
    schema = resources.load_json(*resources.STATE_SCHEMA_PATH)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def read_document(path: str | Path) -> dict[str, Any]:
    try:
        with Path(path).open(encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise StateDocumentError(f"cannot read state file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise StateDocumentError(f"state file {path} is not JSON: {error}") from None


def demo_document() -> dict[str, Any]:
    return resources.load_json(*resources.DEMO_STATE_PATH)


def build_store(document: dict[str, Any], profile: Profile = Profile.DOCS) -> Store:
    errors = sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:10]]
        raise StateDocumentError("state document does not follow fixtures/state.schema.json:\n" + "\n".join(lines))
    store = Store(profile)
    try:
        _fill(store, document)
    except (ValueError, LookupError, MockError) as error:  # MockError: a store rule refused a record
        raise StateDocumentError(f"state document is inconsistent: {error}") from None
    return store


def _fill(store: Store, document: dict[str, Any]) -> None:
    for account in document["accounts"]:
        store.add_account(account["name"], id=account["id"], status=account["status"],
                          inbox_limit=account.get("inbox_limit"),
                          inbound_email_domain=account.get("inbound_email_domain"))
    for user in document["users"]:
        roles = {m["account_id"]: m["role"] for m in user["memberships"]}
        extra = {k: user[k] for k in ("display_name", "availability_status", "auto_offline", "confirmed",
                                      "custom_attributes") if k in user}
        store.add_user(user["name"], user["email"], user["access_token"], roles, id=user["id"], **extra)
    for bot in document["agent_bots"]:
        extra = {k: bot[k] for k in ("description", "outgoing_url", "bot_type", "bot_config", "thumbnail",
                                     "created_at") if k in bot}
        store.add_agent_bot(bot["name"], bot["access_token"], account_id=bot["account_id"], id=bot["id"], **extra)
    for inbox in document["inboxes"]:
        attributes = {k: v for k, v in inbox.items()
                      if k not in ("id", "account_id", "name", "channel", "working_hours", "avatar", "created_at")}
        store.add_inbox(inbox["account_id"], inbox["name"], inbox["channel"], id=inbox["id"],
                        working_hours=inbox.get("working_hours"), created_at=inbox.get("created_at"),
                        **attributes)
    for member in document["inbox_members"]:
        store.add_member(member["inbox_id"], member["user_id"])
    for link in document["agent_bot_inboxes"]:
        store.link_agent_bot(link["inbox_id"], link["agent_bot_id"], link.get("status", "active"))
    for campaign in document["campaigns"]:
        fields = {k: v for k, v in campaign.items()
                  if k not in ("id", "display_id", "account_id", "inbox_id", "title", "message", "campaign_type",
                               "created_at", "updated_at")}
        store.add_campaign(campaign["inbox_id"], campaign["title"], campaign["message"],
                           campaign["campaign_type"], id=campaign["id"], display_id=campaign["display_id"],
                           created_at=campaign["created_at"], updated_at=campaign["updated_at"], **fields)
