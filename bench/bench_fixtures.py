"""Time to generate the `large` fixture set and to load it (issue 3, part 5; aim: under 5 s each).

Loading is `state_document.build_store`: the JSON-Schema check of the whole document, then the
store's own seeding functions. Both halves are printed apart (the check ran on the pure-Python
jsonschema until it proved to be 15 of the 16 s; it is jsonschema-rs now). Figures only: nothing
is asserted.

    .venv/bin/python bench/bench_fixtures.py [--inboxes 10000] [--seed 1] [--runs 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

from mockserver.chatwoot.store import Store
from mockserver.state import document as state_document
from mockserver.state.fixture_sets import DEFAULT_LARGE_INBOXES, DEFAULT_SEED, dumps, generate

CPU_SECONDS: dict[str, float] = {}  # the CPU time of each figure (median), by the figure's key


def timed(function: Callable[[], Any], runs: int, key: str = "") -> tuple[float, Any]:
    """Median wall seconds over `runs` calls, and the last call's result. The median CPU seconds
    go to CPU_SECONDS[key]: on a busy shared machine, wall time includes the wait for a core, and
    the CPU time is the better guess at the wall time on an idle one."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU_SECONDS[key] = statistics.median(cpu)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inboxes", type=int, default=DEFAULT_LARGE_INBOXES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs per figure")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    figures: dict[str, Any] = {"inboxes": args.inboxes, "seed": args.seed, "runs": args.runs,
                               "python": platform.python_version(), "machine": platform.machine()}
    figures["generate_s"], document = timed(lambda: generate("large", seed=args.seed, inboxes=args.inboxes),
                                            args.runs, "generate_s")
    figures["serialise_s"], text = timed(lambda: dumps(document), args.runs, "serialise_s")
    figures["document_mb"] = round(len(text.encode("utf-8")) / 1e6, 1)
    figures["load_s"], store = timed(lambda: state_document.build_store(document), args.runs, "load_s")
    validator = state_document._schema_validator()
    figures["load_schema_check_s"], errors = timed(lambda: list(validator.iter_errors(document)), args.runs,
                                                      "load_schema_check_s")

    def fill() -> Store:
        fresh = Store()
        state_document._fill(fresh, document, owned=False)  # a generated set may share parts (cli serve)
        return fresh

    figures["load_store_fill_s"], _ = timed(fill, args.runs, "load_store_fill_s")
    assert not errors and len(store.inboxes) == args.inboxes  # the run measured a successful load

    figures["cpu_seconds"] = CPU_SECONDS
    print(f"large fixture set, {args.inboxes} inboxes, seed {args.seed} (median of {args.runs}; "
          f"load average {os.getloadavg()[0]:.1f}):")
    for key, value in figures.items():
        if key.endswith("_s") and value is not None:
            print(f"  {key[:-2]:<28} {value:8.2f} s wall {CPU_SECONDS[key]:8.2f} s CPU")
    print(f"  {'document size':<28} {figures['document_mb']:8.1f} MB")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
