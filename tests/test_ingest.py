"""Ingestion: every input format, incremental updates, duplicates, bad input, and atomic commits.

Real parts throughout: the bundled embedder, the embedded store (SQLite + FAISS segments + FTS5), on
indexes in tmp_path.
A spy on the embedder records every text embedded, so "nothing re-embedded" is observed, not inferred.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, DIM, REPO, make_settings, write_config
from index.chunking import chunk_article, make_splitter
from index.config import IndexSettings, RetrievalSettings
from index.ingest import ingest
from index.retrieve import HybridRetriever
from index.store import Corpus, IndexStore  # IndexStore: the embedded engine (index/embedded.py)

FERRY = ("The harbour authority of Port Velmar approved a new ferry terminal on Tuesday after a two-year review. "
         "The terminal will cost 40 million euros and is due to open in 2027, officials said.")
MOOSE = "A rare white moose was photographed near the lake shore by a hiker from Tarsk, wildlife officials confirmed on Monday."
SPIRE = ("Lightning struck the cathedral spire in Morvane on Friday night, causing a small fire that firefighters "
         "put out within an hour. Nobody was hurt, the fire brigade said.")

HTML_PAGE = """<!doctype html><html><head><title>Orchard festival draws record crowds | Kessling Gazette</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="menu">Subscribe | Sign in | Newsletters | Weather</div>
<article>
<h1>Orchard festival draws record crowds</h1>
<p>The annual orchard festival in Kessling drew a record 80,000 visitors over the weekend, the town council said on Monday.</p>
<p>Organisers said the apple pressing contest was won by a team of retired teachers from the nearby village of Ostrow.</p>
<p>The council plans to extend the festival to four days next year, citing pressure on local roads and car parks.</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Mayor opens new bridge</a></li><li><a href="/b">Storm warning for coast</a></li></ul></aside>
<footer><p>Copyright 2024 Kessling Gazette. All rights reserved.</p><p>Privacy policy | Cookie settings</p></footer>
</body></html>
"""

MARKDOWN = """# Glacier retreat **doubles** in Andean valley

Scientists from the **University of Lima** said the [Quelcaya glacier](https://example.org/q) lost 12 metres of ice last year.

- The rate is twice the average of the past decade.
"""


def long_article(topic: str, n: int = 12) -> str:
    """Several chunks' worth of distinct sentences about `topic`."""
    return " ".join(f"Item {i} of the {topic} inquiry: witness number {i} described event {i * 7} in detail." for i in range(n))


@pytest.fixture
def store(tmp_path: Path) -> IndexStore:
    return IndexStore(tmp_path / "idx")


@pytest.fixture
def run_ingest(store: IndexStore, embedder):
    def run(*paths: Path, **settings):
        return ingest(list(paths), store, IndexSettings(**settings), embedder, DIM)

    return run


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch, embedder) -> list[str]:
    """Every text the embedder is asked to embed during the test, in order."""
    texts: list[str] = []
    cls = type(embedder)
    original = cls.get_text_embedding_batch

    def spy(self, batch, **kw):
        texts.extend(batch)
        return original(self, batch, **kw)

    monkeypatch.setattr(cls, "get_text_embedding_batch", spy)
    return texts


def load(store: IndexStore, embedder) -> Corpus:
    return store.load(embedder, DIM)


