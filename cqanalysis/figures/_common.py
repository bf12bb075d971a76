"""Helpers shared by the plot functions: input checks, category order, label rendering."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd

from .labels import Lang, column_title, display_width, label, text_width_em

__all__: list[str] = []


def require_frame(data: Any, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what}: data must be a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise ValueError(f"{what}: data is empty")
    return data


def require_columns(data: pd.DataFrame, columns: Sequence[str | None], what: str) -> None:
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in data (has {list(data.columns)})")


def category_order(values: pd.Series, order: Sequence[Hashable] | None) -> list[Hashable]:
    """``order`` if given (checked), else categories in order of first appearance.

    First appearance keeps the document's order (sections 5.1 … 5.6), which readers expect
    more than an alphabetical or frequency order.
    """
    present = list(dict.fromkeys(values.dropna().tolist()))
    if order is None:
        if isinstance(values.dtype, pd.CategoricalDtype):
            return [c for c in values.cat.categories if c in set(present)]
        return present
    order = list(order)
    unknown = [c for c in present if c not in set(order)]
    if unknown:
        raise ValueError(f"values {unknown} are not in the given order {order}")
    return order


def weights(data: pd.DataFrame, weight: str | None) -> pd.Series:
    if weight is None:
        return pd.Series(1.0, index=data.index)
    values = pd.to_numeric(data[weight], errors="raise").astype(float)
    if (values < 0).any():
        raise ValueError(f"weight column {weight!r} has negative values")
    return values


def render(
    value: Hashable,
    *,
    lang: Lang,
    labels: Mapping[str, str] | None,
    width: int | None,
) -> str:
    return label(str(value), lang=lang, labels=labels, width=width)


def value_title(stat: str, *, lang: Lang, labels: Mapping[str, str] | None) -> str:
    """Title of a value axis: 占比 (%) / Share (%), or 计数 / Count."""
    word = label("占比" if stat == "percent" else "计数", lang=lang, labels=labels, width=None)
    word = word.replace("\n", " / ")
    return f"{word} (%)" if stat == "percent" else word


def title_for(name: Hashable | None, *, lang: Lang, labels: Mapping[str, str] | None) -> str:
    """Axis title from a column/index name, translated; empty for unnamed axes."""
    if name is None:
        return ""
    return column_title(name, lang=lang, labels=labels)


LINE_SPACING = 1.2  # matplotlib's default multi-line spacing, in font sizes


def n_lines(text: str) -> int:
    return text.count("\n") + 1


def axes_size_pt(ax: Any) -> tuple[float, float]:
    """Rough printed size of ``ax`` in points, before the layout engine trims it.

    Constrained layout later shrinks the Axes to make room for its labels; 0.85 allows for
    that, so labels fitted to this size still fit afterwards.
    """
    fig = ax.get_figure(root=True)
    width_in, height_in = fig.get_size_inches()
    pos = ax.get_position()
    return pos.width * width_in * 72 * 0.85, pos.height * height_in * 72 * 0.85


def cell_size_pt(ax: Any) -> tuple[float, float]:
    """Printed size of the grid cell of ``ax`` in points, less a small layout padding.

    Constrained layout hands an Axes its whole grid cell minus what its decorations need;
    figures subtract their own labels from this, where the default subplot margins of
    :func:`axes_size_pt` would misjudge Axes without ticks or with wide labels.
    """
    fig = ax.get_figure(root=True)
    width_in, height_in = fig.get_size_inches()
    pos = ax.get_position()
    pars = fig.subplotpars
    frac_w = pos.width / max(pars.right - pars.left, 1e-9)
    frac_h = pos.height / max(pars.top - pars.bottom, 1e-9)
    return width_in * 72 * min(frac_w, 1.0) - 8, height_in * 72 * min(frac_h, 1.0) - 8


def label_size_pt(texts: Sequence[str], fontsize: float) -> tuple[float, float]:
    """Width and height in points of the largest of ``texts`` (estimated, not measured)."""
    width = max(text_width_em(line) for t in texts for line in t.split("\n")) * fontsize
    height = max(n_lines(t) for t in texts) * fontsize * LINE_SPACING
    return width, height


def fit_row_labels(
    values: Sequence[Hashable] | pd.Index,
    *,
    lang: Lang,
    labels: Mapping[str, str] | None,
    width: int,
    row_pt: float,
    fontsize: float,
    max_width: int = 40,
) -> list[str]:
    """Labels for rows ``row_pt`` points high: widen the wrap until each fits its row."""
    limit = max(1, int(row_pt // (fontsize * LINE_SPACING)))
    for trial in range(width, max_width + 1, 2):
        out = [render(v, lang=lang, labels=labels, width=trial) for v in values]
        if max(n_lines(t) for t in out) <= limit:
            return out
    return out


def fit_column_labels(
    values: Sequence[Hashable] | pd.Index,
    *,
    lang: Lang,
    labels: Mapping[str, str] | None,
    width: int,
    column_pt: float,
    fontsize: float,
    max_lines: int = 3,
) -> tuple[list[str], float]:
    """Labels for columns ``column_pt`` points wide, and the rotation they need.

    Labels wrap at the widest width (at most ``width`` columns) at which every label fits
    its column, narrowing while a long Latin word still sticks out, within ``max_lines``
    lines per language; labels that cannot fit are rotated 45°.
    """
    budget = max_lines * (2 if lang == "both" else 1)
    # Widest wraps the column allows: a hanzi is 2 columns of half an em, a Latin letter
    # about 0.55 em; at most ``width`` (Latin: 1.5 × width).  Narrow while a long Latin word
    # still sticks out.
    usable = column_pt * 0.92
    zh_width = min(width, int(usable // (0.5 * fontsize)))
    latin_start = min(round(width * 1.5), int(usable // (0.55 * fontsize)))
    if zh_width >= 4:
        for latin in range(latin_start, 3, -1):
            out = [
                label(v, lang=lang, labels=labels, width=zh_width, latin_width=latin)
                for v in values
            ]
            if max(n_lines(t) for t in out) > budget:
                break
            widest = max(text_width_em(line) for t in out for line in t.split("\n")) * fontsize
            if widest <= usable:
                return out, 0.0
    # Rotated labels read best on one or two lines per language.
    longest = max(
        display_width(part)
        for v in values
        for part in render(v, lang=lang, labels=labels, width=None).split("\n")
    )
    two_lines = max(width, (longest + 1) // 2 + 2)
    return [render(v, lang=lang, labels=labels, width=two_lines) for v in values], 45.0
