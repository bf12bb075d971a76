"""The package's rooms import one way only: core → sources → parse → analysis → outputs → build
→ cli (docs/architecture.md).  Every import, including those inside functions, is checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cqanalysis"

#: Layer of each module, by dotted name prefix (the longest matching prefix wins).
LAYERS: dict[str, int] = {
    "cqanalysis.core": 0,
    "cqanalysis.sources": 1,
    "cqanalysis.parse": 2,
    "cqanalysis.corpus": 2,
    "cqanalysis.stream": 2,
    "cqanalysis.clauses": 3,
    "cqanalysis.codebook": 3,
    "cqanalysis.coding": 3,
    "cqanalysis.checking": 3,
    "cqanalysis.crosstabs": 3,
    "cqanalysis.links": 3,
    "cqanalysis.agreement": 3,
    "cqanalysis.analysis": 3,
    "cqanalysis.analysis_cache": 3,
    "cqanalysis.offsets": 3,
    "cqanalysis.refi_read": 3,
    "cqanalysis.qda": 3,
    "cqanalysis.figures": 4,
    "cqanalysis.writers": 4,
    "cqanalysis.exporters": 4,
    "cqanalysis.codingsheet": 4,
    "cqanalysis.publish": 5,
    "cqanalysis.learn": 4,
    "cqanalysis.builder": 5,
    "cqanalysis.cli": 6,
    "cqanalysis.cli_workflow": 6,
}
NAMES = ["core", "sources", "parse", "analysis", "outputs", "build", "cli"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len,
               default=None)
    return LAYERS[best] if best else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every cqanalysis import in ``path``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            found += [(node.lineno, t) for t in targets if t.startswith("cqanalysis")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("cqanalysis")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_layer():
    assert [m for m in map(_module_name, MODULES) if _layer(m) is None] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_go_down_only(path):
    here = _layer(_module_name(path))
    upward = [f"{path.name}:{line} imports {target} ({NAMES[_layer(target)]})"
              for line, target in _imports(path)
              if _layer(target) is not None and _layer(target) > here]
    assert upward == [], f"{_module_name(path)} is in layer {NAMES[here]}"
