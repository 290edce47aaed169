"""The import rules of ARCHITECTURE.md, read from its table and checked against the code."""

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


def allowed_imports() -> dict[str, set[str]]:
    rows = re.findall(r"^\| ([\w\\]+) \| ([^|]+) \|$", (ROOT / "ARCHITECTURE.md").read_text(), re.M)
    table = {}
    for module, allowed in rows:
        if module == "module" or set(module) <= {"-"}:
            continue
        names = allowed.strip()
        table[module.replace("\\", "")] = set() if names == "nothing" else {n.strip() for n in names.split(",")}
    return table


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(mockserver modules, third-party top-level packages) a module imports, at any depth."""
    own, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "mockserver":
                own.update(alias.name for alias in node.names)
            elif node.module.startswith("mockserver."):
                own.add(node.module.split(".")[1])
            else:
                others.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mockserver."):
                    own.add(alias.name.split(".")[1])
                else:
                    others.add(alias.name.split(".")[0])
    return own, others


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_the_table_names_every_module():
    assert set(allowed_imports()) == set(MODULES)


def test_every_module_imports_only_what_its_row_allows():
    table = allowed_imports()
    for module in MODULES:
        own, _ = imports_of(PACKAGE / f"{module}.py")
        assert own <= table[module], f"{module} imports {sorted(own - table[module])} outside ARCHITECTURE.md"


def test_only_the_http_edge_imports_flask_and_only_validation_openapi_core():
    for module in MODULES:
        _, others = imports_of(PACKAGE / f"{module}.py")
        if module != "app":
            assert "flask" not in others, module
        if module not in ("app", "validation"):
            assert "werkzeug" not in others, module
        if module != "validation":
            assert not others & {"openapi_core", "openapi_schema_validator"}, module


def test_public_names_are_exactly_all():
    public = {name for name in dir(mockserver) if not name.startswith("_")} - set(MODULES)
    assert public == set(mockserver.__all__)
    for name in mockserver.__all__:  # imported on first use
        assert getattr(mockserver, name).__name__ == name
    with pytest.raises(AttributeError):
        mockserver.not_a_public_name  # noqa: B018


def test_importing_the_package_the_cli_or_the_pytest_plugin_stays_light():
    """pytest imports the plugin at every start, in every project that installs the package."""
    code = ("import sys, mockserver, mockserver.cli, mockserver.pytest_plugin; "
            "print(sorted(m for m in ('flask', 'openapi_core', 'faker', 'jsonschema', 'mockserver.app') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
