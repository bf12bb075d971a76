"""Chinese fonts for figures: TrueType-outline subsets of Noto CJK SC, cached and registered.

mplfonts ships Noto Sans CJK SC and Noto Serif CJK SC (SIL Open Font License) as .otf files
with CFF outlines.  matplotlib embeds such a font in a Type 42 PDF as if it were TrueType, and
Ghostscript then draws those pages without their text.  So each font is converted once to
TrueType (``glyf``) outlines with fontTools (the otf2ttf recipe: cubic curves approximated by
quadratic ones with ``cu2qu``), restricted to a large character set (GB 2312, the glossary and
codebooks shipped with cqanalysis, Latin, Greek and punctuation), written atomically to a user
cache directory keyed by the source font's hash, and registered with matplotlib's font manager
for this process only (``fontManager.addfont``; no matplotlibrc or global rcParams change).

Glyph ids are kept as in the source font (``retain_gids``), so the same text yields the same
glyph ids, PDF subsets and SVG glyph definitions whatever subset is active.  A character the
subset lacks is never drawn as tofu: :func:`ensure_glyphs` rebuilds the subset with the missing
characters added (also cached) and swaps it in under the same family name before drawing.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import os
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..core.io import atomic_path

__all__ = [
    "FONT_STYLES",
    "cache_dir",
    "covered_chars",
    "ensure_glyphs",
    "font_families",
    "font_path",
    "register_font",
    "source_font",
]

#: Font choices: ``"sans"`` (黑体-like, Noto Sans CJK SC) and ``"serif"`` (宋体-like, Noto Serif).
FONT_STYLES = ("sans", "serif")

# Bump when the conversion below changes, so stale cache files are not reused.
_FORMAT = 1


@dataclass(frozen=True)
class _Spec:
    source: str
    family: str
    postscript: str
    fallback: str


_SPECS = {
    # The family is renamed: a modified OFL font should not pose as the original, and a system
    # install of the CFF original must never be picked instead of the converted font.
    "sans": _Spec(
        "NotoSansCJKsc-Regular.otf",
        "cqanalysis Sans CJK SC",
        "cqanalysis-SansCJKSC-Regular",
        "DejaVu Sans",
    ),
    "serif": _Spec(
        "NotoSerifCJKsc-Regular.otf",
        "cqanalysis Serif CJK SC",
        "cqanalysis-SerifCJKSC-Regular",
        "DejaVu Serif",
    ),
}

# Latin, Greek and symbol blocks that labels and tick labels use besides the hanzi.
_EXTRA_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 supplement, Latin Extended-A
    (0x01CD, 0x01DC),  # pinyin vowels with caron and umlaut
    (0x0391, 0x03C9),  # Greek
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203B),  # per mille, primes, reference mark
    (0x2160, 0x216B),  # Roman numerals
    (0x2190, 0x2193),  # arrows
    (0x2212, 0x2212),  # minus sign (matplotlib's negative tick labels)
    (0x2460, 0x2473),  # circled numbers
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF01, 0xFF5E),  # full-width forms
    (0xFFE0, 0xFFE6),
)
_EXTRA_CHARS = "±×÷≈≠≤≥√∞∑∏∈∩∪→←↑↓％"
_SPACES = "\u0020\u00a0\u2002\u2003\u2009\u3000"

_lock = threading.RLock()
# style -> (registered font file, characters it covers)
_active: dict[str, tuple[Path, frozenset[str]]] = {}


def _spec(style: str) -> _Spec:
    try:
        return _SPECS[style]
    except KeyError:
        raise ValueError(f"font style must be one of {FONT_STYLES}, got {style!r}") from None


def cache_dir() -> Path:
    """Directory for converted fonts: ``$CQANALYSIS_CACHE`` or the platform's user cache.

    The platform cache is ``$XDG_CACHE_HOME/cqanalysis`` (default ``~/.cache/cqanalysis``) on
    Linux, ``~/Library/Caches/cqanalysis`` on macOS and ``%LOCALAPPDATA%\\cqanalysis\\Cache``
    on Windows.  Nothing is ever written inside the repository or the installed package.
    """
    override = os.environ.get("CQANALYSIS_CACHE", "").strip()
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "cqanalysis" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cqanalysis"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(xdg or Path.home() / ".cache") / "cqanalysis"


def source_font(style: str = "sans") -> Path:
    """Path of the OFL Noto CJK SC .otf that ``style`` is converted from (in mplfonts)."""
    spec = _spec(style)
    # Locate mplfonts without importing it: its import pulls in helpers that edit rcParams.
    found = importlib.util.find_spec("mplfonts")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("the mplfonts package (Noto CJK SC fonts) is not installed")
    path = Path(next(iter(found.submodule_search_locations))) / "fonts" / spec.source
    if not path.is_file():
        raise RuntimeError(f"mplfonts does not ship {spec.source} (looked in {path.parent})")
    return path


def font_families(style: str = "sans") -> list[str]:
    """The ``font.family`` list for ``style``: the converted CJK font, then a DejaVu fallback."""
    spec = _spec(style)
    return [spec.family, spec.fallback]


def font_path(style: str = "sans") -> Path:
    """The converted font file currently registered for ``style`` (registering it if needed)."""
    return register_font(style)


def covered_chars(style: str = "sans") -> frozenset[str]:
    """Characters the currently registered font for ``style`` can draw."""
    register_font(style)
    return _active[style][1]


def register_font(style: str = "sans") -> Path:
    """Make the converted font for ``style`` available to matplotlib; return its path.

    The first call per machine converts the font (a few seconds) and caches the result; later
    calls, and later processes, only load the cached file.
    """
    spec = _spec(style)
    with _lock:
        if style not in _active:
            src = source_font(style)
            chars = _base_charset() & _source_chars(src)
            _activate(style, spec, _converted(src, spec, chars), chars)
        return _active[style][0]


def ensure_glyphs(texts: Iterable[str] | str, *, style: str = "sans") -> Path:
    """Make sure the registered font for ``style`` has every character of ``texts``.

    Characters the source font has but the cached subset lacks are added by building (once,
    then cached) a subset that includes them; the new file replaces the old one under the same
    family name, so text already created picks it up.  Characters the source font does not
    have at all are left to the DejaVu fallback (and to matplotlib's missing-glyph warning).

    Returns the path of the font file in use afterwards.
    """
    spec = _spec(style)
    wanted = set("".join([texts] if isinstance(texts, str) else texts))
    with _lock:
        register_font(style)
        path, covered = _active[style]
        missing = {c for c in wanted - covered if _drawable(c)}
        if not missing:
            return path
        src = source_font(style)
        addable = missing & _source_chars(src)
        if not addable:
            return path
        chars = covered | addable
        _activate(style, spec, _converted(src, spec, chars), chars)
        return _active[style][0]


def _drawable(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"})


def _activate(style: str, spec: _Spec, path: Path, chars: frozenset[str]) -> None:
    from matplotlib import font_manager

    manager = font_manager.fontManager
    # Drop the previous file of this family so that lookups cannot pick the smaller subset.
    manager.ttflist = [entry for entry in manager.ttflist if entry.name != spec.family]
    manager.addfont(str(path))  # also clears matplotlib's findfont cache
    _active[style] = (path, frozenset(chars))


@cache
def _source_hash(src: Path) -> str:
    digest = hashlib.sha256()
    with open(src, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _source_chars(src: Path) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    with TTFont(src, lazy=True) as font:
        return frozenset(chr(cp) for cp in font.getBestCmap())


@cache
def _base_charset() -> frozenset[str]:
    """GB 2312, every non-ASCII character of the shipped YAML data, and the ranges above."""
    chars: set[str] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for first, last in _EXTRA_RANGES:
        chars.update(chr(cp) for cp in range(first, last + 1))
    chars.update(_EXTRA_CHARS)
    package = importlib.resources.files("cqanalysis")
    for folder in ("data", "codebooks"):
        node = package / folder
        if not node.is_dir():
            continue
        for entry in sorted(node.iterdir(), key=lambda item: item.name):
            if entry.name.endswith((".yaml", ".yml")):
                chars.update(c for c in entry.read_text(encoding="utf-8") if ord(c) > 0x7F)
    # Spaces have no outline but need their advance width from this font.
    return frozenset({c for c in chars if _drawable(c)} | set(_SPACES))


def _converted(src: Path, spec: _Spec, chars: frozenset[str]) -> Path:
    """Return the cached TrueType subset of ``src`` covering ``chars``, building it if needed."""
    from fontTools import version as fonttools_version

    key = hashlib.sha256()
    key.update(f"{_FORMAT}|{fonttools_version}|{_source_hash(src)}|".encode())
    key.update("".join(sorted(chars)).encode("utf-8"))
    target = cache_dir() / f"{spec.postscript}-{key.hexdigest()[:20]}.ttf"
    if target.is_file() and target.stat().st_size > 0:
        return target
    with atomic_path(target) as tmp:
        _convert(src, spec, chars, tmp)
    return target


def _convert(src: Path, spec: _Spec, chars: frozenset[str], dest: Path) -> None:
    """Subset ``src`` to ``chars`` and rewrite its CFF outlines as TrueType quadratics."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    font = TTFont(src, recalcTimestamp=False)
    font.getGlyphOrder()
    charstrings = font["CFF "].cff[0].CharStrings
    # The subsetter spends most of its time desubroutinising and unhinting CFF charstrings that
    # are thrown away below; taking the table out first leaves it only GSUB/GPOS/cmap to prune.
    del font["CFF "]
    for tag in ("VORG", "DSIG"):
        if tag in font:
            del font[tag]

    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.recalc_timestamp = False
    # kern/liga for Latin; no locl or vert: labels are horizontal Simplified Chinese.
    options.layout_features = ["kern", "liga", "calt", "ccmp"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)

    order = font.getGlyphOrder()
    keep = subsetter.glyphs_retained
    glyphs = {}
    for name in order:
        if name in keep:
            pen = TTGlyphPen(None)
            # 1 font unit of error at 1000 units per em; TrueType wants clockwise outers.
            charstrings[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        else:
            glyphs[name] = Glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs

    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0  # no glyph names: CID names carry nothing, and 3 is small
    font.sfntVersion = "\x00\x01\x00\x00"
    _rename(font, spec)
    font.save(dest)


def _rename(font: Any, spec: _Spec) -> None:
    table = font["name"]
    # Keep copyright and licence; the rest names the original (and its trademark).
    keep = {0, 13, 14}
    table.names = [rec for rec in table.names if rec.nameID in keep and rec.platformID == 3]
    source = spec.source.removesuffix(".otf")
    for name_id, value in (
        (1, spec.family),
        (2, "Regular"),
        (3, f"{spec.postscript};cqanalysis-{_FORMAT}"),
        (4, f"{spec.family} Regular"),
        (5, f"Version 1.{_FORMAT:03d}; converted from {source}"),
        (6, spec.postscript),
        (10, f"{source} (SIL OFL 1.1) subset with TrueType outlines, made by cqanalysis."),
    ):
        table.setName(value, name_id, 3, 1, 0x409)
