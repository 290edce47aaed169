"""`chatwoot-mock diff`: the same scripted sequence (`script`) against two targets (the mock and a
deployment, two deployments, two profiles of the mock), reporting where their answers differ in
status or in shape (`shapes`).

The two sides run each step at the same time (one thread per side), step after step, so that an
interrupted run has compared every step both sides answered: the summary then shows those, says
that it was interrupted, and the cleanup runs as usual. Everything created is named with the run's
prefix and goes through the write guard (`guarded_client`), as with `chatwoot-mock contract`, and is
deleted at the end on both sides, also on failure or signal.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

from mockserver.harness.guarded_client import (
    GuardedClient,
    OwnedRecords,
    RateLimiter,
    Refused,
    Unreachable,
    WriteGuard,
    new_run_prefix,
)
from mockserver.harness.lifecycle import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNSAFE,
    CleanupReport,
    Interrupted,
    cleanup,
    probe,
    signals_as_exceptions,
    signals_ignored,
)
from mockserver.harness.progress import progress_bar
from mockserver.harness.script import CHANNEL_TYPES, Context, Step, created_id, script
from mockserver.harness.shapes import NOT_RUN, Outcome, compare_outcomes, diff_outcomes
from mockserver.harness.transport import Connection

__all__ = ["CHANNEL_TYPES", "NOT_RUN", "DiffOptions", "Outcome", "TargetOptions", "compare_outcomes",
           "created_id", "diff_outcomes", "run"]


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
    connection: Connection = field(default_factory=Connection)
    progress: bool | None = None  # None: a bar on a terminal only


@dataclass
class Side:
    """One target: its client, what it created, its context (the values its steps learnt) and answers."""

    name: str
    options: TargetOptions
    client: GuardedClient
    owned: OwnedRecords
    context: Context
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    cleanup: CleanupReport = field(default_factory=CleanupReport)

    @property
    def base(self) -> str:
        return f"/api/v1/accounts/{self.options.account_id}"

    def run(self, step: Step) -> Outcome:
        """One step on this side; recorded in `outcomes` (not run, with the reason, when a value it
        needs is unknown here)."""
        why = self.context.why_not(step)
        if why is not None:
            outcome = Outcome(NOT_RUN, reason=why)
        else:
            outcome = self._send(step)
            self.context.learn(step, outcome.status, outcome.body)
        self.outcomes[step.name] = outcome
        return outcome

    def _send(self, step: Step) -> Outcome:
        try:
            answer = self.client.call(step.method, self.base + self.context.path(step),
                                      json_body=self.context.fill(step.json), raw=step.raw,
                                      content_type=step.content_type, token=step.token)
        except Refused as refusal:
            return Outcome(NOT_RUN, reason=f"refused by the guard: {refusal}")
        except Unreachable as error:
            return Outcome(NOT_RUN, reason=f"unreachable: {error}")
        return Outcome(answer.status, answer.json())


def _side(name: str, target: TargetOptions, prefix: str, options: DiffOptions) -> Side:
    owned = OwnedRecords(prefix)
    client = GuardedClient(target.base_url, target.token, WriteGuard(target.account_id, owned, allow_writes=True),
                           RateLimiter(options.rate_limit), connection=options.connection)
    # Policy names are unique in an account: each side names its own, so that two sides on one
    # account (a mock against itself) do not collide. Only shapes are compared, not values.
    return Side(name, target, client, owned, Context(prefix, values={"policy_name": f"{prefix}policy-{name}"}))


def run(options: DiffOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    unknown = sorted(set(options.channels) - set(CHANNEL_TYPES))
    if unknown:
        print(f"chatwoot-mock diff: unknown channel type {', '.join(unknown)}; choose from "
              f"{', '.join(CHANNEL_TYPES)}", file=err)
        return 2
    prefix = new_run_prefix()
    sides = [_side("left", options.left, prefix, options), _side("right", options.right, prefix, options)]
    try:
        for side in sides:
            code, message, _ = probe(side.client, side.options.account_id)
            if code != EXIT_OK:
                print(f"chatwoot-mock diff: {side.name}: {message}", file=err)
                return code
        interrupted = _run_script(sides, script(prefix, options.channels), options)
    finally:
        for side in sides:
            side.client.close()
    return _summary(sides, options, prefix, interrupted, out)


def _run_script(sides: list[Side], steps: list[Step], options: DiffOptions) -> bool:
    """Every step on both sides, then cleanup (always); True when interrupted."""
    interrupted = False
    with signals_as_exceptions():
        try:
            # Leaving the pool waits for the step in flight: cleanup never races a create.
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="diff") as pool, \
                    progress_bar(options.progress, total=len(steps), desc="diff", unit="step") as bar:
                for step in steps:
                    for running in [pool.submit(side.run, step) for side in sides]:
                        running.result()
                    bar.update(1)
        except (KeyboardInterrupt, Interrupted):
            interrupted = True
        finally:
            with signals_ignored(sys.stderr):
                for side in sides:
                    cleanup(side.client, side.options.account_id, side.owned, side.cleanup)
    return interrupted


def _summary(sides: list[Side], options: DiffOptions, prefix: str, interrupted: bool, out: TextIO) -> int:
    left, right = sides
    if interrupted:  # compare only what both sides answered; the rest was never reached
        answered = left.outcomes.keys() & right.outcomes.keys()
        left.outcomes = {k: v for k, v in left.outcomes.items() if k in answered}
        right.outcomes = {k: v for k, v in right.outcomes.items() if k in answered}
    differences = diff_outcomes(left.outcomes, right.outcomes, strict_null=options.strict_null,
                                compare_error_text=options.compare_error_text)
    print(f"chatwoot-mock diff: left {options.left.base_url} (account {options.left.account_id}), "
          f"right {options.right.base_url} (account {options.right.account_id}), prefix {prefix}", file=out)
    for line in differences:
        print(f"  {line}", file=out)
    steps = len(left.outcomes.keys() | right.outcomes.keys())
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
        for collection, records in side.cleanup.records.items():
            label = collection.replace("_", " ")
            print(f"  {side.name}: {label}: created {len(records.created)}, removed {len(records.removed)}", file=out)
            if records.left:
                left_behind = True
                print(f"  {side.name}: {label} LEFT BEHIND (delete them by hand): "
                      f"{', '.join(map(str, records.left))}", file=out)
    if interrupted:
        print(f"  interrupted: the {steps} steps above are those both sides answered", file=out)
    if left_behind:
        return EXIT_UNSAFE
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if differences else EXIT_OK
