"""The render cache (issue 14): unchanged tables are copied, not rendered again, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import cqanalysis as cq
from cqanalysis.builder import build
from cqanalysis.corpus import CacheWarning
from cqanalysis.writers import latex as latex_writer
from cqanalysis.writers import word as word_writer
from cqanalysis.writers._render_cache import cache_key, render_cache
from cqanalysis.writers.latex import write_latex_tables
from cqanalysis.writers.word import write_word_tables

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
    seen: dict[str, list[str]] = {"word": [], "latex": []}
    render_word, table_tex = word_writer._render_table, latex_writer._table_tex

    def word(t, path):
        seen["word"].append(t.caption)
        return render_word(t, path)

    def latex(**kwargs):
        seen["latex"].append(kwargs["caption"])
        return table_tex(**kwargs)

    monkeypatch.setattr(word_writer, "_render_table", word)
    monkeypatch.setattr(latex_writer, "_table_tex", latex)
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
    # the source tables do not depend on the codebook: none is rendered again
    assert [c for c in renders["word"] + renders["latex"] if c in SEED_CAPTIONS] == []
    assert len(list((warm / "word").glob("表5.*.docx"))) == 6
    assert (warm / ".cache" / "render").is_dir()

    cold = tmp_path / "cold"
    build([SEED_PATH], out=cold, codebooks=["instruments", "levels"], progress=False,
          cache=False)
    assert not (cold / ".cache").exists()
    assert [c for c in renders["word"] if c in SEED_CAPTIONS] == SEED_CAPTIONS
    warm_files, cold_files = _files(warm), _files(cold)
    assert sorted(warm_files) == sorted(cold_files)
    assert [name for name in cold_files if warm_files[name] != cold_files[name]] == []


def test_a_changed_table_alone_is_rendered_again(seed, tmp_path, renders):
    cache = tmp_path / "cache"
    with render_cache(cache):
        _write_both(tmp_path / "first", seed.frames())
    assert renders == {"word": SEED_CAPTIONS, "latex": SEED_TITLES}
    renders["word"].clear()
    renders["latex"].clear()
    with render_cache(cache):
        second = _write_both(tmp_path / "second", _edited_seed(tmp_path).frames())
    assert renders == {"word": ["表5.2.1 区域协调机构建设对策建议"],
                       "latex": ["区域协调机构建设对策建议"]}
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
