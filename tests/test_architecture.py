"""The import rules of ARCHITECTURE.md, read from its tables and checked against the code.

Two tables: which folder (part) of `mockserver` may import which other part, and, inside the
Chatwoot model, which module may import which (so that, say, the views never reach into the store).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mockserver

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mockserver"
#: The parts: the folders, plus the modules that stand alone at the top.
PARTS = sorted([p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
               + [p.stem for p in PACKAGE.glob("*.py")])
CHATWOOT_MODULES = sorted(p.stem for p in (PACKAGE / "chatwoot").glob("*.py") if p.stem != "__init__")


def table(heading: str) -> dict[str, set[str]]:
    """The rows of the table under `heading` in ARCHITECTURE.md: name -> the names it may import."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for name, allowed in re.findall(r"^\| `?([\w\\]+)`? \| ([^|]+) \|$", section, re.M):
        if name in ("part", "module") or set(name) <= {"-"}:
            continue
        names = allowed.strip()
        rows[name.replace("\\", "")] = set() if names == "nothing" else {n.strip() for n in names.split(",")}
    return rows


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(mockserver modules as dotted paths below `mockserver`, third-party top-level packages) that a
    module imports, at any depth."""
    own, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "mockserver":
                own.update(alias.name for alias in node.names)
            elif node.module.startswith("mockserver."):
                module = node.module.removeprefix("mockserver.")
                # `from mockserver.chatwoot import channels` imports the module chatwoot.channels
                own.update(f"{module}.{alias.name}" if module in PARTS and "." not in module else module
                           for alias in node.names)
            else:
                others.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mockserver."):
                    own.add(alias.name.removeprefix("mockserver."))
                else:
                    others.add(alias.name.split(".")[0])
    return own, others


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_tables_name_every_part_and_every_chatwoot_module():
    assert set(table("Who may import whom")) == set(PARTS)
    assert set(table("Inside the Chatwoot model")) == set(CHATWOOT_MODULES)


def test_every_part_imports_only_what_its_row_allows():
    rows = table("Who may import whom")
    for path in sources():
        part = part_of(path)
        own, _ = imports_of(path)
        reached = {name.split(".")[0] for name in own} - {part}
        assert reached <= rows[part], f"{path.relative_to(ROOT)} imports {sorted(reached - rows[part])}"


def test_nothing_imports_the_testing_aids_or_the_cli():
    for path in sources():
        part = part_of(path)
        reached = {name.split(".")[0] for name in imports_of(path)[0]} - {part}
        if part != "testing":
            assert "testing" not in reached, path
        if part != "__main__":
            assert "cli" not in reached, path


def test_every_chatwoot_module_imports_only_what_its_row_allows():
    rows = table("Inside the Chatwoot model")
    for module in CHATWOOT_MODULES:
        own, _ = imports_of(PACKAGE / "chatwoot" / f"{module}.py")
        reached = {name.split(".")[1] for name in own if name.startswith("chatwoot.")}
        assert reached <= rows[module], f"chatwoot.{module} imports {sorted(reached - rows[module])}"


def test_only_the_http_surfaces_import_flask_and_only_validation_openapi_core():
    for path in sources():
        part, name = part_of(path), path.relative_to(PACKAGE).as_posix()
        _, others = imports_of(path)
        if part not in ("web", "control"):
            assert not others & {"flask", "werkzeug"}, name
        if name != "web/validation.py":
            assert not others & {"openapi_core", "openapi_schema_validator"}, name


def test_public_names_are_exactly_all():
    public = {name for name in dir(mockserver) if not name.startswith("_")} - set(PARTS)
    assert public == set(mockserver.__all__)
    for name in mockserver.__all__:  # imported on first use
        assert getattr(mockserver, name).__name__ == name
    with pytest.raises(AttributeError):
        mockserver.not_a_public_name  # noqa: B018


def test_the_testing_package_names_resolve_on_first_use():
    import mockserver.testing as testing

    assert set(dir(testing)) == set(testing.__all__)
    for name in testing.__all__:
        assert getattr(testing, name).__name__ == name
    with pytest.raises(AttributeError):
        testing.not_a_public_name  # noqa: B018


def test_every_folder_says_what_it_owns_and_may_import():
    for folder in PACKAGE.iterdir():
        if (folder / "__init__.py").is_file():
            doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
            assert doc and "import" in doc, f"{folder.name}/__init__.py has no docstring naming its imports"


def test_no_module_keeps_a_memo_of_its_own():
    """Request-path memos (`web/memo.py`) belong to the app or server that fills them: one at module
    level would carry one app's entries into every other app the process builds."""
    found = []
    for path in sources():
        for node in ast.parse(path.read_text()).body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            called = getattr(value, "func", None)
            if getattr(called, "id", getattr(called, "attr", None)) == "BoundedMemo":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_no_function_rebinds_a_module_variable():
    """A `global` statement is module-level state that changes as the process runs (a clock's last
    second, a counter): it is shared by every app and store the process builds."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in sources()
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Global)]
    assert found == []


def test_importing_the_package_the_cli_or_the_pytest_plugin_stays_light():
    """pytest imports the plugin at every start, in every project that installs the package."""
    code = ("import sys, mockserver, mockserver.cli, mockserver.testing.pytest_plugin; "
            "print(sorted(m for m in ('flask', 'openapi_core', 'faker', 'jsonschema', 'mockserver.web.app') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_an_app_answering_json_writes_and_state_loads_loads_no_reference_validator():
    """openapi-core and openapi-schema-validator (which imports pydantic) are imported by the first
    check that needs them, not by every start (web/validation.py), nor by a state load (web/app.py
    `_control_spec_check`): a served mock answers sooner, and loads sooner."""
    code = ("import sys; from mockserver.web.app import create_app; "
            "client = create_app().test_client(); "
            "created = client.post('/api/v1/accounts/1/inboxes', json={'name': 'Support', 'channel': {'type': 'api'}}, "
            "headers={'api_access_token': 'demo-admin-token'}); "
            "from mockserver.state.document import demo_document; "
            "loaded = client.put('/_mock/state', json=demo_document()); "
            "print(created.status_code, loaded.status_code, "
            "sorted(m for m in ('openapi_core', 'openapi_schema_validator', 'pydantic') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "200 200 []"


def test_python_dash_m_mockserver_is_the_cli():
    result = subprocess.run([sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout and "fixtures" in result.stdout
