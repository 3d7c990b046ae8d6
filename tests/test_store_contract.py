"""The storage contract (index/store.py), run against every engine.

Each engine is a `backend` param giving fresh locations; the same tests must pass on all of them: the
embedded engine ("faiss": SQLite + FAISS segments + FTS5) and PostgreSQL ("pg": pgvector + full-text
search; `postgresql://` URLs of fresh databases on a real server started for the session, conftest.py).
Real parts throughout: the bundled embedder, real FAISS/SQLite, real processes for concurrent writers.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import DIM, REPO, make_settings
from index.article import Article
from index.config import IndexSettings
from index.ingest import ingest_articles
from index.store import Corpus, IndexError_, Store, open_store

FERRY = ("The harbour authority of Port Velmar approved a new ferry terminal on Tuesday after a two-year review. "
         "The terminal will cost 40 million euros and is due to open in 2027, officials said.")
MOOSE = "A rare white moose was photographed near the lake shore by a hiker from Tarsk, wildlife officials confirmed on Monday."
SPIRE = ("Lightning struck the cathedral spire in Morvane on Friday night, causing a small fire that firefighters "
         "put out within an hour. Nobody was hurt, the fire brigade said.")
VOLCANO = ("The Kirrin volcano erupted on Sunday morning, sending an ash cloud nine kilometres high; "
           "flights at Ostmark airport were cancelled for two days, the aviation authority said.")

_counter = itertools.count()


@pytest.fixture(params=["faiss", "pg"])
def backend(request, tmp_path: Path):
    """A factory of fresh, empty locations for one engine."""
    if request.param == "faiss":
        return lambda: str(tmp_path / f"idx{next(_counter)}")
    if request.param == "pg":
        return request.getfixturevalue("pg_url")
    raise AssertionError(request.param)


def art(doc_id: str, text: str, **meta) -> Article:
    return Article(doc_id=doc_id, text=text, origin=f"test:{doc_id}", **meta)


def run(location: str, embedder, *articles: Article, **settings):
    return ingest_articles(list(articles), open_store(location), IndexSettings(**settings), embedder, DIM)


def view(location: str, embedder) -> Corpus:
    return open_store(location).load(embedder, DIM)


def check_consistent(corpus: Corpus) -> None:
    """Records, texts, chunks and vectors agree; every chunk is its article's text at its offsets."""
    n = 0
    for doc_id, rec in corpus.docs.items():
        assert (doc_id in corpus.texts) == (rec.duplicate_of is None)
        for cid in rec.chunk_ids:
            node = corpus.node(cid)
            assert node.metadata["doc_id"] == doc_id
            assert corpus.texts[doc_id][node.start_char_idx : node.end_char_idx] == node.get_content()
            assert len(corpus.chunk_vector(cid)) == DIM
            n += 1
    assert n == corpus.chunk_count


def test_ingest_then_read_dense_keyword_and_nodes(backend, embedder):
    loc = backend()
    store = open_store(loc)
    assert isinstance(store, Store) and not store.exists() and store.generation() == 0
    report = run(loc, embedder, art("ferry", FERRY, title="Terminal", source="Velmar Post", published_at="2025-02-01"),
                 art("moose", MOOSE, source="Tarsk Times"), art("spire", SPIRE))
    assert (report.added, report.chunks_total) == (3, 3)
    assert store.exists() and store.generation() > 0

    corpus = view(loc, embedder)
    check_consistent(corpus)
    assert set(corpus.docs) == {"ferry", "moose", "spire"} and len(corpus.docs) == 3
    assert corpus.docs["ferry"].metadata["title"] == "Terminal" and corpus.texts["ferry"] == FERRY
    assert corpus.outlet_count() == 3  # two named outlets + one article without one
    stats = corpus.stats()
    assert (stats.articles, stats.chunks, stats.outlets) == (3, 3, ["Tarsk Times", "Velmar Post"])
    assert stats.first_published == stats.last_published == "2025-02-01"

    q = embedder.get_query_embedding("white moose seen by a hiker")
    dense = corpus.dense(q, 2)
    assert [c for c, _ in dense][0] == "moose#0" and dense[0][1] > dense[1][1]
    assert corpus.keyword("Which moose did the hiker photograph?", 5)[0] == "moose#0"
    assert corpus.keyword("volcano", 5) == []
    assert "missing" not in corpus.docs and "missing" not in corpus.texts
    with pytest.raises(KeyError):
        corpus.node("missing#0")