def assert_consistent(corpus: Corpus) -> None:
    """Vectors, chunks and the manifest agree, and every chunk indexes its article's text."""
    chunk_ids = {c for r in corpus.docs.values() for c in r.chunk_ids}
    assert len(chunk_ids) == corpus.chunk_count
    live_vectors = sum(i.ntotal for _, i in corpus._segments)
    assert live_vectors >= len(chunk_ids)  # deleted chunks' vectors stay as tombstones until a merge
    for cid in chunk_ids:
        assert len(corpus.chunk_vector(cid)) == DIM
    for doc_id, rec in corpus.docs.items():
        assert (doc_id in corpus.texts) == (rec.duplicate_of is None)
        for cid in rec.chunk_ids:
            node = corpus.node(cid)
            assert corpus.texts[doc_id][node.start_char_idx : node.end_char_idx] == node.get_content()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def jsonl(*rows: dict | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


# --- formats ---------------------------------------------------------------------------------------


def test_txt_md_html_and_jsonl_are_read_from_folders_recursively(tmp_path, run_ingest, store, embedder):
    src = tmp_path / "in"
    write(src / "ferry.txt", FERRY)
    write(src / "deep/er/glacier.md", MARKDOWN)
    write(src / "deep/orchard.html", HTML_PAGE)
    write(src / "deep/.hidden.txt", "A hidden file is not an article of the corpus at all.")
    write(src / "feed.jsonl", jsonl(
        {"id": "spire-1", "title": "Spire hit", "source": "Wire", "url": "https://w.example/1", "published_at": "2024-03-05", "text": SPIRE},
        {"text": MOOSE},
    ))

    report = run_ingest(src)

    assert (report.added, report.rejected) == (5, [])
    corpus = load(store, embedder)
    assert set(corpus.docs) == {"ferry", "glacier", "orchard", "spire-1", "feed-2"}
    assert_consistent(corpus)

    md = corpus.docs["glacier"].metadata
    assert md["title"] == "Glacier retreat doubles in Andean valley"  # from the heading, markup gone
    assert corpus.texts["glacier"].startswith("Scientists from the University of Lima said the Quelcaya glacier lost 12 metres")
    assert not re.search(r"[#*\[\]()]", corpus.texts["glacier"])

    html = corpus.texts["orchard"]
    assert "drew a record 80,000 visitors" in html and "retired teachers from the nearby village of Ostrow" in html
    for furniture in ("Home", "Sport", "Subscribe", "Sign in", "Most read", "Mayor opens new bridge", "Copyright", "Cookie"):
        assert furniture not in html
    assert corpus.docs["orchard"].metadata["title"].startswith("Orchard festival draws record crowds")
    # The page states no date; a "Copyright 2024" footer is not a publication date.
    assert corpus.docs["orchard"].metadata["published_at"] is None

    assert corpus.docs["spire-1"].metadata == {"title": "Spire hit", "source": "Wire", "url": "https://w.example/1",
                                                "published_at": "2024-03-05", "dateline": None}
    assert corpus.texts["feed-2"] == MOOSE  # only "text" is required


def test_html_publication_date_comes_from_the_page_metadata(tmp_path, run_ingest, store, embedder):
    page = HTML_PAGE.replace("<head>", '<head><meta property="article:published_time" content="2023-06-11T08:00:00Z">')
    run_ingest(write(tmp_path / "orchard.htm", page))
    assert load(store, embedder).docs["orchard"].metadata["published_at"] == "2023-06-11"


def test_sidecar_metadata_yaml_is_applied_per_folder(tmp_path, run_ingest, store, embedder):
    write(tmp_path / "a/ferry.txt", FERRY)
    write(tmp_path / "a/metadata.yaml", "ferry:\n  title: Ferry terminal approved\n  source: Velmar Times\n"
                                        "  published_at: 2025-02-02\n  dateline: Port Velmar\n")
    write(tmp_path / "b/moose.txt", MOOSE)
    write(tmp_path / "b/metadata.yaml", "moose: {source: Tarsk Daily, url: 'https://tarsk.example/moose'}\nferry: {source: Wrong}\n")

    run_ingest(tmp_path / "a", tmp_path / "b")

    docs = load(store, embedder).docs
    assert docs["ferry"].metadata == {"title": "Ferry terminal approved", "source": "Velmar Times", "url": None,
                                      "published_at": "2025-02-02", "dateline": "Port Velmar"}
    assert docs["moose"].metadata["source"] == "Tarsk Daily"
    assert docs["moose"].metadata["url"] == "https://tarsk.example/moose"


def test_doc_ids_are_stable_across_moves_and_jsonl_line_order(tmp_path, run_ingest, embedded):
    write(tmp_path / "one/ferry.txt", FERRY)
    write(tmp_path / "one/feed.jsonl", jsonl({"id": "moose", "text": MOOSE}, {"id": "spire", "text": SPIRE}))
    assert run_ingest(tmp_path / "one").added == 3
    embedded.clear()

    # The same articles from elsewhere, JSONL lines swapped: the same doc_ids, so nothing is new.
    write(tmp_path / "two/sub/ferry.txt", FERRY)
    write(tmp_path / "two/other.jsonl", jsonl({"id": "spire", "text": SPIRE}, {"id": "moose", "text": MOOSE}))
    report = run_ingest(tmp_path / "two")

    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)
    assert embedded == []


