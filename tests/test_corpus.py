"""The per-document corpus build: validation cached per document, an incremental store, errors that leave OUT intact."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from nkgraph.cli import main
from nkgraph.corpus import build_corpus, open_corpus, parse_document

EX = "https://example.org/corpus-test/"


def _line(s: str, p: str, o: str) -> str:
    return f"<{EX}{s}> <{EX}{p}> \"{o}\" .\n"


@pytest.fixture()
def tiny(tmp_path, monkeypatch) -> Path:
    """Three small documents (valid: no shape targets them) and a shared file; 'both' is stated by a and b."""
    monkeypatch.setenv("NKGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NKGRAPH_NO_CACHE", raising=False)
    corpus = tmp_path / "corpus"
    (corpus / "documents").mkdir(parents=True)
    (corpus / "shared.nt").write_text(_line("vocab", "label", "shared"), encoding="utf-8")
    (corpus / "documents" / "a.nt").write_text(_line("a1", "says", "one") + _line("a2", "says", "two") + _line("both", "says", "same"), encoding="utf-8")
    (corpus / "documents" / "b.nt").write_text(_line("b1", "says", "one") + _line("both", "says", "same"), encoding="utf-8")
    (corpus / "documents" / "c.nt").write_text(_line("c1", "says", "one") + _line("vocab", "label", "shared"), encoding="utf-8")
    return corpus


def _stored(out: Path) -> set[ox.Triple]:
    store = open_corpus(out)
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _expected(corpus: Path) -> set[ox.Triple]:
    out = set(parse_document(corpus / "shared.nt"))
    for path in (corpus / "documents").glob("*.nt"):
        out |= set(parse_document(path))
    return out


def test_full_build_holds_every_document_and_is_deterministic(tiny, tmp_path):
    first = build_corpus(tiny, tmp_path / "out1")
    assert first.validated == ["a", "b", "c"] and first.store_mode == "full"
    assert _stored(tmp_path / "out1") == _expected(tiny)
    second = build_corpus(tiny, tmp_path / "out2")
    assert second.validated == [] and second.cached == ["a", "b", "c"], "reports are cached by content, whatever the output folder"
    assert (tmp_path / "out1" / "manifest.json").read_bytes() == (tmp_path / "out2" / "manifest.json").read_bytes()
    assert _stored(tmp_path / "out2") == _stored(tmp_path / "out1")


def test_after_one_document_changes_only_it_is_validated_again(tiny, tmp_path):
    out = tmp_path / "out"
    build_corpus(tiny, out)
    again = build_corpus(tiny, out)
    assert again.validated == [] and again.store_mode == "unchanged"
    (tiny / "documents" / "b.nt").write_text(_line("b1", "says", "changed") + _line("both", "says", "same"), encoding="utf-8")
    result = build_corpus(tiny, out)
    assert result.validated == ["b"], "only the changed document is validated"
    assert result.cached == ["a", "c"]
    assert result.store_mode == "incremental" and result.changed == ["b"]
    stored = _stored(out)
    assert stored == _expected(tiny)
    assert ox.Triple(ox.NamedNode(EX + "b1"), ox.NamedNode(EX + "says"), ox.Literal("one")) not in stored


def test_a_moved_corpus_is_not_read_again(tiny, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build_corpus(tiny, out)
    moved = tiny.rename(tmp_path / "moved")  # a move keeps sizes and modification times
    read: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real(self))
    again = build_corpus(moved, out)
    assert again.store_mode == "unchanged" and again.validated == []
    # shared.nt is parsed by every build; the documents, known by their place in the corpus, are not read
    assert [name for name in read if name.endswith(".nt")] == ["shared.nt"]


def test_a_triple_leaves_the_store_only_when_no_document_states_it(tiny, tmp_path):
    out = tmp_path / "out"
    build_corpus(tiny, out)
    both = ox.Triple(ox.NamedNode(EX + "both"), ox.NamedNode(EX + "says"), ox.Literal("same"))
    vocab = ox.Triple(ox.NamedNode(EX + "vocab"), ox.NamedNode(EX + "label"), ox.Literal("shared"))
    (tiny / "documents" / "a.nt").write_text(_line("a1", "says", "one"), encoding="utf-8")
    build_corpus(tiny, out)
    assert both in _stored(out), "b still states it"
    (tiny / "documents" / "b.nt").write_text(_line("b1", "says", "one"), encoding="utf-8")
    (tiny / "documents" / "c.nt").unlink()  # c restated the shared vocabulary: it stays
    (tiny / "documents" / "d.nt").write_text(_line("d1", "says", "new"), encoding="utf-8")
    result = build_corpus(tiny, out)
    assert result.store_mode == "incremental" and sorted(result.changed) == ["b", "c", "d"]
    stored = _stored(out)
    assert both not in stored and vocab in stored
    assert stored == _expected(tiny)
    fresh = build_corpus(tiny, tmp_path / "fresh", use_cache=False)
    assert fresh.store_mode == "full" and _stored(tmp_path / "fresh") == stored


def test_a_document_that_does_not_parse_names_file_and_line_and_leaves_out_intact(tiny, tmp_path):
    out = tmp_path / "out"
    build_corpus(tiny, out)
    manifest = (out / "manifest.json").read_bytes()
    before = _stored(out)
    (tiny / "documents" / "b.nt").write_text(_line("b1", "says", "one") + f"<{EX}b2> <{EX}says> \"unclosed .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["corpus", "build", str(tiny), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert "b.nt:2" in result.output and "Traceback" not in result.output
    assert (out / "manifest.json").read_bytes() == manifest
    assert _stored(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no staging folder is left behind"


def test_a_document_with_violations_exits_1_and_leaves_out_intact(tiny, tmp_path):
    out = tmp_path / "out"
    build_corpus(tiny, out)
    manifest = (out / "manifest.json").read_bytes()
    (tiny / "documents" / "c.nt").write_text(f"<{EX}bad> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/nkgraph/ontology#Claim> .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["corpus", "build", str(tiny), "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert "c.nt" in result.output and "ClaimShape" in result.output
    assert (out / "manifest.json").read_bytes() == manifest
    again = CliRunner().invoke(main, ["corpus", "build", str(tiny), "--out", str(out), "-q"])
    assert again.exit_code == 1, "a cached failing report fails the build again"


def test_not_a_corpus_folder_and_no_build_are_errors(tmp_path):
    result = CliRunner().invoke(main, ["corpus", "build", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "shared.nt" in result.output
    result = CliRunner().invoke(main, ["corpus", "query", "stakes", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "nkgraph corpus build" in result.output


def test_a_synthetic_corpus_builds_and_answers_library_queries(built, tmp_path, monkeypatch):
    from nkgraph.synth import write_corpus

    monkeypatch.setenv("NKGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    info = write_corpus(built.out_dir / "nkgraph.nt", tmp_path / "corpus", triples=22_000, seed=4, share_range=(0.05, 0.1))
    assert info["chapters"] == 2 and info["news_documents"] >= 1
    result = CliRunner().invoke(main, ["corpus", "build", str(tmp_path / "corpus"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"validated {info['documents']}" in result.output
    query = CliRunner().invoke(main, ["corpus", "query", "references", "--out", str(tmp_path / "out"), "--format", "csv"])
    assert query.exit_code == 0, query.output
    for doc in info["docs"]:
        assert f"[{doc['slug']}]" in query.output, "each document's references are in the store"


def test_no_cache_reuses_nothing_but_records_the_fresh_reports(tiny, tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["corpus", "build", str(tiny), "--out", str(out), "--no-cache"])
    assert first.exit_code == 0, first.output
    assert "validated 3, reused 0" in first.output and "store full" in first.output
    again = build_corpus(tiny, out, use_cache=False)
    assert again.validated == ["a", "b", "c"] and again.cached == [] and again.store_mode == "full", "--no-cache reuses no report and no store"
    after = build_corpus(tiny, out)
    assert after.validated == [] and after.cached == ["a", "b", "c"], "the reports of a --no-cache build are cached"
    assert after.store_mode == "unchanged"
    (tiny / "documents" / "a.nt").write_text(_line("a1", "says", "other"), encoding="utf-8")
    changed = build_corpus(tiny, out)
    assert changed.validated == ["a"] and changed.store_mode == "incremental"
    assert _stored(out) == _expected(tiny)


def test_changes_in_several_documents_at_once_equal_a_clean_build(tiny, tmp_path):
    """Triples moving between documents changed in the same build, a document emptied, one with many new triples."""
    out = tmp_path / "out"
    build_corpus(tiny, out)
    a2 = ox.Triple(ox.NamedNode(EX + "a2"), ox.NamedNode(EX + "says"), ox.Literal("two"))
    # a drops a2 and both; b takes a2 over (so it stays), and no one states 'both' any more
    (tiny / "documents" / "a.nt").write_text(_line("a1", "says", "one"), encoding="utf-8")
    (tiny / "documents" / "b.nt").write_text(_line("a2", "says", "two") + "".join(_line(f"n{i}", "says", str(i)) for i in range(200)), encoding="utf-8")
    (tiny / "documents" / "c.nt").write_text("", encoding="utf-8")  # no triples: its hash file is empty
    result = build_corpus(tiny, out)
    assert result.store_mode == "incremental" and result.changed == ["a", "b", "c"]
    stored = _stored(out)
    assert a2 in stored, "b states it now"
    assert stored == _expected(tiny)
    assert stored == _stored(_clean(tiny, tmp_path / "clean"))
    (tiny / "documents" / "b.nt").write_text(_line("b1", "says", "one"), encoding="utf-8")  # the 200 leave again
    build_corpus(tiny, out)
    assert _stored(out) == _expected(tiny) == _stored(_clean(tiny, tmp_path / "clean2"))


def _clean(corpus: Path, out: Path) -> Path:
    assert build_corpus(corpus, out, use_cache=False).store_mode == "full"
    return out


def test_hashes_are_looked_up_in_each_sorted_file(tmp_path):
    import numpy as np

    from nkgraph.corpus import _stated_in

    files = [tmp_path / "empty.u64", tmp_path / "a.u64", tmp_path / "b.u64"]
    np.array([], dtype=np.uint64).tofile(files[0])
    np.array([5, 9, 2**64 - 1], dtype=np.uint64).tofile(files[1])
    np.array([1, 7], dtype=np.uint64).tofile(files[2])
    found = _stated_in(np.array([0, 1, 5, 6, 7, 10, 2**64 - 1, 2**64 - 2], dtype=np.uint64), files)
    assert found.tolist() == [False, True, True, False, True, False, True, False]


def test_replace_folder_swaps_and_restores_the_old_folder_on_failure(tmp_path, monkeypatch):
    import os

    from nkgraph import store as store_module

    target, staged = tmp_path / "store", tmp_path / "staged"
    for folder, text in ((target, "old"), (staged, "new")):
        folder.mkdir()
        (folder / "f").write_text(text, encoding="utf-8")
    real = os.replace

    def failing(src, dst):
        if Path(src) == staged:
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(store_module.os, "replace", failing)
    with pytest.raises(OSError):
        store_module.replace_folder(staged, target)
    assert (target / "f").read_text(encoding="utf-8") == "old", "the old folder is back"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staged", "store"], "nothing left aside"
    monkeypatch.setattr(store_module.os, "replace", real)
    assert store_module.replace_folder(staged, target) == target
    assert (target / "f").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
