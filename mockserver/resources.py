"""Where the spec and the fixtures are: inside an installed wheel, or at the top of a checkout."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """A file of `openapi/` or `fixtures/`: the wheel carries them under `mockserver/_data`
    (pyproject's force-include); an editable install reads the checkout."""
    packaged = _PACKAGE.joinpath("_data", *parts)
    return packaged if packaged.exists() else _PACKAGE.parent.joinpath(*parts)


SPEC_PATH = ("openapi", "inboxes.yaml")
CONTROL_SPEC_PATH = ("openapi", "control.yaml")
STATE_SCHEMA_PATH = ("fixtures", "state.schema.json")
DEMO_STATE_PATH = ("fixtures", "demo.json")


def load_spec() -> dict[str, Any]:
    """The OpenAPI document, parsed once per process. Callers must not mutate it."""
    return _load_yaml(SPEC_PATH)


def load_control_spec() -> dict[str, Any]:
    """The control API's OpenAPI document (`/_mock/`), parsed once per process."""
    return _load_yaml(CONTROL_SPEC_PATH)


#: PyYAML's safe loader on libyaml's parser (its wheels carry it) where there is one: it reads the
#: spec in a seventh of the pure-Python parser's time (0.04-0.06 against 0.34-0.39 s of CPU, every
#: start pays it), with the same safe constructor, so the same values (tests/test_resources.py).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _load_yaml(parts: tuple[str, ...]) -> dict[str, Any]:
    with data_path(*parts).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)


def load_json(*parts: str) -> Any:
    with data_path(*parts).open(encoding="utf-8") as handle:
        return json.load(handle)
