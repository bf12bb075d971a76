"""Fixed-width tables: text laid out in columns by spaces (``pdftotext -layout``, a PDF viewer).

In such text a cell that does not fit its column wraps onto the next line *at its column's
position*, so a line with only some columns filled continues the cells above (top-aligned
rows) or above and below a row's first cell (vertically centred rows, which pdftotext
produces for ruled PDF tables).  The column boundaries come from the header line; positions
are counted either in characters (pdftotext puts one character per column, CJK or not) or in
display columns (a CJK character is two wide, as in an editor with a fixed-width font,
:func:`cqanalysis.core.text.display_width`), whichever the lines below the header agree with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..core.text import TERMINAL_PUNCT, display_width, join_wrapped

__all__ = ["Layout", "Segment", "group_rows", "layout_from_header", "near_start", "segments",
           "wrap_fits"]

Metric = Literal["chars", "display"]

# Text runs: words joined by single spaces; two or more spaces (or a tab) separate runs.
_RUN = re.compile(r"[^\s]+(?: [^\s]+)*")
# A Latin word wraps whole; CJK text wraps at any character.
_LATIN_WORD = re.compile(r"[!-~]+")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text on one line and where it starts and ends in the chosen metric."""

    text: str
    start: int
    end: int


def _positions(raw: str, metric: Metric) -> list[int]:
    """Position of every character of ``raw`` (and of its end) in ``metric`` units."""
    if metric == "chars":
        return list(range(len(raw) + 1))
    out = [0]
    for ch in raw:
        out.append(out[-1] + display_width(ch))
    return out


def segments(raw: str, metric: Metric) -> list[Segment]:
    """The text runs of a line, with their positions in ``metric`` units."""
    pos = _positions(raw, metric)
    return [Segment(m.group(), pos[m.start()], pos[m.end()]) for m in _RUN.finditer(raw)]


def _split_at_space(seg: Segment, target: int, metric: Metric) -> tuple[Segment, Segment] | None:
    """Cut a run at its single space nearest ``target``: two columns that the extraction put
    one space apart (pdftotext narrows a gap when a cell fills its column)."""
    pos = [seg.start + p for p in _positions(seg.text, metric)]
    spaces = [i for i, ch in enumerate(seg.text) if ch == " "]
    if not spaces:
        return None
    i = min(spaces, key=lambda k: abs(pos[k + 1] - target))
    return (Segment(seg.text[:i], seg.start, pos[i]),
            Segment(seg.text[i + 1:], pos[i + 1], seg.end))


@dataclass(slots=True)
class Layout:
    """Column geometry of one fixed-width table and the lines read into it so far."""

    metric: Metric
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    # (line, page, {column: text}) for every line of the table body, in order
    lines: list[tuple[int, int | None, dict[int, str]]] = field(default_factory=list)
    header_starts: tuple[int, ...] = ()  # where the header words start (a column's cells
    # start further left when its header is centred)

    def under_column(self, raw: str) -> bool:
        """Whether a line reads as table text by its place: cells side by side (several runs),
        or one run starting within one place of a column's left edge or header and no
        wider than that column can be (:func:`wrap_fits`, from its header and lines so far).

        A wrapped cell starts where its column does and fills at most its width; a page's
        running title, centred on the page, lands wherever its length puts it.
        """
        runs = segments(raw, self.metric)
        if len(runs) != 1:
            return bool(runs)
        run = runs[0]
        heads = self.header_starts or self.starts
        near = [j for j in range(len(self.starts))
                if near_start(run.start, (self.starts[j], heads[j]))]
        if not near:
            return False
        j = near[0]
        earlier = [cols[j] for _, _, cols in self.lines if j in cols]
        return wrap_fits(earlier, run.text, self.metric, floor=self.ends[j] - heads[j])

    def columns(self, raw: str) -> dict[int, str] | None:
        """The text of each column on a line, or ``None`` when the line does not fit.

        A run belongs to the last column whose boundary (halfway across the gap between two
        header cells) it starts at or after; it fits when it does not run into the next
        column's header.
        """
        starts, ends = self.starts, self.ends
        bounds = [(ends[j - 1] + starts[j]) / 2 for j in range(1, len(starts))]
        cols: dict[int, list[str]] = {}
        queue = segments(raw, self.metric)
        while queue:
            seg = queue.pop(0)
            j = sum(1 for b in bounds if seg.start >= b)
            if j + 1 < len(starts) and seg.end > starts[j + 1]:
                halves = _split_at_space(seg, starts[j + 1], self.metric)
                if halves is None:
                    return None
                queue[:0] = halves
                continue
            cols.setdefault(j, []).append(seg.text)
        if not cols:
            return None
        return {j: " ".join(parts) for j, parts in cols.items()}