# --- incremental updates ---------------------------------------------------------------------------


def test_reingesting_unchanged_input_embeds_nothing_and_commits_nothing(tmp_path, run_ingest, store, embedded):
    write(tmp_path / "in/ferry.txt", FERRY)
    write(tmp_path / "in/moose.txt", MOOSE)
    run_ingest(tmp_path / "in")
    generation = store.generation()
    segments = sorted(p.name for p in store.seg_dir.iterdir())
    embedded.clear()

    report = run_ingest(tmp_path / "in")

    assert (report.added, report.updated, report.unchanged, report.chunks_embedded) == (0, 0, 2, 0)
    assert embedded == []
    assert store.generation() == generation
    assert sorted(p.name for p in store.seg_dir.iterdir()) == segments


def test_a_changed_article_replaces_its_old_chunks(tmp_path, run_ingest, store, embedder, embedded):
    old = long_article("harbour")
    write(tmp_path / "in/report.txt", old)
    write(tmp_path / "in/moose.txt", MOOSE)
    run_ingest(tmp_path / "in", chunk_size=48, chunk_overlap=8)
    before = load(store, embedder)
    assert len(before.docs["report"].chunk_ids) > 3  # the test needs several old chunks to drop
    embedded.clear()

    new = "The harbour inquiry was closed on Wednesday without hearing any witnesses, the chairman said."
    write(tmp_path / "in/report.txt", new)
    report = run_ingest(tmp_path / "in", chunk_size=48, chunk_overlap=8)

    assert (report.updated, report.unchanged) == (1, 1)
    assert embedded == [new]  # the moose article was not re-embedded
    after = load(store, embedder)
    assert_consistent(after)
    assert after.texts["report"] == new
    assert len(after.docs["report"].chunk_ids) == len(chunk_article(_article("report", new), make_splitter(48, 8)))
    assert after.chunk_count == len(after.docs["report"].chunk_ids) + len(after.docs["moose"].chunk_ids)
    everything = " ".join(after.node(c).get_content() for r in after.docs.values() for c in r.chunk_ids)
    assert "witness number 5" not in everything

    hits = HybridRetriever(after, RetrievalSettings(), embedder).search("Item 5 of the harbour inquiry: witness number 5 described event 35")
    assert hits and all("witness number 5" not in h.text for h in hits)
    assert hits[0].doc_id == "report" and hits[0].text == new


def _article(doc_id: str, text: str):
    from index.article import Article

    return Article(doc_id=doc_id, text=text, origin=doc_id)


def test_new_articles_do_not_reembed_old_ones(tmp_path, run_ingest, store, embedder, embedded):
    write(tmp_path / "in/ferry.txt", FERRY)
    run_ingest(tmp_path / "in")
    generation = store.generation()
    [first] = store.seg_dir.iterdir()
    first_stat = first.stat()
    embedded.clear()

    write(tmp_path / "in/moose.txt", MOOSE)
    report = run_ingest(tmp_path / "in")

    assert (report.added, report.unchanged, report.chunks_embedded) == (1, 1, 1)
    assert embedded == [MOOSE]
    assert store.generation() == generation + 1
    # The add wrote one small new segment; the existing one was not rewritten.
    assert len(list(store.seg_dir.iterdir())) == 2
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == (first_stat.st_ino, first_stat.st_mtime_ns)
    corpus = load(store, embedder)
    assert_consistent(corpus)
    assert set(corpus.docs) == {"ferry", "moose"}


