"""`make mutation`: mutmut over the Chatwoot model and the request validation, one module at a time,
then the score per module: killed / (all - equivalent), and the surviving mutants by name.

    python tools/mutation.py [chatwoot.params web.validation ...]   # default: every module of TESTS

Each module is judged by its own focused tests (TESTS below): the unit tests of its folder and the
in-process web tests that drive it, never the served, browser or Hypothesis suites (a mutant that
survives runs every test reaching its function, so a broad selection costs minutes per survivor).
mutmut reads one test selection from pyproject.toml; this script hands it each module's instead,
and reads the results right after that module's run (a new selection makes mutmut forget the
others' results). mutmut then runs, per mutant, only the selected tests that reach the mutated
function, fastest first.

Functions that run while their module is imported (IMPORT_TIME) cannot be judged by mutmut's forked
workers: the module was imported, unmutated, before the fork. Their survivors are run again in a
fresh pytest process with the mutant switched on from the start.

Equivalent mutants (a change no behaviour can tell) are listed in tools/mutation-equivalent.txt,
one name and its reason a line; they leave the denominator. Slow (minutes per module): not part of
`make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "tools" / "mutation-equivalent.txt"
MUTMUT = [sys.executable, "-m", "mutmut"]

_WEB = "tests/web/"
#: The round trip of each channel type and writing operation, without the Hypothesis property next to
#: it (a minute per surviving mutant; what it draws, the unit and web tests name one by one).
_ROUND_TRIP = "tests/state/test_round_trip.py::test_each_channel_type_and_writing_operation_round_trips"
#: module -> the tests that judge it (paths or node ids, as pytest takes them).
TESTS: dict[str, list[str]] = {
    "chatwoot.params": ["tests/chatwoot", _WEB + "test_api_forms.py", _WEB + "test_api_channels.py",
                        _WEB + "test_api_rails_reading.py"],
    "chatwoot.rules": ["tests/chatwoot", _WEB + "test_api_forms.py", _WEB + "test_api_inboxes.py",
                       _WEB + "test_api_avatars.py"],
    "chatwoot.policies": ["tests/chatwoot", _WEB + "test_api_roles.py", _WEB + "test_api_inboxes.py"],
    "chatwoot.channels": ["tests/chatwoot", _WEB + "test_api_channels.py", _WEB + "test_api_forms.py"],
    "chatwoot.views": ["tests/chatwoot", _WEB + "test_api_inboxes.py", _WEB + "test_api_roles.py",
                       _WEB + "test_api_subresources.py", _WEB + "test_seed_examples.py",
                       _WEB + "test_api_assignment_policies.py", _WEB + "test_api_agent_bots.py",
                       _WEB + "test_api_channels.py"],
    "chatwoot.store": ["tests/chatwoot", _WEB + "test_api_inboxes.py", _WEB + "test_api_subresources.py",
                       _WEB + "test_api_roles.py", _ROUND_TRIP],
    "chatwoot.tables": ["tests/chatwoot", _ROUND_TRIP, "tests/state/test_document.py", "tests/control/test_runtime.py",
                        _WEB + "test_api_roles.py", _WEB + "test_api_avatars.py", _WEB + "test_api_inboxes.py"],
    "web.validation": [_WEB + "test_reference_validator.py", _WEB + "test_compiled_validator.py",
                       _WEB + "test_api_forms.py", _WEB + "test_hostile_input.py", "tests/control/test_control_api.py"],
    "web.compiled": [_WEB + "test_compiled_validator.py", _WEB + "test_api_forms.py", _WEB + "test_api_robustness.py",
                     _WEB + "test_hostile_input.py"],
    "web.oas30": [_WEB + "test_compiled_validator.py", _WEB + "test_api_forms.py"],
}

#: Functions called while their module is imported (a module-level constant built by a call) -> the
#: tests that judge their mutants in a fresh process (each such run pays the imports again).
IMPORT_TIME = {f"mockserver.chatwoot.params.x_{name}__mutmut_": TESTS["chatwoot.params"]
               for name in ("_typed_attributes", "_channel_types", "_inbox_types")}


def equivalent() -> dict[str, str]:
    """Mutant name -> why no test can tell it from the original."""
    if not EQUIVALENT_FILE.exists():
        return {}
    pairs = (line.split(" ", 1) for line in EQUIVALENT_FILE.read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return {name: reason.strip() for name, reason in pairs}


def statuses(module: str) -> dict[str, str]:
    """Every mutant of `module` mutmut has a result for -> killed, survived, timeout, no tests, ..."""
    out = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    found = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name.startswith(f"mockserver.{module}.x"):
            found[name] = status
    return found


def run_mutmut(module: str) -> None:
    """In this process: mutmut's `run` for one module, with that module's tests as the selection."""
    from mutmut.__main__ import cli
    from mutmut.configuration import config

    config().pytest_add_cli_args_test_selection = [t for t in TESTS[module] if (ROOT / t.split("::")[0]).exists()]
    cli(["run", "--max-children", "1", f"mockserver.{module}.*"], standalone_mode=False)


def fresh_process_verdict(mutant: str, tests: list[str]) -> str:
    """An import-time mutant, judged by pytest in a new process where it is on from the first import."""
    mutants = ROOT / "mutants"
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "PYTHONPATH": str(mutants)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                          cwd=mutants, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    # 1: a test failed; 2-4: the mutant broke the import or the collection. 0 passed, 5 found no test.
    return "survived" if done.returncode in (0, 5) else "killed"


def judge(module: str) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--run-mutmut", module], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)
    results = statuses(module)
    for name, status in results.items():
        prefix = next((p for p in IMPORT_TIME if name.startswith(p)), None)
        if status != "killed" and prefix is not None:
            results[name] = fresh_process_verdict(name, IMPORT_TIME[prefix])
    return results, time.perf_counter() - started


def main(argv: list[str]) -> int:
    if argv[:1] == ["--run-mutmut"]:
        run_mutmut(argv[1])
        return 0
    modules = argv or list(TESTS)
    unknown = [m for m in modules if m not in TESTS]
    if unknown:
        print(f"mutation: unknown module(s) {', '.join(unknown)}; known: {', '.join(TESTS)}", file=sys.stderr)
        return 2
    skipped, total, run_time = equivalent(), Counter(), 0.0
    for module in modules:
        results, seconds = judge(module)
        run_time += seconds
        counts = Counter("equivalent" if name in skipped else status for name, status in results.items())
        total.update(counts)
        judged = sum(n for s, n in counts.items() if s != "equivalent")
        if not results:
            # chatwoot.policies is a table of data: tools/mutation_policies.py judges it.
            print(f"mutation: {module:18} no mutants ({seconds:.0f} s)", flush=True)
            continue
        score = 100 * counts["killed"] / judged if judged else 0.0
        print(f"mutation: {module:18} {counts['killed']:4}/{judged:<4} killed = {score:5.1f}%"
              f"  ({counts['equivalent']} equivalent, {seconds:.0f} s)", flush=True)
        for name in sorted(n for n, s in results.items() if s != "killed" and n not in skipped):
            print(f"    {name} ({results[name]})", flush=True)
    judged = sum(n for s, n in total.items() if s != "equivalent")
    if judged:
        print(f"mutation: all {total['killed']}/{judged} killed = {100 * total['killed'] / judged:.1f}%"
              f" ({total['equivalent']} equivalent), {run_time:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