def near_start(position: int, starts: Sequence[int]) -> bool:
    """Whether ``position`` lies within one place of one of ``starts`` (pdftotext may set
    a column's lines one character apart; typed text may be one space off)."""
    return any(abs(position - s) <= 1 for s in starts)


def wrap_fits(earlier: Iterable[str], text: str, metric: Metric, *, floor: int = 0) -> bool:
    """Whether ``text`` can be the wrapped rest of a column whose earlier lines are ``earlier``.

    A cell wraps when its next word does not fit, so its column is narrower than the line
    before plus a space and that word (for CJK text, one character), and the rest is no
    wider than the column; the widest earlier line (at least ``floor``, a header's width)
    stands in for the line before.
    """
    def width(t: str) -> int:
        return len(t) if metric == "chars" else display_width(t)

    widest = max((width(t) for t in earlier), default=0)
    latin = _LATIN_WORD.match(text)
    word = latin.group() if latin else text[:1]
    return width(text) <= max(widest, floor) + 1 + width(word)


def layout_from_header(header_raw: str, body_raws: Sequence[str], *,
                       page_tops: frozenset[int] = frozenset()) -> Layout | None:
    """The layout of a table whose header line is ``header_raw``, or ``None`` when the lines
    below (``body_raws``, up to the table's end) show no fixed-width wrapping.

    The sign of a fixed-width table is a line of wrapped cells: runs that start at column
    starts, some column left empty, indented to a later column or under a row of cells.
    A column starts where its header does, or further left where its cells do (a centred
    header).
    The metric is the one under which more body lines fit the columns, then more wrapped
    lines start exactly under a header word, then more are wrapped lines; on a tie, display
    width.  A line at ``page_tops`` (indices into ``body_raws``: one run opening a page) may
    be a running title that the lexer did not recognise (it appears once): it neither moves
    a column's edge nor counts as fitting, and it is a wrapped line only where the other
    lines put the columns.
    """
    best: tuple[tuple[int, int, int], Layout] | None = None
    for metric in ("display", "chars"):
        head = segments(header_raw, metric)
        if len(head) < 2:
            return None
        body = [(raw, segments(raw, metric), k in page_tops) for k, raw in enumerate(body_raws)]
        ends, header_starts = tuple(s.end for s in head), tuple(s.start for s in head)
        starts = _left_edges(header_starts, ends,
                             {run.start for _, runs, top in body if not top for run in runs})
        hits = exact = previous = 0
        for raw, runs, top in body:
            if _wraps(runs, starts, previous, raw):
                hits += 1
                exact += _wraps(runs, header_starts, previous, raw)
            previous = previous if top else len(runs)
        if not hits:
            continue
        layout = Layout(metric, starts, ends, header_starts=header_starts)
        fits = sum(layout.columns(raw) is not None for raw, _, top in body if not top)
        if best is None or (fits, exact, hits) > best[0]:
            best = (fits, exact, hits), layout
    return best[1] if best is not None else None


