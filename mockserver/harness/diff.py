"""`chatwoot-mock diff`: the same scripted sequence against two targets (the mock and a deployment, two
deployments, two profiles of the mock), reporting where their answers differ in status or in shape.

The script, per side and independently: list the account's agent bots and inboxes; for each channel type,
create an inbox, read it, update it, read, set and clear its agent bot, add, list, replace and remove a
member (a user the side itself names as assignable), list its campaigns, delete it and read it again;
then the error cases (unknown inbox, no token, bad token, no channel, unknown channel type, a web widget
without its URL, a blank name, malformed JSON, a wrong content type, an unknown agent bot, members without
`user_ids` or with an unknown user, health and template sync of a non-WhatsApp inbox, a second delete).

What is compared (`compare`): the status codes, and the JSON *shape* of the bodies: the keys present and
the type of each value, recursively; a list by the merged shape of its items. Values are not compared:
ids, tokens, timestamps and generated URLs must differ between targets, and the data of two deployments
differs too. Two choices, both documented in the README ("Differential runs"):
- a null against any other type is not a difference by default (a deployment may have a value where the
  other has none: an avatar, a webhook URL); `--strict-null` reports it;
- error texts are values, so they are not compared by default; `--compare-error-text` compares the
  strings of every 4xx body, to check wording (the mock's `chatwoot` profile against Chatwoot, say).

Everything created is named with the run's prefix and goes through the write guard (`guarded_client`),
as with `chatwoot-mock contract`, and is deleted at the end on both sides, also on failure or signal.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from mockserver.harness.contract import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNSAFE,
    Interrupted,
    RunReport,
    cleanup,
    probe,
    signals_as_exceptions,
    signals_ignored,
)
from mockserver.harness.guarded_client import (
    GuardedClient,
    OwnedInboxes,
    RateLimiter,
    Refused,
    Unreachable,
    WriteGuard,
    new_run_prefix,
)
from mockserver.resources import load_spec

UNKNOWN_ID = 2_147_483_000  # no inbox, bot or user has it (Chatwoot's ids are 32-bit and counted up)
NOT_RUN = -1


@dataclass(frozen=True)
class TargetOptions:
    base_url: str
    token: str
    account_id: int


@dataclass
class DiffOptions:
    left: TargetOptions
    right: TargetOptions
    rate_limit: float = 5.0
    strict_null: bool = False
    compare_error_text: bool = False
    channels: tuple[str, ...] = ()  # empty: every channel type


@dataclass
class Outcome:
    """One step's answer on one side: status NOT_RUN with a reason when the step could not run."""

    status: int
    body: Any = None
    reason: str = ""


#: The channel types the sequence creates, in its order.
CHANNEL_TYPES = ("web_widget", "api", "email", "line", "telegram", "whatsapp", "sms")


def channel_bodies(prefix: str) -> dict[str, dict]:
    """A create body per channel type: the spec's examples for web widget and API, our own for the
    others (the e-mail one with `imap_login` spelled out). Addresses and numbers derive from the prefix,
    so two runs never collide on uniqueness."""
    digits = str(int(hashlib.sha256(prefix.encode()).hexdigest(), 16))[:7]
    email = f"{prefix}support@example.com"
    examples = load_spec()["components"]["examples"]
    return {
        "web_widget": dict(examples["CreateWebWidgetInboxRequest"]["value"]["channel"]),
        "api": dict(examples["CreateApiInboxRequest"]["value"]["channel"]),
        "email": {"type": "email", "email": email, "imap_enabled": True, "imap_address": "imap.example.com",
                  "imap_port": 993, "imap_login": email, "imap_password": "app_password", "smtp_enabled": True,
                  "smtp_address": "smtp.example.com", "smtp_port": 587, "smtp_login": email,
                  "smtp_password": "app_password"},
        "line": {"type": "line", "line_channel_id": f"1{digits}", "line_channel_secret": "line-secret",
                 "line_channel_token": "line-token"},
        "telegram": {"type": "telegram", "bot_token": f"{digits}:AAH-cwmock-diff-token-{digits}-{digits}"},
        "whatsapp": {"type": "whatsapp", "phone_number": f"+1555{digits}", "provider": "whatsapp_cloud",
                     "provider_config": {"api_key": "cwmock-key", "phone_number_id": f"2{digits}",
                                         "business_account_id": f"3{digits}"}},
        "sms": {"type": "sms", "phone_number": f"+1556{digits}"},
    }


def created_id(created: Outcome) -> int | None:
    """The id of the inbox a create made, or None when it made none."""
    inbox_id = created.body.get("id") if isinstance(created.body, dict) else None
    return inbox_id if 200 <= created.status < 300 and isinstance(inbox_id, int) else None


