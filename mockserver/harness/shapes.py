"""What `chatwoot-mock diff` compares: the status codes, and the JSON *shape* of the bodies: the keys
present and the type of each value, recursively; a list by the merged shape of its items. Values are
not compared: ids, tokens, timestamps and generated URLs must differ between targets, and the data of
two deployments differs too. Two choices, both documented in the README ("Differential runs"):
- a null against any other type is not a difference by default (a deployment may have a value where the
  other has none: an avatar, a webhook URL); `--strict-null` reports it;
- error texts are values, so they are not compared by default; `--compare-error-text` compares the
  strings of every 4xx body, to check wording (the mock's `chatwoot` profile against Chatwoot, say).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_RUN = -1


@dataclass
class Outcome:
    """One step's answer on one side: status NOT_RUN with a reason when the step could not run."""

    status: int
    body: Any = None
    reason: str = ""


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