def _left_edges(starts: tuple[int, ...], ends: tuple[int, ...],
                body_starts: set[int]) -> tuple[int, ...]:
    """Column starts: a header centred over its column starts to the right of the column's
    cells, so the leftmost body run starting between the previous header's end and this
    header's start marks the column's left edge."""
    edges = [starts[0]]
    for j in range(1, len(starts)):
        inside = [p for p in body_starts if ends[j - 1] < p <= starts[j]]
        edges.append(min(inside) if inside else starts[j])
    return tuple(edges)


def _wraps(runs: list[Segment], starts: tuple[int, ...], previous: int, raw: str) -> bool:
    """Whether a line looks like wrapped cells: every run starts at a header column, some
    column is empty, and the line is indented or follows a line of several cells (a short
    first cell wrapping under a row, never a sentence)."""
    if not runs or len(runs) >= len(starts) or any(r.start not in starts for r in runs):
        return False
    if runs[0].start > 0:
        return True
    if len(runs) == 1 and (runs[0].end >= starts[1] or raw.rstrip()[-1] in TERMINAL_PUNCT):
        return False
    return previous >= 2


def group_rows(
    lines: Sequence[tuple[int, int | None, dict[int, str]]], n_columns: int
) -> list[tuple[list[str], int, int, int | None]]:
    """Group a fixed-width table's lines into rows: (cells, first line, last line, page).

    A line with a first cell anchors a row; the other lines continue the rows around them.
    In a top-aligned table a wrap follows its row (see :func:`_top_aligned_anchors`).  In a
    vertically centred one (the first body line is a continuation, or a row's empty column
    is filled on the lines just above and below it) a row reaches as far below its anchor as
    above it, so each run of continuation lines between two anchors is split by symmetry.
    """
    anchors = [i for i, (_, _, cols) in enumerate(lines) if 0 in cols]
    if not anchors:
        anchors = [0]
    centred = _centred(lines, anchors, n_columns)
    if not centred:
        anchors = _top_aligned_anchors(lines)
    owner = [0] * len(lines)
    above = anchors[0]  # lines above the current anchor that belong to it
    for k, a in enumerate(anchors):
        nxt = anchors[k + 1] if k + 1 < len(anchors) else len(lines)
        gap = nxt - a - 1
        below = gap if not centred or k + 1 == len(anchors) else min(above, gap)
        for i in range(a - (above if k == 0 else 0), a + 1 + below):
            owner[i] = k
        for i in range(a + 1 + below, nxt):
            owner[i] = k + 1
        above = gap - below
    rows: list[tuple[list[str], int, int, int | None]] = []
    for k in range(len(anchors)):
        members = [lines[i] for i in range(len(lines)) if owner[i] == k]
        if not members:
            continue
        cells = [join_wrapped(cols.get(j, "") for _, _, cols in members) for j in range(n_columns)]
        page = lines[anchors[k]][1]
        rows.append((cells, members[0][0], members[-1][0], page))
    return rows


def _centred(lines: Sequence[tuple[int, int | None, dict[int, str]]], anchors: list[int],
             n_columns: int) -> bool:
    """Whether rows are vertically centred: the body starts with a continuation, or a row's
    empty column is filled on the lines just above and below its first cell."""
    if anchors[0] > 0:
        return True
    for a in anchors:
        if not 0 < a < len(lines) - 1:
            continue
        above, here, below = lines[a - 1][2], lines[a][2], lines[a + 1][2]
        if 0 in above or 0 in below:
            continue
        if any(j not in here and j in above and j in below for j in range(1, n_columns)):
            return True
    return False


def _top_aligned_anchors(lines: Sequence[tuple[int, int | None, dict[int, str]]]) -> list[int]:
    """First lines of the rows of a top-aligned table.

    Every cell starts on its row's first line, so a line with a first cell starts a new row
    only when it fills every column its row's first line fills; a line filling fewer continues
    cells that wrap, the first one included (a first column too narrow for its text).
    """
    anchors: list[int] = []
    row_columns: set[int] = set()
    for i, (_, _, cols) in enumerate(lines):
        if 0 in cols and (not anchors or set(cols) >= row_columns):
            anchors.append(i)
            row_columns = set(cols)
    return anchors or [0]