def test_identical_texts_are_embedded_once_and_counted_as_corroboration(tmp_path, run_ingest, store, embedder, embedded):
    from bot.service import Newsbot

    write(tmp_path / "in/velmar-times.txt", FERRY)
    write(tmp_path / "in/coast-wire.txt", FERRY)  # syndicated word for word
    write(tmp_path / "in/moose.txt", MOOSE)
    write(tmp_path / "in/metadata.yaml", "velmar-times: {source: Velmar Times}\ncoast-wire: {source: Coast Wire}\n"
                                         "moose: {source: Tarsk Daily}\n")

    report = run_ingest(tmp_path / "in")

    assert (report.added, report.duplicates) == (3, 1)
    assert sorted(embedded) == sorted([FERRY, MOOSE])
    corpus = load(store, embedder)
    assert_consistent(corpus)
    original, copy = ("coast-wire", "velmar-times")  # files are read in name order
    assert corpus.docs[copy].duplicate_of == original and corpus.docs[copy].chunk_ids == []

    answer = Newsbot(make_settings(store.root), llm=None).ask("When will the Port Velmar ferry terminal open?")
    assert not answer.refused
    assert answer.corroboration == "reported by 2 of 3 sources"


def test_a_duplicate_keeps_its_text_when_its_original_changes(tmp_path, run_ingest, store, embedder):
    write(tmp_path / "in/a.txt", FERRY)
    write(tmp_path / "in/b.txt", FERRY)
    run_ingest(tmp_path / "in")
    assert load(store, embedder).docs["b"].duplicate_of == "a"

    write(tmp_path / "in/a.txt", SPIRE)
    report = run_ingest(tmp_path / "in")

    assert (report.updated, report.unchanged) == (1, 1)
    corpus = load(store, embedder)
    assert_consistent(corpus)
    assert corpus.texts == {"a": SPIRE, "b": FERRY}
    assert corpus.docs["b"].duplicate_of is None and corpus.docs["b"].chunk_ids
    hits = HybridRetriever(corpus, RetrievalSettings(), embedder).search("Port Velmar ferry terminal")
    assert hits[0].doc_id == "b"


def test_an_original_and_its_duplicates_changing_together_are_each_indexed_once(tmp_path, run_ingest, store, embedder):
    for name in "abc":
        write(tmp_path / f"in/{name}.txt", FERRY)
    run_ingest(tmp_path / "in")
    assert {d: r.duplicate_of for d, r in load(store, embedder).docs.items()} == {"a": None, "b": "a", "c": "a"}

    write(tmp_path / "in/a.txt", SPIRE)
    write(tmp_path / "in/b.txt", SPIRE + " Updated.")
    report = run_ingest(tmp_path / "in")

    assert (report.updated, report.unchanged) == (2, 1)
    corpus = load(store, embedder)
    assert_consistent(corpus)
    assert corpus.texts == {"a": SPIRE, "b": SPIRE + " Updated.", "c": FERRY}
    assert all(corpus.docs[d].duplicate_of is None and corpus.docs[d].chunk_ids for d in "abc")
    assert len({cid for r in corpus.docs.values() for cid in r.chunk_ids}) == corpus.chunk_count  # no chunk twice


def test_a_new_copy_recorded_before_its_original_changes_in_the_same_batch_keeps_the_text(tmp_path, run_ingest, store, embedder):
    write(tmp_path / "in/o.txt", FERRY)
    run_ingest(tmp_path / "in")
    write(tmp_path / "in2/a_new.txt", FERRY)  # read before o.txt: recorded as a copy of o ...
    write(tmp_path / "in2/o.txt", SPIRE)  # ... whose text then changes
    run_ingest(tmp_path / "in2")

    corpus = load(store, embedder)
    assert_consistent(corpus)
    assert corpus.texts == {"o": SPIRE, "a_new": FERRY}
    assert corpus.docs["a_new"].duplicate_of is None and corpus.docs["a_new"].chunk_ids


def test_a_metadata_only_change_updates_without_reembedding_the_text(tmp_path, run_ingest, store, embedder, embedded):
    write(tmp_path / "in/ferry.txt", FERRY)
    write(tmp_path / "in/metadata.yaml", "ferry: {source: Velmar Times}\n")
    run_ingest(tmp_path / "in")
    chunk_ids = load(store, embedder).docs["ferry"].chunk_ids
    embedded.clear()

    write(tmp_path / "in/metadata.yaml", "ferry: {source: Velmar Times, title: Terminal approved, published_at: 2025-02-02}\n")
    report = run_ingest(tmp_path / "in")

    assert (report.updated, report.chunks_embedded, report.titles_embedded) == (1, 0, 1)
    assert embedded == ["Terminal approved"]  # the new headline only
    corpus = load(store, embedder)
    assert corpus.docs["ferry"].metadata["title"] == "Terminal approved"
    assert corpus.docs["ferry"].metadata["published_at"] == "2025-02-02"
    assert corpus.docs["ferry"].chunk_ids == chunk_ids


