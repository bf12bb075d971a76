"""LaTeX booktabs tables, one .tex snippet per table, plus a ctex wrapper that compiles them all."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..core import text as _core_text
from ..core.io import atomic_write
from . import _text
from ._content import paper_tables
from ._render_cache import rendered
from ._text import display_width, safe_filename, xml_safe

__all__ = ["latex_escape", "write_latex_tables"]

_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        # Not special, but printed as other glyphs by the classic OT1 font encoding.
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "|": r"\textbar{}",
        # Straight quotes and the backquote, which fonts under TeX ligatures print as curly
        # ones (` as ‘); escaping ` also stops the ligatures ``, ?` and !`.
        '"': r"\textquotedbl{}",
        "'": r"\textquotesingle{}",
        "`": r"\textasciigrave{}",
    }
)
# TeX ligatures that would change the text: -- and --- (dashes), ,, (low quotes „).
_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=,)(?=,)")
# A cell this wide (half-width characters, about eight Chinese characters) or wider wraps.
_WRAP_WIDTH = 16
# Crosstab labels wrap beyond twelve Chinese characters.
_LABEL_WIDTH = 24
# Half-width characters of \small text across A4's text width with 2.5 cm margins.
_LINE_WIDTH = 100

# What a snippet's bytes depend on besides its content: this module and its text helpers.
_SOURCES = (__file__, _text.__file__, _core_text.__file__)

_PREAMBLE = r"""\documentclass[UTF8,zihao=5]{ctexart}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{booktabs,tabularx,array,graphicx}
\usepackage[labelsep=quad]{caption}
"""


def latex_escape(text: str, *, newline: str = r"\newline ") -> str:
    """``text`` as LaTeX source that prints it literally.

    Escapes ``& % $ # _ { } ~ ^ \\`` (and ``< > | " ' ```, which some fonts print as other
    glyphs), keeps TeX ligatures from merging ``--`` or ``,,``, protects a
    leading ``[`` or ``*`` (read as options of the ``\\\\`` ending the previous row), replaces
    control characters as Word and REFI-QDA do (:func:`~cqanalysis.writers._text.xml_safe`:
    a vertical tab is a line break, others become ``�``), and turns line breaks into
    ``newline`` (``\\newline`` in a paragraph column).
    """
    # Line breaks first: a lone \r (old Mac files) is a control character too.
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = xml_safe(text)[0]
    text = _LIGATURES.sub("{}", text.translate(_ESCAPES)).replace("\t", " ")
    if text[:1] in ("[", "*"):
        text = "{" + text[0] + "}" + text[1:]
    return text.replace("\n", newline)


def _text_spec(width: int, multiline: bool) -> str:
    if width >= _WRAP_WIDTH or multiline:
        return r">{\raggedright\arraybackslash}X"
    return "l"


def _column_spec(
    header: Sequence[str], body: Sequence[Sequence[str]], numeric_from: int | None
) -> tuple[str, str, bool]:
    """The environment, its column spec, and whether it must shrink to the line width.

    A source table stretches to the line width (``tabularx``): long text columns become
    ragged-right X columns that wrap, short ones stay ``l``. A crosstab keeps its natural
    width (``tabular``, centred number columns, long labels in ``p`` columns) and is scaled
    down to the line width only when wider than it.
    """
    widths = [
        max([display_width(head), *(display_width(r[j]) for r in body)])
        for j, head in enumerate(header)
    ]
    if numeric_from is None:
        specs = [_text_spec(w, any("\n" in r[j] for r in body)) for j, w in enumerate(widths)]
        wide = any(s.endswith("X") for s in specs)
        return ("tabularx" if wide else "tabular"), "".join(specs), False
    specs = []
    for j, w in enumerate(widths):
        if j >= numeric_from:
            specs.append("c")
        elif w > _LABEL_WIDTH:
            specs.append(rf">{{\raggedright\arraybackslash}}p{{{_LABEL_WIDTH / 2:g}em}}")
            widths[j] = _LABEL_WIDTH
        else:
            specs.append("l")
    return "tabular", "".join(specs), sum(w + 2 for w in widths) > _LINE_WIDTH


def _label(parts: Sequence[str], used: set[str]) -> str:
    """A unique ``\\label`` key from ``parts``, ASCII only so that any engine accepts it."""
    slugs = [re.sub(r"[^A-Za-z0-9.]+", "-", p).strip("-") for p in parts]
    base = "tab:" + ":".join(s or "x" for s in slugs)
    key, k = base, 2
    while key in used:
        key, k = f"{base}-{k}", k + 1
    used.add(key)
    return key


def _table_tex(
    caption: str,
    label_: str,
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    *,
    numeric_from: int | None,
    note: str,
    comment: str,
    layer_starts: Sequence[int] = (),
) -> str:
    env, spec, shrink = _column_spec(header, body, numeric_from)
    width = r"{\linewidth}" if env == "tabularx" else ""
    lines = [
        "% " + " ".join(comment.split()),
        r"% \usepackage{booktabs,tabularx,array,graphicx}; Chinese needs ctex (XeLaTeX/LuaLaTeX).",
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(caption, newline=' ')}}}",
        rf"\label{{{label_}}}",
        r"\small",
        *([r"\resizebox{\linewidth}{!}{%"] if shrink else []),
        rf"\begin{{{env}}}{width}{{@{{}}{spec}@{{}}}}",
        r"\toprule",
        " & ".join(latex_escape(h, newline=" ") for h in header) + r" \\",
        r"\midrule",
    ]
    for i, cells in enumerate(body):
        if i in layer_starts:
            lines.append(r"\addlinespace")
        lines.append(" & ".join(latex_escape(c) for c in cells) + r" \\")
    lines.append(r"\bottomrule")
    lines.append(rf"\end{{{env}}}" + ("}" if shrink else ""))
    if note:
        lines.append(r"\par\smallskip")
        # χ² in math mode: text fonts such as Latin Modern have no χ.
        note_tex = latex_escape(note, newline=" ").replace("χ²", r"$\chi^2$")
        lines.append(rf"{{\footnotesize\raggedright {note_tex}\par}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_latex_tables(
    out_dir: str | os.PathLike[str],
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    tables: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    crosstabs: Mapping[str, pd.DataFrame] | None = None,
    crosstab_stats: Mapping[str, pd.DataFrame] | None = None,
    crosstab_titles: Mapping[str, str] | None = None,
    lang: str = "zh",
    percent: str | None = "row",
    standalone: bool = True,
) -> list[Path]:
    """Write every source table and crosstab as a LaTeX booktabs table, one .tex file each.

    Each file is a ``table`` float to ``\\input`` into a thesis: caption above, ``\\toprule``,
    ``\\midrule`` under the header, ``\\bottomrule``, no vertical rules. Columns with long
    Chinese text become ``tabularx`` X columns (ragged right) so they wrap within
    ``\\linewidth``; short ones stay ``l``. Every cell is escaped (:func:`latex_escape`).
    The caption is the table's title (LaTeX numbers it); the source table id is in the
    ``\\label`` (``tab:5.1.1``) and in a comment. Source tables carry a source note; crosstabs
    show counts with percentages in parentheses, margins and their test statistics.

    Parameters
    ----------
    out_dir
        The folder to write into (created if missing). Existing other files are left alone.
    frames, tables, rows, crosstabs, crosstab_stats, crosstab_titles, lang, percent
        As for :func:`cqanalysis.writers.word.write_word_tables`.
    standalone
        Also write ``standalone.tex``: a ``ctexart`` document holding every table, which
        compiles with ``xelatex standalone.tex`` to check or print them.

    Returns
    -------
    list of Path
        The snippet files written (source tables in ``tables`` order, then crosstabs), then
        ``standalone.tex`` when written. Identical input gives byte-identical files.
    """
    from ..core.version import __version__

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = {"standalone.tex"}
    labels: set[str] = set()
    written: list[Path] = []
    for t in paper_tables(
        frames=frames,
        tables=tables,
        rows=rows,
        crosstabs=crosstabs,
        crosstab_stats=crosstab_stats,
        crosstab_titles=crosstab_titles,
        lang=lang,
        percent=percent,
    ):
        origin = f"{t.caption} ({t.doc_id})" if t.doc_id is not None else t.caption
        args = {"caption": t.title, "label_": _label(list(t.key), labels), "header": t.header,
                "body": t.body, "numeric_from": t.numeric_from, "note": t.note,
                "layer_starts": list(t.layer_starts),
                "comment": f"cqanalysis {__version__}: {origin}"}
        path = folder / safe_filename(t.stem, used, suffix=".tex")
        written.append(rendered(path, kind="latex-table", sources=_SOURCES,
                                parts=sorted(args.items()),
                                render=lambda p, a=args: _write_tex(p, _table_tex(**a))))
    if standalone:
        # the snippets as written (rendered or copied from the render cache)
        body = "\n".join(p.read_text(encoding="utf-8") for p in written)
        doc = _PREAMBLE + "\\begin{document}\n\n" + body + "\n\\end{document}\n"
        written.append(_write_tex(folder / "standalone.tex", doc))
    return written


def _write_tex(path: Path, tex: str) -> Path:
    """Write one .tex file atomically with LF line ends, so a rebuild is byte-identical."""
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(tex)
    return path