def test_keyword_search_takes_any_user_text(backend, embedder):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY), art("spire", SPIRE))
    corpus = view(loc, embedder)
    for q in ['"ferry', "ferry AND", "NEAR(ferry spire)", "fer*", "body:ferry", "ferry OR OR", "-ferry ^spire", "(((", "'", "ferry's \"terminal\"",
              "", "the of and", "Ferry-terminal!? 40%"]:
        hits = corpus.keyword(q, 5)
        assert isinstance(hits, list)
    assert corpus.keyword('ferry AND "terminal', 5)[0] == "ferry#0"


def test_update_replaces_chunks_everywhere(backend, embedder):
    loc = backend()
    old = " ".join(f"Item {i} of the harbour inquiry: witness number {i} described event {i * 7} in detail." for i in range(12))
    run(loc, embedder, art("report", old), art("moose", MOOSE), chunk_size=48, chunk_overlap=8)
    before = view(loc, embedder)
    assert len(before.docs["report"].chunk_ids) > 3
    gen = open_store(loc).generation()

    new = "The harbour inquiry was closed on Wednesday without hearing any witnesses, the chairman said."
    report = run(loc, embedder, art("report", new), art("moose", MOOSE), chunk_size=48, chunk_overlap=8)
    assert (report.updated, report.unchanged, report.chunks_embedded) == (1, 1, 1)
    assert open_store(loc).generation() != gen

    after = view(loc, embedder)
    check_consistent(after)
    assert after.texts["report"] == new and after.docs["report"].chunk_ids == ["report#0"]
    assert after.chunk_count == 2
    dense = after.dense(embedder.get_query_embedding("witness number 5 described event 35"), 10)
    assert {c for c, _ in dense} == {"report#0", "moose#0"}  # old vectors are gone (tombstoned), not returned
    assert after.keyword("witness number 5 described event 35", 10) == ["report#0"]
    assert after.node("report#0").get_content() == new


def test_unchanged_input_commits_nothing(backend, embedder):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY))
    gen = open_store(loc).generation()
    report = run(loc, embedder, art("ferry", FERRY))
    assert (report.unchanged, report.chunks_embedded) == (1, 0)
    assert open_store(loc).generation() == gen


def test_identical_text_is_recorded_not_embedded(backend, embedder):
    loc = backend()
    report = run(loc, embedder, art("wire", SPIRE, source="Wire"), art("copy", SPIRE, source="Paper"))
    assert (report.added, report.duplicates, report.chunks_embedded) == (2, 1, 1)
    corpus = view(loc, embedder)
    check_consistent(corpus)
    assert corpus.docs["copy"].duplicate_of == "wire" and corpus.docs["copy"].chunk_ids == []
    assert "copy" not in corpus.texts
    assert corpus.duplicates_index().get("wire") == ["copy"] and corpus.duplicates_index().get("copy") is None

    # The original changes: its copy becomes the indexed holder of the old text.
    run(loc, embedder, art("wire", SPIRE + " Updated later.", source="Wire"))
    corpus = view(loc, embedder)
    check_consistent(corpus)
    assert corpus.docs["copy"].duplicate_of is None and corpus.texts["copy"] == SPIRE and corpus.docs["copy"].chunk_ids
    assert dict(corpus.duplicates_index()) == {}


def test_delete_removes_an_article_everywhere(backend, embedder):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY), art("moose", MOOSE))
    store = open_store(loc)
    with store.writer(DIM) as w:
        w.delete("moose")
    corpus = view(loc, embedder)
    check_consistent(corpus)
    assert set(corpus.docs) == {"ferry"}
    assert [c for c, _ in corpus.dense(embedder.get_query_embedding("white moose"), 5)] == ["ferry#0"]
    assert corpus.keyword("moose hiker", 5) == []
    with pytest.raises(KeyError):
        corpus.node("moose#0")


def test_a_failed_write_changes_nothing(backend, embedder):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY))
    store = open_store(loc)
    gen = store.generation()
    with pytest.raises(RuntimeError):
        with store.writer(DIM) as w:
            w.delete("ferry")
            raise RuntimeError("crash mid-write")
    assert store.generation() == gen and set(view(loc, embedder).docs) == {"ferry"}


def test_other_embedding_settings_are_refused(backend, embedder):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY))
    with pytest.raises(IndexError_, match="chunk_size 128 -> 64"):
        run(loc, embedder, art("moose", MOOSE), chunk_size=64)


