"""The render cache (issue 14): unchanged tables are copied, not rendered again, byte for byte."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import docx
import pytest

import cqanalysis as cq
from cqanalysis.builder import build
from cqanalysis.corpus import CacheWarning
from cqanalysis.writers import latex as latex_writer
from cqanalysis.writers import word as word_writer
from cqanalysis.writers._render_cache import cache_key, render_cache
from cqanalysis.writers.latex import write_latex_tables
from cqanalysis.writers.word import write_word_document, write_word_tables

from .conftest import SEED_PATH

#: The captions of the seed chapter's six tables, as the chapter writes them.
SEED_CAPTIONS = [
    "表5.1.1 政府职能转变对策建议",
    "表5.2.1 区域协调机构建设对策建议",
    "表5.3.1 法律法规与政策体系完善对策建议",
    "表5.4.1 要素流动与公共服务共建共享对策建议",
    "表5.5.1 信息共享与智慧协同对策建议",
    "表5.6.1 人才队伍建设对策建议",
]
#: Their titles, which LaTeX captions carry (LaTeX numbers the tables itself).
SEED_TITLES = [
    "政府职能转变对策建议",
    "区域协调机构建设对策建议",
    "法律法规与政策体系完善对策建议",
    "要素流动与公共服务共建共享对策建议",
    "信息共享与智慧协同对策建议",
    "人才队伍建设对策建议",
]
# a cell of table 5.2.1 (its 专业化机构 row), found nowhere else in the chapter
CELL_5_2_1 = "组建常设专业办公室或研究机构"


@pytest.fixture
def renders(monkeypatch) -> dict[str, list[str]]:
    """The captions each writer renders (rather than copies), in order."""
    seen: dict[str, list[str]] = {"word": [], "latex": [], "fragment": []}
    render_word, table_tex = word_writer._render_table, latex_writer._table_tex
    table_fragment = word_writer._table_fragment

    def word(t, path):
        seen["word"].append(t.caption)
        return render_word(t, path)

    def latex(**kwargs):
        seen["latex"].append(kwargs["caption"])
        return table_tex(**kwargs)

    def fragment(number, t, text_width):
        seen["fragment"].append(t.title)
        return table_fragment(number, t, text_width)

    monkeypatch.setattr(word_writer, "_render_table", word)
    monkeypatch.setattr(latex_writer, "_table_tex", latex)
    monkeypatch.setattr(word_writer, "_table_fragment", fragment)
    return seen


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != ".cache"}


def _entries(cache: Path) -> set[str]:
    return {p.name for p in cache.glob("??/*")}


def _write_both(out: Path, frames) -> list[Path]:
    return [*write_word_tables(out / "word", frames=frames),
            *write_latex_tables(out / "latex", frames=frames, standalone=False)]


def _edited_seed(folder: Path) -> cq.Document:
    """The seed chapter with one cell of table 5.2.1 reworded."""
    text = SEED_PATH.read_text(encoding="utf-8")
    assert text.count(CELL_5_2_1) == 1
    path = folder / SEED_PATH.name
    path.write_text(text.replace(CELL_5_2_1, "组建常设专业办公室"), encoding="utf-8")
    return cq.parse(path)


def test_rebuild_with_another_codebook_copies_source_tables_byte_for_byte(
        seed_build, tmp_path, renders):
    built, _ = seed_build
    warm = tmp_path / "warm"
    shutil.copytree(built, warm)  # the reports and their caches, as a user's folder holds them
    build([SEED_PATH], out=warm, codebooks=["instruments", "levels"], progress=False)
    # the source tables do not depend on the codebook: none is rendered again, neither as a
    # file nor as a table of the thesis document
    assert [c for c in renders["word"] + renders["latex"] if c in SEED_CAPTIONS] == []
    assert [t for t in renders["fragment"] if t in SEED_TITLES] == []
    assert (warm / "word" / "对策建议表图.docx").is_file()
    assert len(list((warm / "word").glob("表5.*.docx"))) == 6
    assert (warm / ".cache" / "render").is_dir()

    cold = tmp_path / "cold"
    build([SEED_PATH], out=cold, codebooks=["instruments", "levels"], progress=False,
          cache=False)
    assert not (cold / ".cache").exists()
    assert [c for c in renders["word"] if c in SEED_CAPTIONS] == SEED_CAPTIONS
    assert [t for t in renders["fragment"] if t in SEED_TITLES] == SEED_TITLES
    warm_files, cold_files = _files(warm), _files(cold)
    assert sorted(warm_files) == sorted(cold_files)
    assert [name for name in cold_files if warm_files[name] != cold_files[name]] == []


def test_a_changed_table_alone_is_rendered_again(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    with render_cache(cache):
        _write_both(tmp_path / "first", seed.frames())
    assert renders == {"word": SEED_CAPTIONS, "latex": SEED_TITLES, "fragment": []}
    renders["word"].clear()
    renders["latex"].clear()
    with render_cache(cache):
        second = _write_both(tmp_path / "second", _edited_seed(tmp_path).frames())
    assert renders == {"word": ["表5.2.1 区域协调机构建设对策建议"],
                       "latex": ["区域协调机构建设对策建议"], "fragment": []}
    assert [p.name for p in second[:2]] == ["表5.1.1_政府职能转变对策建议.docx",
                                            "表5.2.1_区域协调机构建设对策建议.docx"]
    # the copied table is the first pass's file; the changed one holds the new wording
    assert second[0].read_bytes() == (tmp_path / "first" / "word" / second[0].name).read_bytes()
    tex = (tmp_path / "second" / "latex" / "表5.2.1_区域协调机构建设对策建议.tex")
    assert "组建常设专业办公室 &" in tex.read_text(encoding="utf-8")


def test_a_corrupt_entry_is_never_served(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    with render_cache(cache):
        first = write_word_tables(tmp_path / "first", frames=seed.frames())
    entries = sorted(cache.glob("??/*"))
    assert len(entries) == 6
    for k, entry in enumerate(entries):
        data = entry.read_bytes()
        # truncated, one byte flipped, or the header of another entry
        corrupt = [data[:-10], data[:-1] + bytes([data[-1] ^ 1]),
                   entries[0].read_bytes() if k else entries[1].read_bytes()][k % 3]
        entry.write_bytes(corrupt)
    renders["word"].clear()
    with pytest.warns(CacheWarning, match=r"corrupt or foreign render cache entry \(and 5 more\)"
                      r"; rendered again"), render_cache(cache):
        second = write_word_tables(tmp_path / "second", frames=seed.frames())
    assert renders["word"] == SEED_CAPTIONS
    assert [p.read_bytes() for p in second] == [p.read_bytes() for p in first]
    # the entries were rewritten whole: a third pass renders nothing and warns nothing
    renders["word"].clear()
    with render_cache(cache):
        third = write_word_tables(tmp_path / "third", frames=seed.frames())
    assert renders["word"] == []
    assert [p.read_bytes() for p in third] == [p.read_bytes() for p in first]


def test_entries_the_last_build_did_not_use_are_removed(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    (cache / "notes").mkdir(parents=True)
    (cache / "notes" / "mine.txt").write_text("the user's", encoding="utf-8")
    (cache / "README.txt").write_text("the user's", encoding="utf-8")
    with render_cache(cache):
        _write_both(tmp_path / "first", seed.frames())
    before = _entries(cache)
    assert len(before) == 12  # six tables, Word and LaTeX
    with render_cache(cache):
        _write_both(tmp_path / "second", _edited_seed(tmp_path).frames())
    after = _entries(cache)
    # table 5.2.1's two old renders are gone, its two new ones came; nothing else changed
    assert len(after) == 12
    assert len(before - after) == 2
    assert len(after - before) == 2
    assert (cache / "README.txt").is_file()
    assert (cache / "notes" / "mine.txt").is_file()


def test_a_failed_build_removes_nothing(seed, tmp_path):
    cache = tmp_path / "cache"
    with render_cache(cache):
        write_word_tables(tmp_path / "first", frames=seed.frames())
    with pytest.raises(RuntimeError), render_cache(cache):
        raise RuntimeError("an exporter failed before writing a table")
    assert len(_entries(cache)) == 6


def test_without_a_cache_every_table_is_rendered(seed, tmp_path, renders):
    write_word_tables(tmp_path / "a", frames=seed.frames())
    write_word_tables(tmp_path / "b", frames=seed.frames())
    assert renders["word"] == SEED_CAPTIONS + SEED_CAPTIONS
    with render_cache(None) as cache:
        write_latex_tables(tmp_path / "c", frames=seed.frames())
    assert cache is None
    assert len(renders["latex"]) == 6
    assert list(tmp_path.rglob("??/*")) == []


def test_the_key_covers_writer_code_timestamp_kind_and_content(tmp_path, monkeypatch):
    one, two = tmp_path / "one.py", tmp_path / "two.py"
    one.write_text("x = 1\n", encoding="utf-8")
    two.write_text("x = 2\n", encoding="utf-8")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    key = cache_key("word-table", ["表1", ["a"]], [str(one)])
    assert key == cache_key("word-table", ["表1", ["a"]], [str(one)])
    assert key != cache_key("word-table", ["表1", ["a"]], [str(two)])
    assert key != cache_key("latex-table", ["表1", ["a"]], [str(one)])
    assert key != cache_key("word-table", ["表1", ["b"]], [str(one)])
    # a cell boundary is part of the content: ["ab"] is not ["a", "b"]
    assert cache_key("word-table", [["ab"]], [str(one)]) != cache_key(
        "word-table", [["a", "b"]], [str(one)])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert key != cache_key("word-table", ["表1", ["a"]], [str(one)])


# ---------------------------------------------------------------- the thesis document


def _thesis(path: Path, frames) -> bytes:
    return write_word_document(path, frames=frames).read_bytes()


def test_thesis_document_tables_come_from_the_cache_byte_for_byte(seed, tmp_path, renders):
    uncached = _thesis(tmp_path / "none.docx", seed.frames())
    assert renders["fragment"] == SEED_TITLES  # no cache: every table is built
    renders["fragment"].clear()
    cache = tmp_path / "cache"
    with render_cache(cache) as cold:
        first = _thesis(tmp_path / "cold.docx", seed.frames())
    assert renders["fragment"] == SEED_TITLES
    assert (cold.hits, cold.misses) == (0, 6)
    renders["fragment"].clear()
    with render_cache(cache) as warm:
        second = _thesis(tmp_path / "warm.docx", seed.frames())
    assert renders["fragment"] == []
    assert (warm.hits, warm.misses) == (6, 0)
    assert first == second == uncached


def test_a_changed_table_alone_is_built_again_in_the_thesis_document(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    with render_cache(cache):
        _thesis(tmp_path / "first.docx", seed.frames())
    renders["fragment"].clear()
    edited = _edited_seed(tmp_path).frames()
    with render_cache(cache):
        second = _thesis(tmp_path / "second.docx", edited)
    assert renders["fragment"] == ["区域协调机构建设对策建议"]
    assert second == _thesis(tmp_path / "uncached.docx", edited)
    doc = docx.Document(tmp_path / "second.docx")
    assert [c.text for c in doc.tables[1].rows[4].cells] == [
        "专业化机构", "组建常设专业办公室", "提升日常协调效率,支持政策研究"]
    # the old wording's fragment was not used: the build removed it
    assert len(_entries(cache)) == 6


def test_a_corrupt_thesis_fragment_is_never_served(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    with render_cache(cache):
        first = _thesis(tmp_path / "first.docx", seed.frames())
    entries = sorted(cache.glob("??/*"))
    assert len(entries) == 6
    # one entry's table changed inside, its header left as it was: the digest catches it
    data = entries[0].read_bytes()
    assert b"<w:tbl>" in data
    entries[0].write_bytes(data.replace(b"<w:tbl>", b"<w:tbl><w:tr/>", 1))
    # another cut short, so that it does not even parse
    entries[1].write_bytes(entries[1].read_bytes()[:-20])
    renders["fragment"].clear()
    with pytest.warns(CacheWarning, match=r"corrupt or foreign render cache entry \(and 1 more\)"
                      ), render_cache(cache):
        second = _thesis(tmp_path / "second.docx", seed.frames())
    assert len(renders["fragment"]) == 2
    assert second == first


#: Cell texts whose XML is easy to get wrong: empty, spaces at the ends, a carriage return,
#: a tab, markup characters, an ideographic space, an empty line between two.
AWKWARD = ["", " 前有空格", "后有空格 ", "甲\r\n乙", "制\t表", "A&B <c> \"d\"", "\u3000全角",
           "多\n\n行", "  "]


def test_awkward_cells_survive_the_cache_as_python_docx_writes_them(seed, tmp_path):
    frames = seed.frames()
    rows = frames["rows"].astype({"measure": object})
    rows.loc[rows.index[:len(AWKWARD)], "measure"] = AWKWARD
    frames = {**frames, "rows": rows}
    uncached = _thesis(tmp_path / "none.docx", frames)
    with render_cache(tmp_path / "cache"):
        cold = _thesis(tmp_path / "cold.docx", frames)
    with render_cache(tmp_path / "cache") as warm:
        hot = _thesis(tmp_path / "warm.docx", frames)
    assert warm.hits == 6
    assert cold == hot == uncached
    with zipfile.ZipFile(tmp_path / "warm.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    # python-docx writes an empty text as <w:t></w:t> and keeps a carriage return as &#13;
    assert "<w:t></w:t>" in xml
    # (a carriage return is white space at the end: the text keeps its spaces)
    assert '<w:t xml:space="preserve">甲&#13;</w:t></w:r><w:r>' in xml
    assert '<w:t xml:space="preserve"> 前有空格</w:t>' in xml
    assert '<w:t xml:space="preserve">  </w:t>' in xml
    assert "<w:t>A&amp;B &lt;c&gt; \"d\"</w:t>" in xml
    # table 5.1.1 has four rows, 5.2.1 five: the measures column of both, read back by Word's
    # reader (a break reads as a newline, a carriage return stays one)
    tables = docx.Document(tmp_path / "warm.docx").tables
    cells = [row.cells[1].text for table in tables[:2] for row in table.rows[1:]]
    assert cells == ["", " 前有空格", "后有空格 ", "甲\r\n乙", "制\t表", "A&B <c> \"d\"",
                     "\u3000全角", "多\n\n行", "  "]
