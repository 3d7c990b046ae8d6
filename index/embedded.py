"""The embedded engine (default): one folder with SQLite (WAL) + FAISS segments + SQLite FTS5.

Layout of an index dir:
    store.sqlite (+ -wal, -shm)  articles (manifest row, metadata, cleaned text), chunks (id, doc, offsets,
                                 text, segment + position of its vector), titles (per article the headline
                                 its vector was made from, and that float32 vector as a BLOB: looked up by
                                 doc_id, never searched, so no FAISS index), segments, fts (FTS5 keyword
                                 index, porter/unicode61), meta (format, dim, build, generation)
    segments/seg-<n>.faiss       immutable FAISS files (index/segments.py), memory-mapped by readers
    .lock                        one writer at a time across processes (fcntl)

Commit protocol: a writer writes its new segment files (temp name, fsync, rename), then ONE SQLite
transaction registers them with the rows and bumps `generation`. A kill -9 before that commit leaves
only unregistered files, which the next writer deletes on start; after it, the write is whole. Readers
use their own connections and never block or wait for the writer (WAL).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from llama_index.core.schema import TextNode

from index import keyword as kw
from index import segments as seg
from index.store import FORMAT, DocRecord, IndexError_, Store, StoreStats, Writer, checked_vectors, file_lock
from index.views import SqlCorpus, Tables, node, record

log = logging.getLogger(__name__)

DB = "store.sqlite"
TABLES = Tables(articles="articles", chunks="chunks", param="?", order="rowid")
SEGMENTS = "segments"
# A stored headline vector counts only while its title is the article's current one (any writer, even
# one that predates the titles table, can change the metadata).
_CURRENT_TITLE = "t.title = json_extract(a.metadata, '$.title')"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, meta_hash TEXT NOT NULL, metadata TEXT NOT NULL,
    duplicate_of TEXT, origin TEXT NOT NULL DEFAULT '', source TEXT, published_at TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash) WHERE duplicate_of IS NULL;
CREATE INDEX IF NOT EXISTS articles_dup ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, seq INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL, segment INTEGER NOT NULL, pos INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, seq);
CREATE INDEX IF NOT EXISTS chunks_vector ON chunks(segment, pos);
CREATE TABLE IF NOT EXISTS segments (id INTEGER PRIMARY KEY, file TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS titles (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, vector BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(body, tokenize = 'porter unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_vocab USING fts5vocab(fts, 'row');
"""


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE for writers, BEGIN for a read snapshot).
    con = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout = 60000")
    # WAL + synchronous=NORMAL survives any process crash (kill -9); only an OS crash may drop the last commit.
    con.execute("PRAGMA synchronous = NORMAL")
    return con


