"""A live contract run's results: per operation from Schemathesis's JUnit report, plus the harness's
own (authentication, the guard, cleanup); printed as a summary and written as a JUnit report."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from mockserver.harness.guarded_client import TOKEN_PLACEHOLDER
from mockserver.harness.lifecycle import CleanupReport

if TYPE_CHECKING:
    from mockserver.harness.contract import LiveOptions

CURL_SHOWN = 400  # characters of a curl line in the summary; fuzzed bodies can be long


@dataclass
class OperationResult:
    name: str
    passed: bool
    tested: bool = True  # False: the time budget ran out before Schemathesis reached it
    problem: str = ""  # the first failure's code, title and message
    curl: str = ""


@dataclass
class RunReport(CleanupReport):
    operations: list[OperationResult] = field(default_factory=list)
    test_cases: int | None = None
    stop_reason: str | None = None
    schemathesis_exit: int | None = None
    missing_auth: list[str] = field(default_factory=list)  # operations that saw only 401s
    refusals: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)  # answers the relay passed on, by status
    interrupted: bool = False
    error: str = ""

    @property
    def failed(self) -> list[OperationResult]:
        return [op for op in self.operations if not op.passed]


_CHECK_LINE = re.compile(r"^- (ST\d+ .*)$")


class ReportCutShort(Exception):
    """Schemathesis's JUnit report exists but is not whole: Schemathesis was stopped (after its grace
    time, by the harness) before it had written it."""


def _junit_root(path: Path) -> ElementTree.Element:
    try:
        return ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise ReportCutShort(f"Schemathesis's report is cut short ({error}): it was stopped before it "
                             "had written it, so no operation's result is known") from None


def parse_junit(path: Path, relay_url: str, base_url: str) -> list[OperationResult]:
    """Schemathesis's JUnit report -> one result per operation, the relay's URL replaced by the target's."""
    results = []
    for case in _junit_root(path).iter("testcase"):
        problems = [*case.iter("failure"), *case.iter("error")]
        if not problems:
            results.append(OperationResult(case.get("name", "?"), True))
            continue
        text = problems[0].text or problems[0].get("message", "")
        lines = [line.strip() for line in text.replace(relay_url, base_url).splitlines()]
        problem, curl = problems[0].get("message", "failure"), ""
        for index, line in enumerate(lines):
            if found := _CHECK_LINE.match(line):
                detail = next((nxt for nxt in lines[index + 1:] if nxt), "")
                problem = f"{found.group(1)}: {detail}"
                break
        # A stateful failure is reproduced by a sequence of requests: keep every curl line of it.
        curl = "\n".join(line for line in lines if line.startswith("curl "))
        results.append(OperationResult(case.get("name", "?"), False, problem=problem[:300],
                                       curl=_hide_token(curl)))
    return results


def _hide_token(curl: str) -> str:
    return re.sub(r"'(api[_-]access[_-]token): \[Filtered\]'", rf'"\1: {TOKEN_PLACEHOLDER}"', curl)


def write_junit(report: RunReport, path: Path, schemathesis_junit: Path | None, relay_url: str,
                base_url: str) -> None:
    """Schemathesis's report, the relay's URL replaced by the target's, plus the harness's own cases
    (authentication, the guard, cleanup), which Schemathesis's report cannot show."""
    root = None
    if schemathesis_junit is not None and schemathesis_junit.exists():
        with contextlib.suppress(ReportCutShort):  # then the harness's cases alone; report.error says why
            root = _junit_root(schemathesis_junit)
    if root is not None:
        for element in root.iter():
            if element.text and relay_url in element.text:
                element.text = _hide_token(element.text.replace(relay_url, base_url))
    else:
        root = ElementTree.Element("testsuites")
        ElementTree.SubElement(root, "testsuite", name="schemathesis")
    suite = root.find("testsuite")
    assert suite is not None

    def harness_case(name: str, failure: str | None) -> None:
        case = ElementTree.SubElement(suite, "testcase", name=f"harness: {name}", time="0")
        if failure:
            ElementTree.SubElement(case, "failure", type="failure", message=failure.splitlines()[0]).text = failure

    harness_case("schemathesis ran to the end",
                 report.error or ("interrupted" if report.interrupted else None))
    harness_case("authenticated requests were accepted",
                 "answered only 401: " + ", ".join(report.missing_auth) if report.missing_auth else None)
    harness_case("write guard refused nothing",
                 "\n".join(report.refusals) if report.refusals else None)
    harness_case("cleanup removed every created inbox",
                 f"left behind: {', '.join(map(str, report.left))}" if report.left else None)
    cases = list(root.iter("testcase"))
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    for element in (root, suite):
        element.set("tests", str(len(cases)))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def print_summary(report: RunReport, options: LiveOptions, prefix: str, out: TextIO) -> None:
    mode = f"with writes, prefix {prefix}" if options.allow_writes else "read-only"
    print(f"chatwoot-mock contract: {options.base_url} account {options.account_id} ({mode})", file=out)
    unreached = "  (not reached before the interrupt)" if report.interrupted else "  (not reached within --max-time)"
    for op in report.operations:
        print(f"  {('PASS' if op.passed else 'FAIL') if op.tested else 'SKIP'}  {op.name}"
              f"{'' if op.tested else unreached}", file=out)
        if not op.passed:
            print(f"        {op.problem}", file=out)
            for line in op.curl.splitlines():
                shown = line if len(line) <= CURL_SHOWN else f"{line[:CURL_SHOWN]} ... (whole line in the JUnit report)"
                print(f"        {shown}", file=out)
    passed = sum(1 for op in report.operations if op.passed and op.tested)
    skipped = sum(1 for op in report.operations if not op.tested)
    cases = "" if report.test_cases is None else f", {report.test_cases} test cases"
    stop = f" (stopped: {report.stop_reason})" if report.stop_reason not in (None, "completed") else ""
    print(f"  {len(report.operations)} operations: {passed} passed, {len(report.failed)} failed, "
          f"{skipped} not reached{cases}{stop}",
          file=out)
    if report.missing_auth:
        print(f"  answered only 401 (the token was not accepted): {', '.join(report.missing_auth)}", file=out)
    if report.error:
        print(f"  error: {report.error}", file=out)
    if report.interrupted:
        print("  interrupted: the results above are those of the cases run so far", file=out)
    if report.statuses:
        answers = ", ".join(f"{count} x {status}" for status, count in sorted(report.statuses.items()))
        print(f"  {sum(report.statuses.values())} requests answered: {answers}", file=out)
    if options.allow_writes:
        created = ", ".join(f"{i} {n!r}" for i, n in sorted(report.created.items())) or "none"
        print(f"  created {len(report.created)} inboxes: {created}", file=out)
        print(f"  removed {len(report.removed) + len(report.deleted_by_run)}: "
              f"{len(report.deleted_by_run)} by the run's own DELETE, {len(report.removed)} at cleanup", file=out)
        if report.left:
            print(f"  LEFT BEHIND (delete them by hand): {', '.join(map(str, report.left))}", file=out)
    print(f"  guard: {len(report.refusals)} requests refused", file=out)
    for refusal in report.refusals[:5]:
        print(f"        {refusal}", file=out)