class Script:
    """The sequence against one side; `outcomes` maps each step's name to its answer."""

    def __init__(self, client: GuardedClient, account_id: int, prefix: str, channels: tuple[str, ...]) -> None:
        self.client = client
        self.base = f"/api/v1/accounts/{account_id}"
        self.prefix = prefix
        self.channels = channels
        self.outcomes: dict[str, Outcome] = {}
        self._skip_reason: str | None = None

    def step(self, name: str, method: str, path: str, **kwargs: Any) -> Outcome:
        if self._skip_reason is not None:
            outcome = self.outcomes[name] = Outcome(NOT_RUN, reason=self._skip_reason)
            return outcome
        try:
            answer = self.client.call(method, self.base + path, **kwargs)
        except Refused as refusal:
            outcome = Outcome(NOT_RUN, reason=f"refused by the guard: {refusal}")
        except Unreachable as error:
            outcome = Outcome(NOT_RUN, reason=f"unreachable: {error}")
        else:
            outcome = Outcome(answer.status, answer.json())
        self.outcomes[name] = outcome
        return outcome

    @contextmanager
    def only_if(self, condition: bool, reason: str) -> Iterator[None]:
        """The steps inside run only if `condition` holds; otherwise each is recorded as not run,
        with `reason` (so that a step list is written once, as the steps themselves)."""
        previous = self._skip_reason
        if not condition and previous is None:
            self._skip_reason = reason
        try:
            yield
        finally:
            self._skip_reason = previous

    def run(self) -> None:
        bots = self.step("list agent bots", "GET", "/agent_bots").body
        bot_id = next((b.get("id") for b in bots if isinstance(b, dict)), None) if isinstance(bots, list) else None
        self.step("list inboxes", "GET", "/inboxes")
        bodies = channel_bodies(self.prefix)
        for channel in self.channels or CHANNEL_TYPES:
            self.run_channel(channel, bodies[channel], bot_id)
        self.run_errors()
        self.step("list inboxes at the end", "GET", "/inboxes")

    def run_channel(self, channel: str, channel_body: dict, bot_id: int | None) -> None:
        created = self.step(f"create {channel}", "POST", "/inboxes",
                            json_body={"name": f"{self.prefix}{channel}", "channel": channel_body})
        inbox_id = created_id(created)
        with self.only_if(inbox_id is not None, f"create {channel} failed"):
            self.run_on_inbox(channel, inbox_id, bot_id)

    def run_on_inbox(self, channel: str, inbox_id: int | None, bot_id: int | None) -> None:
        one = f"/inboxes/{inbox_id}"
        self.step(f"read {channel}", "GET", one)
        self.step(f"update {channel}", "PATCH", one, json_body={
            "name": f"{self.prefix}{channel}-renamed", "greeting_enabled": True, "greeting_message": "Hello"})
        self.step(f"agent bot of {channel}", "GET", f"{one}/agent_bot")
        with self.only_if(bot_id is not None, "no agent bot listed"):
            self.step(f"set agent bot {channel}", "POST", f"{one}/set_agent_bot", json_body={"agent_bot": bot_id})
            self.step(f"agent bot after setting {channel}", "GET", f"{one}/agent_bot")
        self.step(f"clear agent bot {channel}", "POST", f"{one}/set_agent_bot", json_body={"agent_bot": None})
        agents = self.step(f"assignable agents {channel}", "GET", f"{one}/assignable_agents").body
        payload = agents.get("payload") if isinstance(agents, dict) else None
        user_id = next((a.get("id") for a in payload if isinstance(a, dict)), None) if payload else None
        members = {"inbox_id": inbox_id, "user_ids": [user_id] if user_id is not None else []}
        self.step(f"add members {channel}", "POST", "/inbox_members", json_body=members)
        self.step(f"list members {channel}", "GET", f"/inbox_members/{inbox_id}")
        self.step(f"replace members {channel}", "PATCH", "/inbox_members", json_body=members)
        self.step(f"remove members {channel}", "DELETE", "/inbox_members", json_body=members)
        self.step(f"members after removing {channel}", "GET", f"/inbox_members/{inbox_id}")
        self.step(f"campaigns {channel}", "GET", f"{one}/campaigns")
        self.step(f"health {channel}", "GET", f"{one}/health")
        self.step(f"delete {channel}", "DELETE", one)
        self.step(f"read after delete {channel}", "GET", one)

    def run_errors(self) -> None:
        self.step("error: unknown inbox", "GET", f"/inboxes/{UNKNOWN_ID}")
        self.step("error: no token", "GET", "/inboxes", token=None)
        self.step("error: bad token", "GET", "/inboxes", token="cwmock-not-a-token")
        self.step("error: create without channel", "POST", "/inboxes", json_body={"name": f"{self.prefix}bare"})
        self.step("error: create with unknown channel type", "POST", "/inboxes",
                  json_body={"name": f"{self.prefix}pigeon", "channel": {"type": "carrier_pigeon"}})
        self.step("error: create web_widget without website_url", "POST", "/inboxes",
                  json_body={"name": f"{self.prefix}nourl", "channel": {"type": "web_widget"}})
        self.step("error: members of unknown inbox", "GET", f"/inbox_members/{UNKNOWN_ID}")
        target = self.step("error: create the inbox for the error cases", "POST", "/inboxes",
                           json_body={"name": f"{self.prefix}errors", "channel": {"type": "api"}})
        inbox_id = created_id(target)
        with self.only_if(inbox_id is not None, "could not create the inbox for the error cases"):
            self.run_errors_on_inbox(inbox_id)

    def run_errors_on_inbox(self, inbox_id: int | None) -> None:
        one = f"/inboxes/{inbox_id}"
        self.step("error: update with blank name", "PATCH", one, json_body={"name": ""})
        self.step("error: update with malformed JSON", "PATCH", one, raw=b'{"name": ')
        self.step("error: update with a text body", "PATCH", one, raw=b"name=x", content_type="text/plain")
        self.step("error: set unknown agent bot", "POST", f"{one}/set_agent_bot", json_body={"agent_bot": UNKNOWN_ID})
        self.step("error: add members without user_ids", "POST", "/inbox_members", json_body={"inbox_id": inbox_id})
        self.step("error: add unknown user", "POST", "/inbox_members",
                  json_body={"inbox_id": inbox_id, "user_ids": [UNKNOWN_ID]})
        self.step("error: health of an API inbox", "GET", f"{one}/health")
        self.step("error: sync templates of an API inbox", "POST", f"{one}/sync_templates")
        self.step("error: delete", "DELETE", one)
        self.step("error: delete twice", "DELETE", one)
        self.step("error: update deleted inbox", "PATCH", one, json_body={"name": f"{self.prefix}gone"})


