"""Where the spec and the fixtures are, and how the specs are read."""

from __future__ import annotations

import yaml

from mockserver import resources


def test_the_specs_read_as_the_pure_python_safe_loader_reads_them() -> None:
    # The mock reads them with libyaml's parser where PyYAML has it (resources.SAFE_LOADER).
    for parts, loaded in ((resources.SPEC_PATH, resources.load_spec()),
                          (resources.CONTROL_SPEC_PATH, resources.load_control_spec())):
        text = resources.data_path(*parts).read_text(encoding="utf-8")
        assert loaded == yaml.load(text, Loader=yaml.SafeLoader), parts