def _meta(con: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


class EmbeddedStore(Store):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)
        self.db = self.root / DB
        self.seg_dir = self.root / SEGMENTS
        self._open_segments: dict[str, Any] = {}  # file name -> mmap'd faiss index, shared by this process's views
        self._seg_lock = threading.Lock()
        self._gen_con: sqlite3.Connection | None = None

    # ---- state --------------------------------------------------------------------------------

    _migrating = False  # set by index/migrate.py while it writes the new store next to the old snapshot

    def _old_format(self) -> bool:
        """A format-1 index (CURRENT + snap-*/) not yet converted (a conversion killed before its commit
        left generation 0, so it still counts as old)."""
        return not self._migrating and (self.root / "CURRENT").exists() and self.generation() == 0

    def _check_format(self) -> None:
        if self._old_format():
            raise IndexError_(f"{self.root}: index is in the old snapshot format; convert it with: newsbot migrate --index {self.root}")

    def exists(self) -> bool:
        return self.generation() > 0 or self._old_format()

    def generation(self) -> int:
        if not self.db.exists():
            return 0
        try:
            if self._gen_con is None:
                self._gen_con = _connect(self.db)
            return int(_meta(self._gen_con, "generation", "0"))
        except sqlite3.Error:
            return 0

    def segment(self, name: str):
        """The mmap'd FAISS index of one segment file, opened once per process."""
        with self._seg_lock:
            index = self._open_segments.get(name)
            if index is None:
                index = self._open_segments[name] = seg.read(self.seg_dir / name)
            return index

    def _forget_segments(self, keep: set[str]) -> None:
        """Drop this process's handles on segments no longer live (views still using them keep theirs)."""
        with self._seg_lock:
            for name in list(self._open_segments):
                if name not in keep:
                    del self._open_segments[name]

    # ---- read ---------------------------------------------------------------------------------

    def load(self, embedder=None, dim: int | None = None) -> "EmbeddedCorpus":
        self._check_format()
        if not self.db.exists() or self.generation() == 0:
            return EmbeddedCorpus(self, None, dim or 0, {}, 0, [])
        con = _connect(self.db)
        try:
            con.execute("BEGIN")  # one snapshot: meta and the segment list agree
            try:
                fmt = int(_meta(con, "format", "0"))
                if fmt != FORMAT:
                    raise IndexError_(f"{self.root}: index format {fmt} is not {FORMAT}; rebuild it with newsbot ingest")
                stored_dim = int(_meta(con, "dim", "0"))
                if dim and stored_dim and stored_dim != dim:
                    raise IndexError_(f"{self.root}: built with {stored_dim}-d embeddings, the configured model gives {dim}-d; rebuild it")
                build = json.loads(_meta(con, "build", "{}"))
                generation = int(_meta(con, "generation", "0"))
                files = [(sid, f) for sid, f in con.execute("SELECT id, file FROM segments ORDER BY id")]
            finally:
                con.execute("COMMIT")
            segments = [(sid, self.segment(f)) for sid, f in files]
        except sqlite3.Error as e:
            con.close()
            raise IndexError_(f"{self.root}: index is unreadable ({e}); re-ingest into a new index dir") from None
        except RuntimeError as e:  # a segment file missing: a writer merged it away after we read the list
            con.close()
            if "No such file" in str(e) or "could not open" in str(e):
                return self.load(embedder, dim)
            raise IndexError_(f"{self.root}: a vector segment is unreadable ({str(e).splitlines()[0]}); rebuild the index") from None
        self._forget_segments({f for _, f in files})
        return EmbeddedCorpus(self, con, stored_dim or dim or 0, build, generation, segments)

    # ---- write --------------------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time per index dir (across processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / ".lock"):
            yield

    def _prepare(self, con: sqlite3.Connection, dim: int) -> None:
        con.execute("PRAGMA journal_mode = WAL")
        con.executescript(SCHEMA)
        fmt = _meta(con, "format")
        if fmt is None:
            con.execute("INSERT INTO meta VALUES ('format', ?), ('dim', ?), ('generation', '0'), ('build', '{}')", (str(FORMAT), str(dim)))
        elif int(fmt) != FORMAT:
            raise IndexError_(f"{self.root}: index format {fmt} is not {FORMAT}; rebuild it with newsbot ingest")
        stored = int(_meta(con, "dim", "0"))
        if stored != dim and con.execute("SELECT count(*) FROM chunks").fetchone()[0]:
            raise IndexError_(f"{self.root}: built with {stored}-d embeddings, the configured model gives {dim}-d; rebuild it")
        con.execute("UPDATE meta SET value = ? WHERE key = 'dim'", (str(dim),))
        # Files no commit registered: what a killed writer left. Only writers delete (under the lock).
        self.seg_dir.mkdir(exist_ok=True)
        live = {f for (f,) in con.execute("SELECT file FROM segments")}
        for p in self.seg_dir.iterdir():
            if p.name not in live:
                log.info("removing %s, left by an interrupted write", p.name)
                p.unlink(missing_ok=True)

    @contextmanager
    def writer(self, dim: int) -> Iterator["EmbeddedWriter"]:
        self._check_format()
        with self.lock():
            con = _connect(self.db)
            try:
                self._prepare(con, dim)
                con.execute("BEGIN IMMEDIATE")
                w = EmbeddedWriter(self, con, dim)
                try:
                    yield w
                    if w.changed:
                        w._flush()
                        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                        con.execute("COMMIT")
                        w._after_commit()
                    else:
                        con.execute("ROLLBACK")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    w._discard()
                    raise
            finally:
                con.close()

    def compact(self) -> dict:
        """Merge every segment into one (dropping deleted vectors): for the end of a bulk load."""
        with self.writer(self._stored_dim()) as w:
            w.changed = True
            merged = w._merge([sid for sid, _ in w._segment_sizes()], force=True)
        return {"segments_merged": merged}

    def _stored_dim(self) -> int:
        if not self.db.exists():
            raise IndexError_(f"{self.root}: no index here")
        con = _connect(self.db)
        try:
            return int(_meta(con, "dim", "0"))
        finally:
            con.close()


