"""`make mutation`: mutmut over the Chatwoot model and the request validation, one module at a time,
then the score per module: killed / (all - equivalent), and the surviving mutants by name.

    python tools/mutation.py [chatwoot.params web.validation ...]   # default: every module of MODULES

The modules and the tests each is judged by are in pyproject.toml ([tool.mutmut]); mutmut runs,
for each mutant, only the tests that reach the mutated function. Equivalent mutants (a change no
behaviour can tell) are listed in tools/mutation-equivalent.txt, one name and its reason a line;
they leave the denominator. Slow (minutes per module): not part of `make test`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("chatwoot.params", "chatwoot.rules", "chatwoot.channels", "chatwoot.views", "chatwoot.policies",
           "chatwoot.tables", "chatwoot.store", "web.validation")
EQUIVALENT_FILE = ROOT / "tools" / "mutation-equivalent.txt"
MUTMUT = [sys.executable, "-m", "mutmut"]


def equivalent() -> dict[str, str]:
    """Mutant name -> why no test can tell it from the original."""
    if not EQUIVALENT_FILE.exists():
        return {}
    pairs = (line.split(" ", 1) for line in EQUIVALENT_FILE.read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {name: reason.strip() for name, reason in pairs}


def statuses() -> dict[str, str]:
    """Every mutant mutmut has a result for -> killed, survived, timeout, no tests, ..."""
    out = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def main(argv: list[str]) -> int:
    modules = argv or list(MODULES)
    timings = {}
    for module in modules:
        started = time.perf_counter()
        subprocess.run([*MUTMUT, "run", "--max-children", "1", f"mockserver.{module}.*"], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL)
        timings[module] = time.perf_counter() - started
    results, skipped = statuses(), equivalent()
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for name, status in results.items():
        module = next((m for m in modules if name.startswith(f"mockserver.{m}.")), None)
        if module is None:
            continue
        if name in skipped:
            by_module[module]["equivalent"] += 1
            continue
        by_module[module][status] += 1
        if status != "killed":
            survivors[module].append(f"{name} ({status})")
    total = Counter()
    for module in modules:
        counts = by_module[module]
        total.update(counts)
        judged = sum(n for s, n in counts.items() if s != "equivalent")
        score = 100 * counts["killed"] / judged if judged else 0.0
        print(f"mutation: {module:22} {counts['killed']:4}/{judged:<4} killed = {score:5.1f}%"
              f"  ({counts['equivalent']} equivalent, {timings.get(module, 0):.0f} s)")
        for survivor in sorted(survivors[module]):
            print(f"    {survivor}")
    judged = sum(n for s, n in total.items() if s != "equivalent")
    if judged:
        print(f"mutation: all {total['killed']}/{judged} killed = {100 * total['killed'] / judged:.1f}%, "
              f"{sum(timings.values()):.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