def test_newsbot_ingest_makes_new_articles_answerable_at_once(tmp_path, sample_index):
    import shutil

    from bot.service import Newsbot

    index_dir = tmp_path / "copy"
    shutil.copytree(sample_index, index_dir)
    bot = Newsbot(make_settings(index_dir), llm=None)
    assert bot.ask("Where was the white moose photographed?").refused

    report = bot.ingest([write(tmp_path / "moose.txt", MOOSE)])

    assert (report.added, report.unchanged) == (1, 0)
    answer = bot.ask("Where was the white moose photographed?")
    assert not answer.refused and answer.citations[0].doc_id == "moose"
    assert bot.stats().articles == 6


# --- bad input through `newsbot ingest` ------------------------------------------------------------


def test_bad_inputs_are_reported_one_line_each_and_the_rest_is_ingested(tmp_path, capsys, embedder):
    from bot.cli import main

    src = tmp_path / "in"
    write(src / "good.txt", FERRY)
    write(src / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    write(src / "empty.txt", "")
    write(src / "headline-only.md", "# Only a headline\n\n   \n")
    write(src / "latin1.txt", "Caf\xe9 prices rose again in the old town, traders said.".encode("latin-1"))
    write(src / "big.txt", "The council met again. " * 100)
    write(src / "feed.jsonl", jsonl(
        {"id": "moose", "text": MOOSE},
        "{not json",
        {"id": "no-text", "title": "A title but no text"},
        {"id": "bad-date", "text": SPIRE, "published_at": "last Tuesday"},
        {"id": "num-text", "text": 42},
        "[1, 2]",
    ))
    pdf = write(tmp_path / "paper.pdf", b"%PDF-1.4")
    config = write_config(tmp_path / "config.yaml", tmp_path / "idx", index={"max_file_mb": 0.001})

    code = main(["--config", str(config), "ingest", str(src), str(pdf), str(tmp_path / "missing")])

    out, err = capsys.readouterr()
    assert code == 1
    expected = {
        f"{src / 'binary.txt'}": "binary",
        f"{src / 'empty.txt'}": "empty",
        f"{src / 'headline-only.md'}": "empty",
        f"{src / 'latin1.txt'}": "UTF-8",
        f"{src / 'big.txt'}": "limit",
        f"{src / 'feed.jsonl'}:2": "malformed JSON",
        f"{src / 'feed.jsonl'}:3": 'missing "text"',
        f"{src / 'feed.jsonl'}:4": "published_at",
        f"{src / 'feed.jsonl'}:5": '"text" must be a string',
        f"{src / 'feed.jsonl'}:6": "JSON object",
        f"{pdf}": "unsupported file type .pdf",
        f"{tmp_path / 'missing'}": "no such file",
    }
    lines = [l for l in err.splitlines() if l.startswith("rejected ")]
    reported = dict(re.fullmatch(r"rejected (.+?(?::\d+)?): (.+)", l).groups() for l in lines)
    assert set(reported) == set(expected), err
    for where, why in expected.items():
        assert why in reported[where], (where, reported[where])
    assert out.startswith("2 added, 0 updated, 0 unchanged, 0 duplicates, 12 rejected")
    assert set(IndexStore(tmp_path / "idx").load(embedder, DIM).docs) == {"good", "moose"}


def test_clean_ingest_exits_0_and_usage_errors_exit_2(tmp_path, capsys):
    from bot.cli import main

    config = write_config(tmp_path / "config.yaml", tmp_path / "idx")
    assert main(["--config", str(config), "ingest", str(write(tmp_path / "ferry.txt", FERRY))]) == 0
    assert "1 added" in capsys.readouterr().out
    with pytest.raises(SystemExit) as no_paths:
        main(["--config", str(config), "ingest"])
    assert no_paths.value.code == 2
    assert "PATH" in capsys.readouterr().err


# --- atomic commits -------------------------------------------------------------------------------


def _index_with_sample(tmp_path: Path, sample_index: Path) -> Path:
    import shutil

    index_dir = tmp_path / "idx"
    shutil.copytree(sample_index, index_dir)
    return index_dir


def _answers_from_the_sample(index_dir: Path) -> None:
    from bot.service import Newsbot

    bot = Newsbot(make_settings(index_dir), llm=None)
    assert set(bot.corpus.docs) == {p.stem for p in CORPUS.glob("*.txt")}
    assert_consistent(bot.corpus)
    answer = bot.ask("Who claimed responsibility for the attacks?")
    assert not answer.refused and "Baloch Liberation Army" in answer.answer


def test_a_crash_mid_commit_leaves_the_previous_index_live(tmp_path, sample_index, embedder, monkeypatch):
    from index import segments

    index_dir = _index_with_sample(tmp_path, sample_index)
    store = IndexStore(index_dir)
    generation = store.generation()
    files = sorted(p.name for p in store.seg_dir.iterdir())

    def crashing_write(index, path):  # the segment file is half written when the disk fills up
        Path(str(path) + ".tmp").write_bytes(b"half")
        raise OSError("No space left on device")

    with monkeypatch.context() as m, pytest.raises(OSError, match="No space left"):
        m.setattr(segments, "write", crashing_write)
        ingest([write(tmp_path / "moose.txt", MOOSE)], store, IndexSettings(), embedder, DIM)

    assert store.generation() == generation
    assert sorted(p.name for p in store.seg_dir.iterdir()) == files  # the failed write cleaned up after itself
    _answers_from_the_sample(index_dir)
    assert "moose" not in load(store, embedder).docs


_KILLED_MID_COMMIT = """
import sys, time
from pathlib import Path
from index import segments

write = segments.write

def write_then_hang(index, path):
    write(index, path)
    Path(sys.argv[3]).write_text(str(path))  # the segment file is on disk; the SQLite commit has not happened
    time.sleep(600)

segments.write = write_then_hang
from bot.cli import main
sys.exit(main(["--config", sys.argv[1], "ingest", sys.argv[2]]))
"""


def test_a_kill_mid_commit_leaves_the_previous_index_live(tmp_path, sample_index, embedder, caplog):
    index_dir = _index_with_sample(tmp_path, sample_index)
    generation = IndexStore(index_dir).generation()
    config = write_config(tmp_path / "config.yaml", index_dir)
    marker = tmp_path / "persisted"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_MID_COMMIT, str(config), str(write(tmp_path / "moose.txt", MOOSE)), str(marker)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the ingest never reached its commit"
            time.sleep(0.1)
        half_written = Path(marker.read_text())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()

    assert half_written.exists()  # an unregistered segment: written, never committed
    store = IndexStore(index_dir)
    assert store.generation() == generation
    _answers_from_the_sample(index_dir)
    assert "moose" not in load(store, embedder).docs

    # The next ingest succeeds and sweeps the debris away (its file name may then be reused).
    with caplog.at_level(logging.INFO, logger="index.embedded"):
        report = ingest([tmp_path / "moose.txt"], store, IndexSettings(), embedder, DIM)
    assert report.added == 1
    assert f"removing {half_written.name}, left by an interrupted write" in caplog.text
    corpus = load(store, embedder)
    assert_consistent(corpus)
    assert "moose" in corpus.docs
    registered = {f for (f,) in corpus._con().execute("SELECT file FROM segments")}
    assert {p.name for p in store.seg_dir.iterdir()} == registered


def test_ingesting_with_other_chunking_is_refused_and_the_index_kept(tmp_path, embedder):
    from index.config import IndexSettings
    from index.ingest import ingest
    from index.store import IndexError_, IndexStore

    write(tmp_path / "in/ferry.txt", FERRY)
    store = IndexStore(tmp_path / "idx")
    ingest([tmp_path / "in"], store, IndexSettings(), embedder, DIM)
    live = store.generation()
    write(tmp_path / "in/moose.txt", MOOSE)
    with pytest.raises(IndexError_, match=r"chunk_size 128 -> 64"):
        ingest([tmp_path / "in"], store, IndexSettings(chunk_size=64), embedder, DIM)
    assert store.generation() == live and set(store.load(embedder, DIM).docs) == {"ferry"}