class EmbeddedWriter(Writer):
    def __init__(self, store: EmbeddedStore, con: sqlite3.Connection, dim: int) -> None:
        self.store, self.con, self.dim = store, con, dim
        self.changed = False
        self._pending: list[np.ndarray] = []  # vectors of the segment this write adds
        self._pending_count = 0
        self._next_segment = con.execute("SELECT coalesce(max(id), 0) + 1 FROM segments").fetchone()[0]
        self._new_segment = self._next_segment
        self._next_segment += 1
        self._written: list[Path] = []  # files written by this transaction (deleted if it fails)
        self._obsolete: list[str] = []  # files merged away (deleted after commit)

    @property
    def build(self) -> dict:
        return json.loads(_meta(self.con, "build", "{}"))

    @build.setter
    def build(self, value: dict) -> None:
        if value != self.build:
            self.con.execute("UPDATE meta SET value = ? WHERE key = 'build'", (json.dumps(value, sort_keys=True),))
            self.changed = True

    def record(self, doc_id: str) -> DocRecord | None:
        row = self.con.execute("SELECT content_hash, meta_hash, metadata, duplicate_of, origin FROM articles WHERE doc_id = ?",
                               (doc_id,)).fetchone()
        if row is None:
            return None
        ids = [c for (c,) in self.con.execute("SELECT chunk_id FROM chunks WHERE doc_id = ? ORDER BY seq", (doc_id,))]
        return record(row, ids)

    def text(self, doc_id: str) -> str | None:
        row = self.con.execute("SELECT text FROM articles WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def canonical(self, content_hash: str) -> str | None:
        row = self.con.execute("SELECT doc_id FROM articles WHERE content_hash = ? AND duplicate_of IS NULL LIMIT 1",
                               (content_hash,)).fetchone()
        return row[0] if row else None

    def duplicates(self, doc_id: str) -> list[str]:
        return [d for (d,) in self.con.execute("SELECT doc_id FROM articles WHERE duplicate_of = ? ORDER BY rowid", (doc_id,))]

    def put(self, doc_id: str, record: DocRecord, text: str | None = None) -> None:
        m = record.metadata
        row = (record.content_hash, record.meta_hash, json.dumps(m, ensure_ascii=False), record.duplicate_of, record.origin,
               m.get("source"), m.get("published_at"))
        self.con.execute(
            "INSERT INTO articles (content_hash, meta_hash, metadata, duplicate_of, origin, source, published_at, text, doc_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE SET content_hash = excluded.content_hash,"
            " meta_hash = excluded.meta_hash, metadata = excluded.metadata, duplicate_of = excluded.duplicate_of,"
            " origin = excluded.origin, source = excluded.source, published_at = excluded.published_at,"
            " text = coalesce(excluded.text, articles.text)", (*row, text, doc_id))
        if record.duplicate_of:  # a duplicate keeps no text of its own
            self.con.execute("UPDATE articles SET text = NULL WHERE doc_id = ?", (doc_id,))
        self.changed = True

    def delete(self, doc_id: str) -> None:
        rows = self.con.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        self.con.executemany("DELETE FROM fts WHERE rowid = ?", rows)
        self.con.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))  # their vectors become tombstones
        self.con.execute("DELETE FROM titles WHERE doc_id = ?", (doc_id,))
        self.con.execute("DELETE FROM articles WHERE doc_id = ?", (doc_id,))
        self.changed = True

    def put_title(self, doc_id: str, title: str, vector: list[float] | None) -> None:
        if vector is None:
            self.con.execute("DELETE FROM titles WHERE doc_id = ?", (doc_id,))
        else:
            v = checked_vectors(vector, self.dim, 1, self.store.location, "headline vector")
            self.con.execute("INSERT OR REPLACE INTO titles (doc_id, title, vector) VALUES (?, ?, ?)", (doc_id, title, v.tobytes()))
        self.changed = True

    def stored_title(self, doc_id: str) -> str | None:
        row = self.con.execute("SELECT title FROM titles WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def untitled(self) -> list[tuple[str, str]]:
        rows = self.con.execute(
            "SELECT a.doc_id, json_extract(a.metadata, '$.title') FROM articles a"
            f" LEFT JOIN titles t ON t.doc_id = a.doc_id AND {_CURRENT_TITLE}"
            " WHERE a.duplicate_of IS NULL AND t.doc_id IS NULL ORDER BY a.rowid")
        return [(d, t) for d, t in rows if isinstance(t, str) and t.strip()]

    def add_chunks(self, doc_id: str, nodes: list[TextNode], keyword_texts: list[str]) -> None:
        if not nodes:
            return
        vectors = checked_vectors([n.get_embedding() for n in nodes], self.dim, 2, self.store.location, "vectors")
        for seq, (chunk, ktext) in enumerate(zip(nodes, keyword_texts)):
            cur = self.con.execute(
                "INSERT INTO chunks (chunk_id, doc_id, seq, start, end, text, segment, pos) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chunk.id_, doc_id, seq, chunk.start_char_idx or 0, chunk.end_char_idx or 0, chunk.get_content(),
                 self._new_segment, self._pending_count + seq))
            self.con.execute("INSERT INTO fts (rowid, body) VALUES (?, ?)", (cur.lastrowid, ktext))
        self._pending.append(vectors)
        self._pending_count += len(nodes)
        self.changed = True

    def chunk_count(self) -> int:
        return self.con.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def finish(self) -> None:
        """End of a write: a bulk load (more vectors than a write merges automatically) is merged with
        everything else into one segment, as `newsbot compact` would; small writes only flush."""
        big = self._pending_count >= seg.AUTO_MERGE_MAX
        self._flush()
        if big:
            self._merge([sid for sid, _ in self._segment_sizes()])

    # ---- segments -----------------------------------------------------------------------------

    def _write_segment(self, sid: int, vectors: np.ndarray) -> str:
        name = f"seg-{sid:08d}.faiss"
        path = self.store.seg_dir / name
        self._written.append(path)
        seg.write(seg.build(vectors), path)
        self.con.execute("INSERT INTO segments (id, file, size) VALUES (?, ?, ?)", (sid, name, len(vectors)))
        return name

    def _flush(self) -> None:
        if self._pending_count:
            self._write_segment(self._new_segment, np.vstack(self._pending))
            self._pending, self._pending_count = [], 0
            self._new_segment = self._next_segment
            self._next_segment += 1
        while True:  # tiered merges; a merge may fill the next tier
            groups = seg.plan_merges(self._segment_sizes())
            if not groups:
                break
            for group in groups:
                self._merge(group)

    def _segment_sizes(self) -> list[tuple[int, int]]:
        """(segment id, live vectors) — tombstones do not count towards a tier."""
        live = dict(self.con.execute("SELECT segment, count(*) FROM chunks GROUP BY segment"))
        return [(sid, live.get(sid, 0)) for (sid,) in self.con.execute("SELECT id FROM segments ORDER BY id")]

    def _merge(self, group: list[int], force: bool = False) -> int:
        """Rewrite the live vectors of `group` as one new segment and repoint their chunks."""
        if len(group) < 2 and not force:
            return 0
        parts, moves = [], []
        for sid in group:
            (name,) = self.con.execute("SELECT file FROM segments WHERE id = ?", (sid,)).fetchone()
            rows = self.con.execute("SELECT id, pos FROM chunks WHERE segment = ? ORDER BY pos", (sid,)).fetchall()
            index = seg.read(self.store.seg_dir / name)
            parts.append(seg.reconstruct(index, [p for _, p in rows]))
            moves += [cid for cid, _ in rows]
            self._obsolete.append(name)
            self.con.execute("DELETE FROM segments WHERE id = ?", (sid,))
        sid = self._next_segment
        self._next_segment += 1
        vectors = np.vstack(parts) if parts else np.empty((0, self.dim), dtype="float32")
        if len(vectors):
            self._write_segment(sid, vectors)
            self.con.executemany("UPDATE chunks SET segment = ?, pos = ? WHERE id = ?", ((sid, i, cid) for i, cid in enumerate(moves)))
        return len(group)

    def _after_commit(self) -> None:
        # Views of this or other processes may still have these mmap'd: unlinking keeps their pages valid.
        for name in self._obsolete:
            (self.store.seg_dir / name).unlink(missing_ok=True)

    def _discard(self) -> None:
        for path in self._written:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".tmp").unlink(missing_ok=True)


