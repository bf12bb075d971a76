"""Markdown tokenizers compared: markdown-it-py (used) against mistune, speed and fidelity.

    .venv/bin/python benchmarks/bench_markdown.py [FILES...] [--mb 2] [--rounds 3]

FILES default to the Markdown fixtures and notebook data in this repository.  Speed: the
files are concatenated and repeated to about ``--mb`` megabytes, then timed (best of
``--rounds``) for the raw markdown-it-py tokenizer, the raw mistune AST parser (``pip install
mistune``; it is not a dependency), cqanalysis's Markdown reader (markdown-it-py plus visible
text for every line) and the full ``parse_text(markdown=True)``.  Fidelity: for each file,
whether both tokenizers find the same code blocks, headings (level and text) and table rows.
mistune gives no source line numbers, which the reader needs for line provenance.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cqanalysis.parse import parse_text  # noqa: E402
from cqanalysis.sources.markdown import markdown_blocks, markdown_parser  # noqa: E402
from cqanalysis.sources.text import decode_text  # noqa: E402


def best(fn: Callable[[], object], rounds: int) -> float:
    out = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def _plain(children: Iterable[Any]) -> str:
    """Visible text of mistune inline nodes."""
    out = []
    for node in children or ():
        if "raw" in node and node["type"] in ("text", "codespan"):
            out.append(node["raw"])
        elif node["type"] in ("softbreak", "linebreak"):
            out.append(" ")
        else:
            out.append(_plain(node.get("children", ())))
    return "".join(out)


def mistune_structure(ast: Iterable[dict[str, Any]], found: Counter | None = None) -> Counter:
    found = Counter() if found is None else found
    for node in ast:
        kind = node["type"]
        if kind == "block_code":
            found["code", node["raw"].rstrip("\n")] += 1
        elif kind == "heading":
            text = " ".join(_plain(node["children"]).split())
            found["heading", node["attrs"]["level"], text] += 1
        elif kind == "table":
            for part in node["children"]:
                rows = [part] if part["type"] == "table_head" else part["children"]
                for row in rows:
                    cells = tuple(" ".join(_plain(c["children"]).split()) for c in row["children"])
                    found["row", cells] += 1
        else:
            mistune_structure(node.get("children", ()), found)
    return found


def markdown_it_structure(tokens: list[Any]) -> Counter:
    found: Counter = Counter()
    cells: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type in ("fence", "code_block"):
            found["code", tok.content.rstrip("\n")] += 1
        elif tok.type == "heading_open":
            text = " ".join(_inline_text(tokens[i + 1].children).split())
            found["heading", int(tok.tag[1]), text] += 1
        elif tok.type == "tr_open":
            cells = []
        elif tok.type == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            cells.append(" ".join(_inline_text(tok.children).split()))
        elif tok.type == "tr_close":
            found["row", tuple(cells)] += 1
    return found


def _inline_text(children: Iterable[Any] | None) -> str:
    out = []
    for tok in children or ():
        if tok.type in ("text", "text_special", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.children:
            out.append(_inline_text(tok.children))
    return "".join(out)


def fidelity(texts: dict[str, str], mistune_parse: Callable[[str], Any]) -> None:
    print(f"\n{'file':<44} {'kind':<8} {'markdown-it':>11} {'mistune':>8} {'shared':>7}")
    totals: Counter = Counter()
    for name, text in texts.items():
        ours = markdown_it_structure(markdown_parser().parse(text))
        theirs = mistune_structure(mistune_parse(text))
        for kind in ("code", "heading", "row"):
            a = Counter({k: v for k, v in ours.items() if k[0] == kind})
            b = Counter({k: v for k, v in theirs.items() if k[0] == kind})
            shared = sum((a & b).values())
            totals[kind, "a"] += sum(a.values())
            totals[kind, "b"] += sum(b.values())
            totals[kind, "s"] += shared
            if sum(a.values()) or sum(b.values()):
                print(f"{name[:44]:<44} {kind:<8} {sum(a.values()):>11} {sum(b.values()):>8} "
                      f"{shared:>7}")
    for kind in ("code", "heading", "row"):
        print(f"{'TOTAL':<44} {kind:<8} {totals[kind, 'a']:>11} {totals[kind, 'b']:>8} "
              f"{totals[kind, 's']:>7}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--mb", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    files = args.files or sorted([*(ROOT / "tests" / "fixtures").rglob("*.md"),
                                  *(ROOT / "notebooks" / "data").glob("*.md")])
    texts = {p.name: decode_text(p.read_bytes(), p) for p in files if p.stat().st_size}
    one = "\n\n".join(texts.values())
    size = len(one.encode("utf-8"))
    big = "\n\n".join([one] * max(1, round(args.mb * 1e6 / size)))
    mb = len(big.encode("utf-8")) / 1e6
    try:
        import mistune
    except ImportError:
        mistune = None
    steps: list[tuple[str, Callable[[], object]]] = [
        ("markdown-it-py tokens", lambda: markdown_parser().parse(big)),
    ]
    mistune_parse = None
    if mistune is not None:
        mistune_parse = mistune.create_markdown(renderer=None,
                                                plugins=["table", "strikethrough"])
        steps.append((f"mistune {mistune.__version__} AST", lambda: mistune_parse(big)))
    steps += [("cqanalysis markdown_blocks", lambda: markdown_blocks(big)),
              ("cqanalysis parse_text(md)", lambda: parse_text(big, markdown=True))]
    print(f"{len(texts)} files, {size / 1e3:.0f} kB, repeated to {mb:.1f} MB; "
          f"best of {args.rounds}")
    print(f"{'step':<28} {'seconds':>8} {'MB/s':>7}")
    for name, fn in steps:
        t = best(fn, args.rounds)
        print(f"{name:<28} {t:>8.3f} {mb / t:>7.2f}")
    if mistune_parse is not None:
        fidelity(texts, mistune_parse)


if __name__ == "__main__":
    main()
