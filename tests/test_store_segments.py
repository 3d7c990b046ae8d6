"""The embedded engine's FAISS segments: one small segment per write, tiered merges that drop
tombstones, IVF for big segments, and `newsbot compact`."""

from __future__ import annotations

import numpy as np

from conftest import DIM, write_config
from index import segments as seg
from index.article import Article
from index.config import IndexSettings
from index.embedded import EmbeddedStore
from index.ingest import ingest_articles


def _article(i: int, extra: str = "") -> Article:
    return Article(doc_id=f"a{i}", text=f"Council meeting {i} in the town of Brel{i}ville approved budget line {i * 11}.{extra}", origin="t")


def test_small_writes_are_merged_by_tier_and_tombstones_dropped(tmp_path, embedder):
    store = EmbeddedStore(tmp_path / "idx")
    for i in range(seg.MERGE_FACTOR - 1):
        ingest_articles([_article(i)], store, IndexSettings(), embedder, DIM)
    assert len(list(store.seg_dir.iterdir())) == seg.MERGE_FACTOR - 1  # one per write, nothing rewritten
    # Replace one article (its old vector becomes a tombstone), which is also the 8th write: merge.
    ingest_articles([_article(3, " Amended later.")], store, IndexSettings(), embedder, DIM)
    [merged] = store.seg_dir.iterdir()
    corpus = store.load(embedder, DIM)
    assert len(corpus._segments) == 1 and corpus._segments[0][1].ntotal == seg.MERGE_FACTOR - 1  # the tombstone is gone
    assert corpus.chunk_count == seg.MERGE_FACTOR - 1
    hits = corpus.dense(embedder.get_query_embedding("Council meeting 3 in the town of Brel3ville"), 3)
    assert hits[0][0] == "a3#0" and corpus.node("a3#0").get_content().endswith("Amended later.")
    for i in range(seg.MERGE_FACTOR - 1):
        assert np.allclose(corpus.chunk_vector(f"a{i}#0"), embedder.get_text_embedding(corpus.node(f"a{i}#0").get_content()), atol=1e-5)


def test_compact_merges_everything_and_keeps_answers(tmp_path, embedder, capsys):
    from bot.cli import main

    index_dir = tmp_path / "idx"
    store = EmbeddedStore(index_dir)
    for i in range(3):
        ingest_articles([_article(i)], store, IndexSettings(), embedder, DIM)
    config = write_config(tmp_path / "c.yaml", index_dir)
    generation = store.generation()
    assert main(["--config", str(config), "compact", "--index", str(index_dir)]) == 0
    assert "3 segments merged" in capsys.readouterr().out
    assert len(list(store.seg_dir.iterdir())) == 1 and store.generation() == generation + 1
    corpus = store.load(embedder, DIM)
    assert corpus.dense(embedder.get_query_embedding("Brel2ville budget"), 1)[0][0] == "a2#0"


def test_big_segments_are_ivf_with_high_recall(tmp_path, monkeypatch):
    """IVF replaces exact search from IVF_MIN vectors on (lowered here to keep the test fast)."""
    monkeypatch.setattr(seg, "IVF_MIN", 5000)
    monkeypatch.setattr(seg, "IVF_TRAIN", 5000)
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(50, DIM)).astype("float32")
    x = centres[rng.integers(0, 50, 20000)] + rng.normal(scale=0.6, size=(20000, DIM)).astype("float32")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = seg.build(x)
    path = tmp_path / "seg.faiss"
    seg.write(index, path)
    loaded = seg.read(path)
    assert "IVF" in type(loaded).__name__
    assert np.allclose(loaded.reconstruct(123), x[123])
    queries = x[rng.choice(len(x), 50, replace=False)] + rng.normal(scale=0.05, size=(50, DIM)).astype("float32")
    found = 0
    for q in queries:
        exact = set(np.argsort(-(x @ q))[:10])
        _, pos = seg.search(loaded, q.astype("float32"), 10)
        found += len(exact & set(pos.tolist()))
    assert found / 500 >= 0.9
