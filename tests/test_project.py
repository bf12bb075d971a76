"""Project promises: README and CI run the same commands; conda and pip list the same deps."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT


def _ci_commands() -> dict[str, str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marks = {line.removeprefix("# README:"): lines[i + 1]
             for i, line in enumerate(lines) if line.startswith("# README:")}
    assert set(marks) == {"setup", "test"}
    return marks


def test_ci_runs_the_readme_commands_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for command in _ci_commands().values():
        assert command in readme


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    wanted = {_name(r): r for r in requirements}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        for req in dep["pip"] if isinstance(dep, dict) else [dep]:
            if not req.startswith("-e") and _name(req) not in ("python", "pip"):
                listed[_name(req)] = req
    assert set(listed) == set(wanted)
    for name, req in wanted.items():  # same lower bounds
        assert listed[name].replace(" ", "") == req.replace(" ", ""), name


# SHA-256 of ../shared/seeds/000_e266d5328a05c584.txt: data/raw is immutable.
SEED_SHA256 = "4ae72bd95d72e93a52422a6991f15d8d34a423062e434714ff976fc579224581"


def test_seed_is_the_unchanged_shared_document():
    import hashlib

    seed = ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
    assert hashlib.sha256(seed.read_bytes()).hexdigest() == SEED_SHA256


def test_public_names_stay_functions_after_every_submodule_is_imported():
    # A submodule named like a public function (cqanalysis.parse) must not replace it.
    import importlib
    import pkgutil
    import types

    import cqanalysis

    for info in pkgutil.walk_packages(cqanalysis.__path__, "cqanalysis."):
        importlib.import_module(info.name)
    for name in cqanalysis.__all__:
        assert not isinstance(getattr(cqanalysis, name), types.ModuleType), name