@pytest.mark.parametrize("put", [
    lambda w: w.put_title("ferry", "Ferry", [0.1] * 3),  # another model's width
    lambda w: w.put_title("ferry", "Ferry", [[0.1] * DIM]),  # a batch where one vector belongs
])
def test_a_headline_vector_of_the_wrong_shape_is_refused_and_nothing_is_lost(backend, embedder, put):
    loc = backend()
    run(loc, embedder, art("ferry", FERRY, title="Port Velmar approves ferry terminal"))
    before = view(loc, embedder).title_vectors(["ferry"])["ferry"]
    with pytest.raises(IndexError_, match=rf"-d headline vector for a {DIM}-d index"):
        with open_store(loc).writer(DIM) as w:
            put(w)
    after = view(loc, embedder)
    assert set(after.docs) == {"ferry"} and np.array_equal(after.title_vectors(["ferry"])["ferry"], before)


def test_ask_cites_verbatim_and_refuses_off_corpus(backend, embedder):
    from bot.service import Newsbot

    loc = backend()
    run(loc, embedder, art("ferry", FERRY, title="Terminal approved", source="Velmar Post"), art("moose", MOOSE), art("spire", SPIRE),
        art("volcano", VOLCANO, source="Ostmark Radio"))
    bot = Newsbot(make_settings(Path("unused")), index_dir=loc, llm=None)
    answer = bot.ask("What did the harbour authority of Port Velmar approve?")
    assert not answer.refused and answer.citations
    assert answer.citations[0].doc_id == "ferry" and "ferry terminal" in answer.answer
    for c in answer.citations:
        assert c.quote in bot.corpus.texts[c.doc_id]
    assert answer.citations[0].source == "Velmar Post" and answer.citations[0].title == "Terminal approved"

    refused = bot.ask("Who won the 1998 chess olympiad in Elista?")
    assert refused.refused and not refused.citations
    stats = bot.stats()
    assert (stats.articles, stats.chunks) == (4, 4)


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from index.article import Article
    from index.config import IndexSettings
    from index.embedding import get_embedder
    from index.ingest import ingest_articles
    from index.store import open_store
    loc, prefix = sys.argv[1], sys.argv[2]
    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    arts = [Article(doc_id=f"{{prefix}}-{{i}}", text=f"Report {{i}} from the {{prefix}} desk: the council of {{prefix}}ville voted {{i}} times on budget item {{i * 3}}.",
                    origin=prefix) for i in range(20)]
    for a in arts:  # one transaction per article, so the two writers interleave
        ingest_articles([a], open_store(loc), IndexSettings(), embedder, {dim})
    print("done")
