"""What the chatwoot-mock pytest plugin costs every pytest run: start-up with and without it.

pytest imports every installed pytest11 plugin at start, in every project of the environment, so
the plugin must import nothing heavy until a test asks for a fixture. This times `pytest` collecting
one trivial test in a scratch folder, the plugin on and off (`-p no:chatwoot_mock`), and a test
that uses `chatwoot_mock` (which does pay for Flask, openapi-core and the demo). Figures only.

    .venv/bin/python bench/bench_pytest_plugin.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL = "def test_nothing():\n    pass\n"
USES_MOCK = "def test_mock(chatwoot_mock):\n    assert chatwoot_mock.client().get('/inboxes').status_code == 200\n"


def pytest_seconds(folder: Path, *args: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=folder,
                       check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "test_trivial.py").write_text(TRIVIAL)
        rows = [
            ("trivial test, plugin on", pytest_seconds(folder, "test_trivial.py", runs=args.runs)),
            ("trivial test, -p no:chatwoot_mock",
             pytest_seconds(folder, "test_trivial.py", "-p", "no:chatwoot_mock", runs=args.runs)),
        ]
        (folder / "test_mock.py").write_text(USES_MOCK)
        rows.append(("a test using chatwoot_mock", pytest_seconds(folder, "test_mock.py", runs=args.runs)))
    print(f"pytest start-up, median of {args.runs} runs (other plugins of this environment included):")
    for label, seconds in rows:
        print(f"  {label:<36} {seconds:6.2f} s")
    print(f"  {'plugin cost at start':<36} {rows[0][1] - rows[1][1]:+6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