# ----------------------------------------------------------------------------- shapes

def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


@dataclass
class Comparison:
    strict_null: bool = False
    compare_text: bool = False
    differences: list[str] = field(default_factory=list)

    def compare(self, left: Any, right: Any, path: str) -> None:
        """Append each shape difference between two JSON values found under `path`."""
        left_kinds, right_kinds = self.kinds(left), self.kinds(right)
        if not self.strict_null and ("null" in left_kinds or "null" in right_kinds):
            return
        if left_kinds != right_kinds:
            self.differences.append(f"{path or 'the body'} is {_kinds(left_kinds)} on left, "
                                    f"{_kinds(right_kinds)} on right")
            return
        if self.compare_text and isinstance(left, str) and left != right:
            self.differences.append(f"{path or 'the body'} reads {left!r} on left, {right!r} on right")
            return
        if isinstance(left, dict):
            for key in sorted(left.keys() - right.keys()):
                self.differences.append(f"right lacks key {_join(path, key)}")
            for key in sorted(right.keys() - left.keys()):
                self.differences.append(f"left lacks key {_join(path, key)}")
            for key in sorted(left.keys() & right.keys()):
                self.compare(left[key], right[key], _join(path, key))
        elif isinstance(left, list) and left and right:
            self.compare(merge_items(left), merge_items(right), f"{path}[]")

    @staticmethod
    def kinds(value: Any) -> frozenset[str]:
        if isinstance(value, _Merged):
            return value.kinds
        return frozenset({kind(value)})


class _Merged(dict):
    """The merged shape of a list's object items: every key any item has, each with its merged value;
    `kinds` holds the kinds of the items themselves."""

    kinds: frozenset[str] = frozenset()


def merge_items(items: list[Any]) -> Any:
    """One value standing for the shape of all the items of a list."""
    kinds = frozenset(kind(item) for item in items)
    objects = [item for item in items if isinstance(item, dict)]
    if kinds == {"object"} or (kinds == {"object", "null"} and objects):
        merged = _Merged()
        for key in dict.fromkeys(k for item in objects for k in item):
            merged[key] = merge_items([item[key] for item in objects if key in item])
        merged.kinds = frozenset({"object"})
        return merged
    if kinds == {"array"}:
        return [merge_items([inner for item in items for inner in item])] if any(items) else []
    if len(kinds) == 1 and not isinstance(items[0], (dict, list)):
        return items[0]
    merged = _Merged()
    merged.kinds = kinds
    return merged


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kinds(kinds: frozenset[str]) -> str:
    return " or ".join(sorted(kinds))


