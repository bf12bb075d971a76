"""Word and PDF reading speed: pages per second, reading alone and reading plus parsing.

    .venv/bin/python benchmarks/bench_sources.py [--repeat 10] [--rounds 3]

Builds the seed chapter ``--repeat`` times over as one .docx and one .pdf (ruled tables,
wrapped paragraphs, running header and page numbers; see ``tests/_make_sources.py``) in a
temporary folder, then times ``read_docx_blocks`` / ``read_pdf_blocks`` and the full
``cqanalysis.parse`` (best of ``--rounds``).  Word has no fixed pages, so its rate is given
in the pages the same text fills in the PDF.  Prints a small table.

Then, on a text PDF (the bundled chapter ``--repeat`` times over, written by LibreOffice
when ``soffice`` is installed, else by fpdf2 as text only), it compares in one run: the
pdfminer path alone as pdfplumber feeds it (the reader before pypdfium2), the reader as it
is (pdfium characters on pages without path objects), and ``pdftotext -layout`` when
installed.  Both reader paths must give the same blocks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cqanalysis.parse import parse  # noqa: E402
from cqanalysis.sources import pdf as pdf_reader  # noqa: E402
from cqanalysis.sources.docx import read_docx_blocks  # noqa: E402
from cqanalysis.sources.pdf import read_pdf_blocks  # noqa: E402
from tests import _make_sources as make  # noqa: E402


def best(fn, rounds: int) -> float:
    out = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cq-bench-") as tmp:
        pdf = make.make_seed_pdf(Path(tmp) / "seed.pdf", repeat=args.repeat)
        docx = make.make_seed_docx(Path(tmp) / "seed.docx", repeat=args.repeat)
        pages = max(b.page for b in read_pdf_blocks(pdf))
        rows = len(parse(pdf).rows)
        assert rows == 29 * args.repeat, rows
        assert len(parse(docx).rows) == 29 * args.repeat
        print(f"seed chapter x{args.repeat}: {pages} A4 pages, {rows} table rows; "
              f"best of {args.rounds}")  # fmt: skip
        print(f"{'source':<8} {'step':<13} {'seconds':>8} {'pages/s':>8}")
        for name, path, reader in (("pdf", pdf, read_pdf_blocks), ("docx", docx, read_docx_blocks)):
            for step, fn in (("read", partial(reader, path)), ("read+parse", partial(parse, path))):
                t = best(fn, args.rounds)
                print(f"{name:<8} {step:<13} {t:>8.3f} {pages / t:>8.1f}")
        text_pdf_speeds(Path(tmp), args.repeat, args.rounds)


def text_pdf(tmp: Path, repeat: int) -> Path:
    """The bundled chapter ``repeat`` times over as a text PDF (LibreOffice if installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        text = tmp / "chapter.txt"
        text.write_bytes(make.SEED.read_bytes() * repeat)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/lo",
                        "--convert-to", "pdf", "--outdir", str(tmp), str(text)],
                       check=True, capture_output=True, timeout=300)
        return tmp / "chapter.pdf"
    pdf = make._pdf()
    pdf.add_page()
    for unit in make.seed_units() * repeat:
        rows = unit[1] if unit[0] == "table" else [[str(unit[-1])]]
        for row in rows:
            make._para(pdf, "  ".join(row))
    pdf.output(str(tmp / "chapter.pdf"))
    return tmp / "chapter.pdf"


def pdfminer_only(path: Path) -> list:
    """The reader with pdfium switched off and pdfplumber building every object's dict."""
    saved = pdf_reader._open_pdfium, pdf_reader._parse_objects
    pdf_reader._open_pdfium = lambda data: None
    pdf_reader._parse_objects = lambda page: None
    try:
        return list(read_pdf_blocks(path))
    finally:
        pdf_reader._open_pdfium, pdf_reader._parse_objects = saved


def text_pdf_speeds(tmp: Path, repeat: int, rounds: int) -> None:
    path = text_pdf(tmp, repeat)
    pages = max(b.page for b in read_pdf_blocks(path))
    assert list(read_pdf_blocks(path)) == pdfminer_only(path), "the two paths differ"
    print(f"\ntext PDF ({path.stat().st_size // 1024} KB, {pages} pages), best of {rounds}")
    print(f"{'reader':<28} {'seconds':>8} {'pages/s':>8}")
    timings = [("pdfplumber/pdfminer (before)", partial(pdfminer_only, path)),
               ("pypdfium2 path (now)", partial(read_pdf_blocks, path))]
    if shutil.which("pdftotext"):
        timings.append(("pdftotext -layout", partial(
            subprocess.run, ["pdftotext", "-layout", str(path), str(tmp / "out.txt")],
            check=True)))
    for name, fn in timings:
        t = best(fn, rounds)
        print(f"{name:<28} {t:>8.3f} {pages / t:>8.1f}")


if __name__ == "__main__":
    main()