""")


def test_concurrent_writers_in_two_processes_both_land(backend, embedder, tmp_path):
    loc = backend()
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(repo=str(REPO), dim=DIM))
    procs = [subprocess.Popen([sys.executable, str(script), loc, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("north", "south")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and "done" in out, err[-2000:]
    corpus = view(loc, embedder)
    check_consistent(corpus)
    assert set(corpus.docs) == {f"{n}-{i}" for n in ("north", "south") for i in range(20)}
    assert corpus.keyword("southville budget item 27", 3)[0] == "south-9#0"


# ---- headline vectors: made at ingest, stored next to the article ---------------------------------------


def _cos(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype="float32"), np.asarray(b, dtype="float32")
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _stored_title(loc: str, doc_id: str) -> str | None:
    with open_store(loc).writer(DIM) as w:
        title = w.stored_title(doc_id)
        w.changed = False
    return title


def test_headline_vectors_are_stored_at_ingest_replaced_and_removed(backend, embedder):
    loc = backend()
    report = run(loc, embedder, art("ferry", FERRY, title="  Port Velmar approves ferry terminal "), art("moose", MOOSE),
                 art("spire", SPIRE, title="   "), art("copy", FERRY + " ", title="Copy"))
    assert (report.added, report.titles_embedded) == (4, 2)  # no title, a blank one: nothing to embed
    corpus = view(loc, embedder)
    stored = corpus.title_vectors(["ferry", "moose", "spire", "copy", "nowhere"])
    assert set(stored) == {"ferry", "copy"}
    assert stored["ferry"].dtype.name == "float32" and stored["ferry"].shape == (DIM,)
    # The same text that query time embedded before: the stripped title, by the same model.
    assert _cos(stored["ferry"], embedder.get_text_embedding("Port Velmar approves ferry terminal")) > 0.9999

    # A metadata-only change of the title: the headline alone is embedded again.
    report = run(loc, embedder, art("ferry", FERRY, title="Ferry terminal approved after review"))
    assert (report.updated, report.chunks_embedded, report.titles_embedded) == (1, 0, 1)
    new = view(loc, embedder).title_vectors(["ferry"])["ferry"]
    assert _cos(new, embedder.get_text_embedding("Ferry terminal approved after review")) > 0.9999
    assert _cos(new, stored["ferry"]) < 0.99
    # Another metadata change that keeps the title keeps its vector (nothing embedded).
    report = run(loc, embedder, art("ferry", FERRY, title="Ferry terminal approved after review", source="Velmar Post"))
    assert (report.updated, report.titles_embedded) == (1, 0)
    # The title removed: so is its vector.
    report = run(loc, embedder, art("ferry", FERRY, source="Velmar Post"))
    assert report.titles_embedded == 0 and view(loc, embedder).title_vectors(["ferry"]) == {}
    assert _stored_title(loc, "ferry") is None

    # New text and title: replaced with the article.
    run(loc, embedder, art("ferry", FERRY + " The mayor welcomed it.", title="Mayor welcomes terminal"))
    assert _cos(view(loc, embedder).title_vectors(["ferry"])["ferry"], embedder.get_text_embedding("Mayor welcomes terminal")) > 0.9999

    # Deleted with the article.
    with open_store(loc).writer(DIM) as w:
        w.delete("copy")
    assert view(loc, embedder).title_vectors(["copy", "ferry"]).keys() == {"ferry"}
    assert _stored_title(loc, "copy") is None


def test_a_duplicate_has_no_headline_vector_until_it_holds_the_text(backend, embedder):
    loc = backend()
    run(loc, embedder, art("wire", SPIRE, title="Spire struck"), art("paper", SPIRE, title="Lightning hits spire"))
    assert set(view(loc, embedder).title_vectors(["wire", "paper"])) == {"wire"}  # no chunks of its own: never a hit
    run(loc, embedder, art("wire", SPIRE + " Updated later.", title="Spire struck"))
    stored = view(loc, embedder).title_vectors(["wire", "paper"])
    assert set(stored) == {"wire", "paper"}
    assert _cos(stored["paper"], embedder.get_text_embedding("Lightning hits spire")) > 0.9999


def _drop_titles(loc: str) -> None:
    """Make the index look written before headline vectors were stored: no table of them."""
    if loc.startswith("postgresql://"):
        import psycopg2

        con = psycopg2.connect(loc)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("DROP TABLE newsbot_titles")
        con.close()
    else:
        import sqlite3

        con = sqlite3.connect(str(Path(loc) / "store.sqlite"))
        con.execute("DROP TABLE titles")
        con.commit()
        con.close()


def test_search_reads_stored_headlines_and_an_older_index_still_answers(backend, embedder, tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from bot.service import Newsbot
    from conftest import write_config
    from index.config import RetrievalSettings
    from index.retrieve import HybridRetriever

    loc = backend()
    run(loc, embedder, art("ferry", FERRY, title="Port Velmar approves ferry terminal", source="Velmar Post"),
        art("moose", MOOSE, title="White moose seen near Tarsk"), art("spire", SPIRE), art("volcano", VOLCANO, title="Kirrin erupts"))
    question = "What did the harbour authority of Port Velmar approve?"
    embedded: list[str] = []
    original = type(embedder).get_text_embedding_batch
    monkeypatch.setattr(type(embedder), "get_text_embedding_batch", lambda self, b, **kw: embedded.extend(b) or original(self, b, **kw))

    def search() -> list[tuple[str, float, float]]:
        hits = HybridRetriever(view(loc, embedder), RetrievalSettings(), embedder).search(question)
        return [(h.chunk_id, round(h.title_sim, 4), round(h.score, 5)) for h in hits]

    stored = search()
    assert embedded == []  # nothing but the question (get_query_embedding) is embedded at query time
    assert stored[0][0] == "ferry#0" and stored[0][1] > 0.3

    _drop_titles(loc)
    assert view(loc, embedder).title_vectors(["ferry"]) == {}
    fallback = search()
    assert sorted(embedded) == ["Kirrin erupts", "Port Velmar approves ferry terminal", "White moose seen near Tarsk"]
    assert fallback == stored  # the same headline similarities and ranking as with the stored vectors
    answer = Newsbot(make_settings(loc), llm=None).ask(question)
    assert not answer.refused and answer.citations[0].doc_id == "ferry"

    # `newsbot migrate` fills what is missing, once.
    embedded.clear()
    config = write_config(tmp_path / "config.yaml", loc)
    assert main(["--config", str(config), "migrate", "--index", loc]) == 0
    assert "stored 3 headline vectors" in capsys.readouterr().out
    assert sorted(embedded) == ["Kirrin erupts", "Port Velmar approves ferry terminal", "White moose seen near Tarsk"]
    assert set(view(loc, embedder).title_vectors(["ferry", "moose", "spire", "volcano"])) == {"ferry", "moose", "volcano"}
    embedded.clear()
    assert search() == stored and embedded == []
    assert main(["--config", str(config), "migrate", "--index", loc]) == 1
    assert "headline vectors included; nothing to migrate" in capsys.readouterr().err
