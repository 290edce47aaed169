"""`chatwoot.policies` by hand: mutmut mutates function bodies, and that module is data (the RULES
table), so it makes no mutant of it. This flips each flag of each rule in turn (on_inbox, admin_only,
checks_limit) and runs the module's tests of tools/mutation.py (TESTS) against it, in a fresh pytest
process each; prints each flip's verdict and the score.

    python tools/mutation_policies.py

Run as a pytest plugin (`-p mutation_policies`, with tools/ on the path) it applies the flip named by
MUTATION_POLICY_FLIP ("action:flag") before the tests are collected.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("on_inbox", "admin_only", "checks_limit")
ENV = "MUTATION_POLICY_FLIP"


def pytest_configure(config: object) -> None:
    from mockserver.chatwoot import policies

    action, flag = os.environ[ENV].split(":")
    rule = policies.RULES[action]
    # The store reads RULES[action] on every call: replacing the entry flips the rule everywhere.
    policies.RULES[action] = dataclasses.replace(rule, **{flag: not getattr(rule, flag)})


def main() -> int:
    sys.path.insert(0, str(ROOT / "tools"))
    from mutation import TESTS

    from mockserver.chatwoot.policies import RULES

    # The web tests first: with -x a flip is told by its first failing test, and they fail soonest.
    tests = sorted(TESTS["chatwoot.policies"], key=lambda t: not t.startswith("tests/web/"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tools"), os.environ.get("PYTHONPATH", "")])}
    killed = total = 0
    started = time.perf_counter()
    for action in RULES:
        for flag in FLAGS:
            done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                   "-p", "mutation_policies", *tests], cwd=ROOT, env={**env, ENV: f"{action}:{flag}"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            # 1: a test failed (killed); 0: every test passed (survived); anything else: the run broke.
            verdict = {0: "survived", 1: "killed"}.get(done.returncode, f"error {done.returncode}")
            killed += verdict == "killed"
            total += 1
            print(f"    {action}:{flag} {verdict}", flush=True)
    print(f"mutation: chatwoot.policies {killed}/{total} flips killed = {100 * killed / total:.1f}%"
          f" ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