def compare_outcomes(step: str, left: Outcome, right: Outcome, *, strict_null: bool = False,
                     compare_error_text: bool = False) -> list[str]:
    """The differences of one step, each line starting with the step's name."""
    if left.status == NOT_RUN or right.status == NOT_RUN:
        if left.status == right.status:
            return []
        side, outcome = ("left", left) if left.status == NOT_RUN else ("right", right)
        return [f"{step}: not run on {side} ({outcome.reason})"]
    if left.status != right.status:
        return [f"{step}: status {left.status} on left, {right.status} on right"]
    comparison = Comparison(strict_null=strict_null, compare_text=compare_error_text and left.status >= 400)
    comparison.compare(left.body, right.body, "")
    return [f"{step}: {difference}" for difference in comparison.differences]


# ----------------------------------------------------------------------------- the run

@dataclass
class Side:
    name: str
    options: TargetOptions
    client: GuardedClient
    owned: OwnedInboxes
    script: Script
    cleanup: RunReport = field(default_factory=RunReport)


def _side(name: str, target: TargetOptions, prefix: str, options: DiffOptions) -> Side:
    owned = OwnedInboxes(prefix)
    client = GuardedClient(target.base_url, target.token, WriteGuard(target.account_id, owned, allow_writes=True),
                           RateLimiter(options.rate_limit))
    return Side(name, target, client, owned, Script(client, target.account_id, prefix, options.channels))


def run(options: DiffOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    unknown = sorted(set(options.channels) - set(CHANNEL_TYPES))
    if unknown:
        print(f"chatwoot-mock diff: unknown channel type {', '.join(unknown)}", file=err)
        return 2
    prefix = new_run_prefix()
    sides = [_side("left", options.left, prefix, options), _side("right", options.right, prefix, options)]
    for side in sides:
        code, message, _ = probe(side.client, side.options.account_id)
        if code != EXIT_OK:
            print(f"chatwoot-mock diff: {side.name}: {message}", file=err)
            return code
    interrupted = False
    with signals_as_exceptions():
        try:
            for side in sides:
                side.script.run()
        except (KeyboardInterrupt, Interrupted):
            interrupted = True
        finally:
            with signals_ignored(out):
                for side in sides:
                    cleanup(side.client, side.options.account_id, side.owned, side.cleanup)
    differences = diff_outcomes(sides[0].script.outcomes, sides[1].script.outcomes,
                                strict_null=options.strict_null, compare_error_text=options.compare_error_text)
    print(f"chatwoot-mock diff: left {options.left.base_url} (account {options.left.account_id}), "
          f"right {options.right.base_url} (account {options.right.account_id}), prefix {prefix}", file=out)
    for line in differences:
        print(f"  {line}", file=out)
    steps = len(sides[0].script.outcomes.keys() | sides[1].script.outcomes.keys())
    print(f"  {steps} steps, {len(differences)} differences", file=out)
    left_behind = False
    for side in sides:
        created = len(side.cleanup.created)
        print(f"  {side.name}: created {created} inboxes, "
              f"removed {len(side.cleanup.removed) + len(side.cleanup.deleted_by_run)}", file=out)
        if side.cleanup.left:
            left_behind = True
            print(f"  {side.name}: LEFT BEHIND (delete them by hand): {', '.join(map(str, side.cleanup.left))}",
                  file=out)
    if left_behind:
        return EXIT_UNSAFE
    if interrupted:
        print("  interrupted", file=out)
        return EXIT_INTERRUPTED
    return EXIT_FAILED if differences else EXIT_OK


def diff_outcomes(left: dict[str, Outcome], right: dict[str, Outcome], **settings: bool) -> list[str]:
    """Every difference, in the order of the script (the left side's order, then steps only the right ran)."""
    missing = Outcome(NOT_RUN, reason="the run stopped before it")
    lines: list[str] = []
    # Steps one side could not run, one line per (side, reason), at the place of the first of them.
    skipped: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for name in dict.fromkeys([*left, *right]):
        one, other = left.get(name, missing), right.get(name, missing)
        if (one.status == NOT_RUN) != (other.status == NOT_RUN):
            side, outcome = ("left", one) if one.status == NOT_RUN else ("right", other)
            if (side, outcome.reason) not in skipped:
                skipped[(side, outcome.reason)] = (len(lines), [])
                lines.append("")
            skipped[(side, outcome.reason)][1].append(name)
            continue
        lines += compare_outcomes(name, one, other, **settings)
    for (side, reason), (index, steps) in skipped.items():
        shown = steps[0] if len(steps) == 1 else f"{len(steps)} steps ({', '.join(steps)})"
        lines[index] = f"{shown}: not run on {side} ({reason})"
    return lines
