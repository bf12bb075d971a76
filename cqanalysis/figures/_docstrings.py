"""Docstring pieces shared by the plot functions, after seaborn's ``_docstrings``.

A parameter every plot function takes (``lang``, ``labels``, ``ax`` …) is written once here and
put into each function's docstring with ``str.format``; the templates are assigned to
``__doc__`` below each function, so literal braces in them are doubled (``{{"zh", "en"}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["DocstringComponents", "core_params", "core_returns"]


class DocstringComponents:
    """Named docstring pieces read as attributes: ``params.core.lang``.

    Pieces are stripped of the blank lines around them, so a piece can be written as an
    indented triple-quoted block and still drop into a template at the start of a line.
    """

    _outer_blank = re.compile(r"\n((\n|.)+)\n\s*", re.MULTILINE)

    def __init__(self, pieces: Mapping[str, object], *, strip_whitespace: bool = True) -> None:
        entries: dict[str, object] = {}
        for key, value in pieces.items():
            if strip_whitespace and isinstance(value, str):
                found = self._outer_blank.match(value)
                value = found.group(1) if found else value
            entries[key] = value
        self._entries = entries

    def __getattr__(self, attr: str) -> Any:
        try:
            return self.__dict__["_entries"][attr]
        except KeyError:
            raise AttributeError(f"no docstring piece named {attr!r}") from None

    def __getitem__(self, key: str) -> Any:
        return self._entries[key]

    @classmethod
    def from_nested_components(cls, **groups: DocstringComponents) -> DocstringComponents:
        """Group several sets of pieces under one name each (``params.core.lang``)."""
        return cls(groups, strip_whitespace=False)


_core_params = {
    "data_tidy": """
data : DataFrame
    Tidy data, one row per unit (or per category pair with a ``weight``).
""",
    "weight": """
weight : str, optional
    Column of non-negative weights summed per cell; default: count rows.
""",
    "lang": """
lang : {"zh", "en", "both"}
    Label language: Chinese as in the data, English (``labels``, then the shipped glossary)
    or both, Chinese above English; see :func:`cqanalysis.figures.translate`.  Labels are
    drawn as plain text: ``$`` is a dollar sign, never the start of a formula.
""",
    "labels": """
labels : mapping, optional
    Extra zh → en translations (e.g. codebook labels from
    :func:`cqanalysis.figures.codebook_labels`), consulted before the glossary.
""",
    "wrap": """
wrap : int
    Wrap width of category labels, in columns (a hanzi is 2); lines break between words,
    preferably after 与、和、及 or punctuation.
""",
    "ax": """
ax : matplotlib Axes, optional
    Axes to draw on; default ``plt.gca()``.
""",
}

_core_returns = {
    "ax": """
matplotlib.axes.Axes
    The Axes drawn on.
""",
}

#: Parameters shared by the plot functions.
core_params = DocstringComponents(_core_params)

#: Return values shared by the plot functions.
core_returns = DocstringComponents(_core_returns)
