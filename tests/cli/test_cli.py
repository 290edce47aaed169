"""The console script as a user runs it: every bad option or environment value is one line naming it
and exit code 2, never a traceback; `--help` works whatever the environment holds and lists the exit
codes; `python -m mockserver` is the same program."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).with_name("chatwoot-mock"))
COMMANDS = ("serve", "fixtures", "contract", "diff", "record")


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MOCK_", "CHATWOOT_"))}
    return subprocess.run([SCRIPT, *args], env={**clean, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("args", "env", "named", "says"), [
    (["serve"], {"MOCK_PORT": "abc"}, "MOCK_PORT='abc' (for --port)", "not a valid integer"),
    (["serve"], {"MOCK_ACCESS_LOG": "loud"}, "MOCK_ACCESS_LOG='loud' (for --access-log)", "not a valid boolean"),
    (["serve"], {"MOCK_SEED": "x1"}, "MOCK_SEED='x1' (for --seed)", "not a valid integer"),
    (["serve"], {"MOCK_PROFILE": "rails"}, "MOCK_PROFILE='rails' (for --profile)", "'rails' is not one of"),
    (["serve"], {"MOCK_JOURNAL_SIZE": "-3"}, "MOCK_JOURNAL_SIZE='-3'", "not in the range x>=0"),
    (["serve"], {"MOCK_VALIDATE_RESPONSES": "perhaps"}, "MOCK_VALIDATE_RESPONSES='perhaps'", "not a valid boolean"),
    (["serve"], {"MOCK_DRIFT": "auth_ignored,bogus"}, "MOCK_DRIFT='auth_ignored,bogus'",
     "unknown drift switch bogus; choose from create_answers_201"),
    (["serve", "--port", "99999"], {}, "'--port'", "99999 is not in the range 0<=x<=65535"),
    (["serve", "--port", "-1"], {}, "'--port'", "not in the range"),
    (["serve", "--journal-size", "-1"], {}, "'--journal-size'", "-1 is not in the range x>=0"),
    (["serve"], {"MOCK_CLIENT_TIMEOUT": "0"}, "MOCK_CLIENT_TIMEOUT='0' (for --client-timeout)",
     "0.0 is not in the range x>=0.1"),
    (["fixtures", "--inboxes", "lots"], {}, "'--inboxes'", "not a valid integer"),
    (["fixtures", "--set", "huge"], {}, "'--set'", "'huge' is not one of 'demo', 'empty', 'large'"),
    (["contract", "--base-url", "http://127.0.0.1:9", "--token", "t"], {"CHATWOOT_ACCOUNT_ID": "one"},
     "CHATWOOT_ACCOUNT_ID='one' (for --account)", "not a valid integer"),
    (["contract", "--token", "t", "--account", "1"], {}, "'--base-url'", "Missing option"),
    (["contract", "--base-url", "u", "--token", "t", "--account", "1", "--rate-limit", "-2"], {}, "'--rate-limit'",
     "not in the range x>=0"),
    (["contract", "--base-url", "u", "--token", "t", "--account", "1", "--phases", "examples,chaos"], {},
     "'--phases'", "unknown phase chaos; choose from examples, coverage, fuzzing, stateful"),
    (["contract", "--base-url", "u", "--token", "t", "--account", "1", "--ca-bundle", "/nonexistent.pem"], {},
     "'--ca-bundle'", "does not exist"),
    (["diff", "--left", "u", "--left-token", "t", "--right", "v", "--right-token", "t", "--channels", "bogus"], {},
     "'--channels'", "unknown channel type bogus; choose from web_widget, api, email, line, telegram, whatsapp, sms"),
    (["record", "--base-url", "u", "--token", "t", "--account", "0"], {}, "'--account'", "not in the range x>=1"),
])
def test_a_bad_value_is_one_line_naming_it(args, env, named, says):
    result = cli(*args, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"chatwoot-mock {args[0]}: "), lines[0]
    assert named in lines[0] and says in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_works_with_bad_environment_values_and_lists_the_exit_codes(command):
    result = cli(*([command] if command else []), "--help",
                 env={"MOCK_PORT": "abc", "MOCK_ACCESS_LOG": "x", "MOCK_SEED": "y", "CHATWOOT_ACCOUNT_ID": "z"})
    assert result.returncode == 0, result.stderr
    assert "Exit codes:" in result.stdout
    listed = [line.split()[0] for line in result.stdout.split("Exit codes:")[1].splitlines() if line.strip()]
    assert listed == ["0", "1", "2", "3", "4", "5", "130"]


def test_serve_help_names_every_environment_variable():
    out = cli("serve", "--help").stdout
    for variable in ("MOCK_HOST", "MOCK_PORT", "MOCK_PROFILE", "MOCK_FIXTURES", "MOCK_STATE", "MOCK_SEED",
                     "MOCK_FRONTEND_URL", "MOCK_ACCESS_LOG", "MOCK_VALIDATE_RESPONSES", "MOCK_DRIFT",
                     "MOCK_CONTROL_KEY", "MOCK_JOURNAL_SIZE", "MOCK_STATE_FILE", "MOCK_CLIENT_TIMEOUT"):
        assert variable in out, variable


def test_python_dash_m_mockserver_runs_the_same_checks():
    result = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--port", "70000"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("chatwoot-mock serve: Invalid value for '--port': 70000")


def test_environment_values_reach_the_options():
    from mockserver.cli.serve import serve_command

    os.environ.update({"MOCK_PORT": "3123", "MOCK_ACCESS_LOG": "yes", "MOCK_DRIFT": "auth_ignored, list_not_wrapped",
                       "MOCK_VALIDATE_RESPONSES": "1"})
    try:
        params = serve_command.make_context("serve", []).params
    finally:
        for name in ("MOCK_PORT", "MOCK_ACCESS_LOG", "MOCK_DRIFT", "MOCK_VALIDATE_RESPONSES"):
            del os.environ[name]
    assert (params["port"], params["access_log"], params["validate_responses"]) == (3123, True, True)
    assert params["drift"] == (("auth_ignored",), ("list_not_wrapped",))
    # The command line wins over the environment, and --drift repeats.
    params = serve_command.make_context("serve", ["--drift", "auth_ignored", "--drift", "text_content_type"]).params
    assert params["drift"] == (("auth_ignored",), ("text_content_type",))


def test_a_taken_port_is_named_and_exit_code_1():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port), "--fixtures", "empty", timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"port {port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_cors_takes_no_value_or_origins():
    from mockserver.cli.serve import serve_command

    def cors(*args: str) -> str | None:
        return serve_command.make_context("serve", list(args)).params["cors"]

    assert cors() is None
    assert cors("--cors") == "*"
    assert cors("--cors", "http://a.test,http://b.test") == "http://a.test,http://b.test"
    assert cors("--cors", "--port", "0") == "*"  # the next option is not taken for its value
