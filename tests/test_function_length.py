"""No library function over 80 lines (issue #10): every function of the package, from ``def``
to the last line of its body, docstring included, is measured with ``ast``.

Functions that were longer when the rule came in are listed in ``ALLOWED`` with their length
then.  The list can only shrink: a listed function must not grow, and once it is 80 lines or
less (or gone) its entry has to be deleted, so it cannot grow back.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cqanalysis"
LIMIT = 80

#: Functions over the limit when it was introduced: qualified name → length in lines then.
#: Empty since every offender was split into named steps; the mechanism stays so that a
#: future exception has to be written down here, with its length, and can only shrink.
ALLOWED: dict[str, int] = {}


def function_lengths(source: str, module: str) -> Iterator[tuple[str, int]]:
    """``(module.Class.function, lines)`` of every function in ``source``, nested ones too.

    A function runs from its ``def`` line (decorators not counted) to the last line of its
    body; the lines of nested functions count in their parent as well.
    """

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}.{child.name}"
                assert child.end_lineno is not None
                yield name, child.end_lineno - child.lineno + 1
                yield from walk(child, name)
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}.{child.name}")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(source), module)


@cache
def package_functions() -> tuple[tuple[str, int], ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.extend(function_lengths(path.read_text(encoding="utf-8"), module))
    return tuple(found)


def test_measure_counts_def_to_last_line_with_docstring_and_nesting() -> None:
    source = textwrap.dedent(
        '''
        import functools

        @functools.cache
        def top(a):
            """Doc
            string."""
            def inner():
                return 1

            return inner


        class Box:
            def method(self):
                return (
                    1
                )
        '''
    )
    assert dict(function_lengths(source, "m")) == {
        "m.top": 7,
        "m.top.inner": 2,
        "m.Box.method": 4,
    }


def test_no_function_over_80_lines_unless_allowed() -> None:
    offenders = [
        f"{name}: {lines} lines"
        for name, lines in package_functions()
        if lines > LIMIT and name not in ALLOWED
    ]
    assert offenders == [], "split these functions (limit 80 lines):\n" + "\n".join(offenders)


def test_allowed_functions_do_not_grow_and_leave_the_list_when_short() -> None:
    lengths: dict[str, int] = {}
    for name, lines in package_functions():
        lengths[name] = max(lines, lengths.get(name, 0))
    grown = [
        f"{name}: {lengths[name]} lines, allowed {allowed}"
        for name, allowed in ALLOWED.items()
        if lengths.get(name, 0) > allowed
    ]
    assert grown == [], "these long functions grew:\n" + "\n".join(grown)
    stale = [name for name in ALLOWED if lengths.get(name, 0) <= LIMIT]
    assert stale == [], "now 80 lines or less (or gone): delete from ALLOWED:\n" + "\n".join(stale)


def test_figures_have_no_long_functions_at_all() -> None:
    assert not [name for name in ALLOWED if name.startswith("cqanalysis.figures")]
    long = [name for name, lines in package_functions() if "figures" in name and lines > LIMIT]
    assert long == []