# ---- read views -------------------------------------------------------------------------------


class EmbeddedCorpus(SqlCorpus):
    """A read view: the segments committed at `generation` (mmap'd, shared) and SQLite for the rest.

    SQLite reads go through one connection per thread; `reading()` pins one snapshot for an answer.
    """

    tables = TABLES

    def __init__(self, store: EmbeddedStore, con: sqlite3.Connection | None, dim: int, build: dict, generation: int,
                 segments: list[tuple[int, Any]]) -> None:
        super().__init__(store, con, dim, build, generation)
        self._segments = segments
        self.path = store.root

    # ---- SQLite access ------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        return _connect(self.store.db)

    def _one(self, sql: str, args: tuple = ()):
        return self._con().execute(sql, args).fetchone()

    def _rows(self, sql: str, args: tuple = ()):
        return self._con().execute(sql, args).fetchall()

    def _begin(self, con: sqlite3.Connection) -> None:
        con.execute("BEGIN")  # WAL: a consistent snapshot until COMMIT; writers go on meanwhile
        con.execute("SELECT 1 FROM meta LIMIT 1").fetchone()  # the snapshot starts at the first read: now

    def _end(self, con: sqlite3.Connection) -> None:
        if con.in_transaction:
            con.execute("COMMIT")

    # ---- read API -----------------------------------------------------------------------------

    @property
    def chunk_count(self) -> int:
        return self._one("SELECT count(*) FROM chunks")[0] if self._ready else 0

    def node(self, chunk_id: str) -> TextNode:
        row = self._ready and self._one("SELECT chunk_id, doc_id, start, end, text FROM chunks WHERE chunk_id = ?", (chunk_id,))
        if not row:
            raise KeyError(chunk_id)
        return node(row)

    def dense(self, vector, k: int) -> list[tuple[str, float]]:
        if not self._segments or k <= 0:
            return []
        q = np.asarray(vector, dtype="float32")
        fetch = k + max(10, k // 2)  # over-fetch: some hits may be tombstones (deleted chunks)
        found = []
        for sid, index in self._segments:
            scores, positions = seg.search(index, q, fetch)
            found += [(float(s), sid, int(p)) for s, p in zip(scores, positions)]
        found.sort(key=lambda t: -t[0])
        out = []
        con = self._con()
        for score, sid, pos in found:
            row = con.execute("SELECT chunk_id FROM chunks WHERE segment = ? AND pos = ?", (sid, pos)).fetchone()
            if row:
                out.append((row[0], score))
                if len(out) == k:
                    break
        return out

    def keyword(self, query: str, k: int) -> list[str]:
        if not self._ready or k <= 0:
            return []
        con = self._con()
        match = kw.build_query(con, query, "fts_vocab")
        if not match:
            return []
        # Rank inside FTS5 first (bm25 over the matches, top k), then map those few rowids to chunks.
        rows = con.execute("SELECT c.chunk_id FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?) f"
                           " JOIN chunks c ON c.id = f.rowid ORDER BY f.rank", (match, k)).fetchall()
        return [r[0] for r in rows]

    def chunk_vector(self, chunk_id: str) -> list[float]:
        row = self._ready and self._one("SELECT segment, pos FROM chunks WHERE chunk_id = ?", (chunk_id,))
        if not row:
            raise KeyError(chunk_id)
        for sid, index in self._segments:
            if sid == row[0]:
                return index.reconstruct(int(row[1])).tolist()
        # The chunk's vector moved to a segment this view does not have (merged after it was opened).
        (name,) = self._one("SELECT file FROM segments WHERE id = ?", (row[0],))
        return self.store.segment(name).reconstruct(int(row[1])).tolist()

    def title_vectors(self, doc_ids) -> dict[str, np.ndarray]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids or not self._ready or not self._has_titles():
            return {}
        out = {}
        for i in range(0, len(ids), 500):  # under SQLite's limit on bound parameters
            part = ids[i : i + 500]
            out.update((d, np.frombuffer(v, dtype="float32")) for d, v in self._rows(
                f"SELECT t.doc_id, t.vector FROM titles t JOIN articles a ON a.doc_id = t.doc_id"
                f" WHERE t.doc_id IN ({','.join('?' * len(part))}) AND {_CURRENT_TITLE}", tuple(part)))
        return out

    def _has_titles(self) -> bool:
        """An index no writer has touched since headline vectors were stored has no titles table."""
        if "_titles_table" not in self.__dict__:
            self._titles_table = self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'titles'") is not None
        return self._titles_table

    def outlet_count(self) -> int:
        if not self._ready:
            return 0
        return self._one("SELECT count(DISTINCT coalesce(nullif(source, ''), char(1) || doc_id)) FROM articles")[0]

    def duplicates_index(self) -> Mapping[str, list[str]]:
        return self._dupes

    def stats(self) -> StoreStats:
        if not self._ready:
            return StoreStats(0, 0, [], None, None)
        outlets = [s for (s,) in self._rows("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL AND source != '' ORDER BY source")]
        first, last = self._one("SELECT min(published_at), max(published_at) FROM articles WHERE published_at IS NOT NULL AND published_at != ''")
        disk = sum(p.stat().st_size for p in self.store.root.rglob("*") if p.is_file())
        return StoreStats(len(self.docs), self.chunk_count, outlets, first, last, len(self._segments), disk)
