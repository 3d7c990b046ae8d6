"""The PostgreSQL engine: articles, chunks (pgvector embedding + tsvector) and the manifest as tables of
one database, shared safely by any number of processes on any number of machines.

Tables (in the URL's database, current schema):
    newsbot_meta      format, dim, build, generation (bumped by every commit: running front-ends refresh)
    newsbot_articles  the manifest row, metadata, cleaned text of each article
    newsbot_chunks    id, doc, offsets, text, `embedding vector(dim)` (HNSW, vector_cosine_ops),
                      `tsv tsvector` (GIN; english configuration) and `len` (tokens) for the keyword side
    newsbot_lexemes   per lexeme, the chunks holding it (BM25's document frequency), kept by every write
    newsbot_titles    per article the headline its `embedding vector(dim)` was made from at ingest (looked up
                      by doc_id for the headline rerank, never searched: no HNSW index)

Writes: one transaction per `Store.writer()`; writers serialise on `pg_advisory_xact_lock` (released by
commit or rollback, also when the writer's process dies), readers never wait (MVCC). A killed writer's
transaction is rolled back by the server, so the last committed state is all anyone sees.

Why our own SQL rather than llama-index's PGVectorStore for the chunk table: its `add`/`delete` each run
in a session of their own, so articles, chunks and manifest could not change in one transaction, and its
queries open a new session each, so one answer could read two different commits (`reading()` pins one
snapshot). The dense side is still a llama-index vector store at the seam (`index.views.CorpusVectorStore`).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Iterator

import numpy as np
from llama_index.core.schema import TextNode

from index import keyword as kw
from index.store import FORMAT, DocRecord, IndexError_, Store, StoreStats, Writer, _redact, checked_vectors
from index.views import SqlCorpus, Tables, node, record

TABLES = Tables(articles="newsbot_articles", chunks="newsbot_chunks", param="%s", order="seq")

log = logging.getLogger(__name__)

# The text search configuration of new databases: PostgreSQL's english parser and Snowball stems, but no
# stopword list, so that like FTS5 every word is indexed and the question side alone decides which words
# are too common (index/keyword.py's list, then the postings budget). With the stock `english`
# configuration, words such as "which", "what" and "did" were dropped here but matched by FTS5, and the
# sample set's keyword rankings differed (README "PostgreSQL"). Databases written before keep `english`
# (recorded in newsbot_meta 'text_config').
TEXT_CONFIG = "newsbot_english"
TEXT_CONFIG_SQL = """
CREATE TEXT SEARCH DICTIONARY newsbot_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION newsbot_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION newsbot_english ALTER MAPPING REPLACE english_stem WITH newsbot_english_stem;
"""
WRITE_LOCK = 0x6E657773626F74  # "newsbot": the advisory lock every writer of a database takes
EF_SEARCH = 100  # HNSW candidate list per query (pgvector's default 40 loses recall at k=20)
# Keyword work per question: BM25 is computed in SQL for the chunks the GIN index returns, so the postings
# budget is half the embedded engine's (FTS5 ranks inside its index). Measured on 100k chunks (bench/scale_pg.py
# corpus, 100 questions, load ~8): with pruning, budget 10k -> keyword p95 74 ms, 20k -> 139-196 ms.
POSTINGS_BUDGET = 10_000
REINDEX_DEAD_SHARE = 0.2  # compact rebuilds the HNSW index when dead chunk rows exceed this share of live ones
PROBE_POSTINGS = 1_000  # postings of the rarest lexemes scored first, to bound what the rest may add (MaxScore)
_TOTALS = ("UPDATE newsbot_meta SET value = (value::bigint {sign} CASE key WHEN 'chunks' THEN (SELECT count(*) FROM {rows})"
           " ELSE (SELECT coalesce(sum(len), 0) FROM {rows}) END)::text WHERE key IN ('chunks', 'tokens')")

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS newsbot_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS newsbot_articles (
    seq bigserial NOT NULL, doc_id text PRIMARY KEY, content_hash text NOT NULL, meta_hash text NOT NULL,
    metadata json NOT NULL, duplicate_of text, origin text NOT NULL DEFAULT '', source text, published_at text, text text);
CREATE INDEX IF NOT EXISTS newsbot_articles_hash ON newsbot_articles (content_hash) WHERE duplicate_of IS NULL;
CREATE INDEX IF NOT EXISTS newsbot_articles_dup ON newsbot_articles (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS newsbot_chunks (
    id bigserial PRIMARY KEY, chunk_id text NOT NULL UNIQUE, doc_id text NOT NULL, seq integer NOT NULL,
    start_idx integer NOT NULL, end_idx integer NOT NULL, text text NOT NULL, embedding vector({dim}) NOT NULL,
    tsv tsvector NOT NULL);
CREATE INDEX IF NOT EXISTS newsbot_chunks_doc ON newsbot_chunks (doc_id, seq);
CREATE INDEX IF NOT EXISTS newsbot_chunks_embedding ON newsbot_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS newsbot_chunks_tsv ON newsbot_chunks USING gin (tsv);
"""
TITLES = "CREATE TABLE IF NOT EXISTS newsbot_titles (doc_id text PRIMARY KEY, title text NOT NULL, embedding vector({dim}) NOT NULL);"
# A stored headline vector counts only while its title is the article's current one (any writer, even
# one that predates the titles table, can change the metadata).
_CURRENT_TITLE = "t.title = a.metadata->>'title'"
# BM25 statistics, kept current by every write in its own transaction, so that a question reads its
# lexemes' document frequencies and the mean chunk length from a few rows instead of counting postings:
# per chunk its length in indexed tokens (`len`), per lexeme the chunks holding it (`newsbot_lexemes`),
# and the totals in newsbot_meta ('chunks', 'tokens'). A database written before these existed gets them
# computed once by its next writer (or `newsbot compact`).
# A chunk's length in tokens, as FTS5's bm25() counts it (stopwords included): a tsvector keeps every
# kept word's positions, and positions count the stopwords between them, so the last position is the length.
TOKENS = "(SELECT coalesce(max(positions[array_length(positions, 1)]), 0) FROM unnest({tsv}))"
STATS = f"""
ALTER TABLE newsbot_chunks ADD COLUMN IF NOT EXISTS len integer;
UPDATE newsbot_chunks SET len = {TOKENS.format(tsv="tsv")} WHERE len IS NULL;
ALTER TABLE newsbot_chunks ALTER COLUMN len SET NOT NULL;
CREATE TABLE newsbot_lexemes (lexeme text PRIMARY KEY, df integer NOT NULL);
INSERT INTO newsbot_lexemes SELECT lexeme, count(*) FROM newsbot_chunks, unnest(tsv) GROUP BY lexeme;
DELETE FROM newsbot_meta WHERE key IN ('chunks', 'tokens');
INSERT INTO newsbot_meta SELECT 'chunks', count(*)::text FROM newsbot_chunks;
INSERT INTO newsbot_meta SELECT 'tokens', coalesce(sum(len), 0)::text FROM newsbot_chunks;
"""


def _driver():
    try:
        import psycopg2
        import psycopg2.extras
        from pgvector.psycopg2 import register_vector
    except ImportError:
        raise IndexError_("PostgreSQL storage needs the pg extra: pip install 'newsbot[pg]'") from None
    return psycopg2, register_vector


class PgStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        self.location = _redact(url)  # shown in messages: never the password
        self._pg, self._register_vector = _driver()
        self._gen_con = None
        self._gen_lock = threading.Lock()

    # ---- connections --------------------------------------------------------------------------

    def connect(self, autocommit: bool = True):
        try:
            con = self._pg.connect(self.url, connect_timeout=10, application_name="newsbot")
        except self._pg.Error as e:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[-1].strip()
            raise IndexError_(f"{self.location}: cannot connect to PostgreSQL ({reason})") from None
        con.autocommit = autocommit
        return con

    def _error(self, e: Exception) -> IndexError_:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
        return IndexError_(f"{self.location}: PostgreSQL error ({reason})")

    # ---- state --------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.generation() > 0

    def generation(self) -> int:
        with self._gen_lock:
            for attempt in (0, 1):  # one reconnect: the server may have restarted since the last check
                if self._gen_con is None or self._gen_con.closed:
                    self._gen_con = self.connect()
                try:
                    with self._gen_con.cursor() as cur:
                        cur.execute("SELECT to_regclass('newsbot_meta') IS NOT NULL")
                        if not cur.fetchone()[0]:
                            return 0
                        cur.execute("SELECT value FROM newsbot_meta WHERE key = 'generation'")
                        row = cur.fetchone()
                        return int(row[0]) if row else 0
                except self._pg.OperationalError as e:
                    self._gen_con.close()
                    if attempt:
                        raise self._error(e) from None
        return 0

    def close(self) -> None:
        with self._gen_lock:
            if self._gen_con is not None:
                self._gen_con.close()
                self._gen_con = None

    # ---- read ---------------------------------------------------------------------------------

    def load(self, embedder=None, dim: int | None = None) -> "PgCorpus":
        if self.generation() == 0:
            return PgCorpus(self, None, dim or 0, {}, 0)
        con = self.connect()
        try:
            self._register_vector(con)
            with con.cursor() as cur:
                cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cur.execute("SELECT key, value FROM newsbot_meta")
                meta = dict(cur.fetchall())
                cur.execute("COMMIT")
                cur.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
        except self._pg.Error as e:
            con.close()
            raise self._error(e) from None
        if int(meta.get("format", 0)) != FORMAT:
            con.close()
            raise IndexError_(f"{self.location}: index format {meta.get('format')} is not {FORMAT}; rebuild it with newsbot ingest")
        stored_dim = int(meta.get("dim", 0))
        if dim and stored_dim and stored_dim != dim:
            con.close()
            raise IndexError_(f"{self.location}: built with {stored_dim}-d embeddings, the configured model gives {dim}-d; rebuild it")
        if "tokens" not in meta:  # written before the BM25 statistics: computed once, by a writer (one transaction)
            con.close()
            with self.writer(stored_dim):
                pass
            return self.load(embedder, dim)
        corpus = PgCorpus(self, con, stored_dim or dim or 0, json.loads(meta.get("build", "{}")), int(meta.get("generation", 0)))
        corpus.text_config = _checked_config(meta.get("text_config"))
        return corpus

    # ---- write --------------------------------------------------------------------------------

    def _prepare(self, cur, dim: int) -> bool:
        """Create the schema on a new database, add what an older one lacks; True when it changed."""
        cur.execute("SELECT to_regclass('newsbot_meta') IS NOT NULL")
        if not cur.fetchone()[0]:  # first write to this database: the schema lands with it (DDL is transactional)
            cur.execute(SCHEMA.format(dim=int(dim)))
            cur.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s AND pg_ts_config_is_visible(oid)", (TEXT_CONFIG,))
            if cur.fetchone() is None:
                cur.execute(TEXT_CONFIG_SQL)
            cur.execute("INSERT INTO newsbot_meta VALUES ('format', %s), ('dim', %s), ('generation', '0'), ('build', '{}'),"
                        " ('text_config', %s)", (str(FORMAT), str(dim), TEXT_CONFIG))
        cur.execute("SELECT to_regclass('newsbot_lexemes') IS NOT NULL")
        upgraded = not cur.fetchone()[0]
        if upgraded:  # a new database, or one written before the BM25 statistics existed
            cur.execute(STATS)
        cur.execute("SELECT key, value FROM newsbot_meta WHERE key IN ('format', 'dim')")
        meta = dict(cur.fetchall())
        if int(meta["format"]) != FORMAT:
            raise IndexError_(f"{self.location}: index format {meta['format']} is not {FORMAT}; rebuild it with newsbot ingest")
        if int(meta["dim"]) != dim:
            raise IndexError_(f"{self.location}: built with {meta['dim']}-d embeddings, the configured model gives {dim}-d; "
                              "use another database")
        cur.execute("SELECT to_regclass('newsbot_titles') IS NOT NULL")
        if not cur.fetchone()[0]:  # a new database, or one written before headline vectors were stored
            cur.execute(TITLES.format(dim=int(dim)))
            upgraded = True
        return upgraded

    @contextmanager
    def writer(self, dim: int) -> Iterator["PgWriter"]:
        con = self.connect(autocommit=False)
        try:
            try:
                with con.cursor() as cur:
                    # Serialises writers across processes and machines; released at commit/rollback, and by
                    # the server if this process dies (its transaction is rolled back: nothing half-written).
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    upgraded = self._prepare(cur, dim)
                self._register_vector(con)
            except self._pg.Error as e:
                raise self._error(e) from None
            w = PgWriter(self, con, dim)
            w.changed = upgraded
            try:
                yield w
                if w.changed:
                    with con.cursor() as cur:
                        cur.execute("UPDATE newsbot_meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")
                    con.commit()
                else:
                    con.rollback()
            except self._pg.Error as e:
                con.rollback()
                raise self._error(e) from None
            except BaseException:
                con.rollback()
                raise
        finally:
            con.close()


    def compact(self) -> dict:
        """What keeps a PostgreSQL index lean after many updates and deletes: drop lexemes no chunk holds any
        more, rebuild the HNSW index when deleted chunks are many (pgvector's advice: vacuuming an HNSW
        index with many dead tuples is slow and a rebuild is faster), then VACUUM (ANALYZE) the tables,
        which frees dead rows in the heap, GIN and HNSW indexes and refreshes the planner's statistics."""
        if not self.exists():
            raise IndexError_(f"{self.location}: no index here")
        try:
            con = self.connect()
            with con.cursor() as cur:
                cur.execute("SELECT value FROM newsbot_meta WHERE key = 'dim'")
                dim = int(cur.fetchone()[0])
            with self.writer(dim) as w:
                w.cur.execute("DELETE FROM newsbot_lexemes WHERE df <= 0")
                dropped = w.cur.rowcount
                w.changed = w.changed or dropped > 0
            with con.cursor() as cur:
                cur.execute("SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'newsbot_chunks'")
                live, dead = cur.fetchone() or (0, 0)
                reindex = dead > REINDEX_DEAD_SHARE * max(1, live)
                if reindex:
                    cur.execute("REINDEX INDEX CONCURRENTLY newsbot_chunks_embedding")  # readers and writers go on
                for table in ("newsbot_chunks", "newsbot_articles", "newsbot_lexemes", "newsbot_titles", "newsbot_meta"):
                    cur.execute(f"VACUUM (ANALYZE) {table}")
            con.close()
        except self._pg.Error as e:
            raise self._error(e) from None
        return {"dead_chunks": int(dead), "lexemes_dropped": dropped, "hnsw_rebuilt": reindex,
                "summary": f"VACUUM (ANALYZE) of the 5 newsbot tables cleared {dead:,} dead chunk rows; "
                           f"{dropped:,} unused lexemes dropped; HNSW index {'rebuilt' if reindex else 'kept'}"}


def _text_config(con) -> str:
    with con.cursor() as cur:
        cur.execute("SELECT value FROM newsbot_meta WHERE key = 'text_config'")
        row = cur.fetchone()
    return _checked_config(row[0] if row else None)


def _checked_config(name: str | None) -> str:
    """The recorded configuration's name (written into SQL text: only a plain identifier passes)."""
    if name is None:
        return "english"  # databases written before 'text_config' was recorded
    if not name.isidentifier():
        raise IndexError_(f"newsbot_meta text_config {name!r} is not a text search configuration name")
    return name


class PgWriter(Writer):
    def __init__(self, store: PgStore, con, dim: int) -> None:
        self.store, self.con, self.dim = store, con, dim
        self.text_config = _text_config(con)
        self.cur = con.cursor()
        self.changed = False

    def _one(self, sql: str, args: tuple = ()):
        self.cur.execute(sql, args)
        return self.cur.fetchone()

    def _col(self, sql: str, args: tuple = ()) -> list:
        self.cur.execute(sql, args)
        return [r[0] for r in self.cur.fetchall()]

    @property
    def build(self) -> dict:
        return json.loads(self._one("SELECT value FROM newsbot_meta WHERE key = 'build'")[0])

    @build.setter
    def build(self, value: dict) -> None:
        if value != self.build:
            self.cur.execute("UPDATE newsbot_meta SET value = %s WHERE key = 'build'", (json.dumps(value, sort_keys=True),))
            self.changed = True

    def record(self, doc_id: str) -> DocRecord | None:
        row = self._one("SELECT content_hash, meta_hash, metadata, duplicate_of, origin FROM newsbot_articles WHERE doc_id = %s", (doc_id,))
        if row is None:
            return None
        return record(row, self._col("SELECT chunk_id FROM newsbot_chunks WHERE doc_id = %s ORDER BY seq", (doc_id,)))

    def text(self, doc_id: str) -> str | None:
        row = self._one("SELECT text FROM newsbot_articles WHERE doc_id = %s", (doc_id,))
        return row[0] if row else None

    def canonical(self, content_hash: str) -> str | None:
        row = self._one("SELECT doc_id FROM newsbot_articles WHERE content_hash = %s AND duplicate_of IS NULL ORDER BY seq LIMIT 1",
                        (content_hash,))
        return row[0] if row else None

    def duplicates(self, doc_id: str) -> list[str]:
        return self._col("SELECT doc_id FROM newsbot_articles WHERE duplicate_of = %s ORDER BY seq", (doc_id,))

    def put(self, doc_id: str, record: DocRecord, text: str | None = None) -> None:
        m = record.metadata
        if record.duplicate_of:  # a duplicate keeps no text of its own
            text = None
        self.cur.execute(
            "INSERT INTO newsbot_articles (content_hash, meta_hash, metadata, duplicate_of, origin, source, published_at, text, doc_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (doc_id) DO UPDATE SET content_hash = excluded.content_hash,"
            " meta_hash = excluded.meta_hash, metadata = excluded.metadata, duplicate_of = excluded.duplicate_of,"
            " origin = excluded.origin, source = excluded.source, published_at = excluded.published_at,"
            " text = CASE WHEN excluded.duplicate_of IS NOT NULL THEN NULL ELSE coalesce(excluded.text, newsbot_articles.text) END",
            (record.content_hash, record.meta_hash, json.dumps(m, ensure_ascii=False), record.duplicate_of, record.origin,
             m.get("source"), m.get("published_at"), text, doc_id))
        self.changed = True

    def delete(self, doc_id: str) -> None:
        # The chunks leave the BM25 statistics in the statement that deletes them (a lexeme left at df 0
        # is harmless; `compact` drops such rows).
        self.cur.execute(
            "WITH gone AS (DELETE FROM newsbot_chunks WHERE doc_id = %s RETURNING tsv, len),"
            " lx AS (UPDATE newsbot_lexemes l SET df = l.df - g.n"
            "        FROM (SELECT lexeme, count(*) AS n FROM gone, unnest(gone.tsv) GROUP BY lexeme) g WHERE l.lexeme = g.lexeme)"
            f" {_TOTALS.format(sign='-', rows='gone')}", (doc_id,))
        self.cur.execute("DELETE FROM newsbot_titles WHERE doc_id = %s", (doc_id,))
        self.cur.execute("DELETE FROM newsbot_articles WHERE doc_id = %s", (doc_id,))
        self.changed = True

    def put_title(self, doc_id: str, title: str, vector: list[float] | None) -> None:
        if vector is None:
            self.cur.execute("DELETE FROM newsbot_titles WHERE doc_id = %s", (doc_id,))
        else:
            v = checked_vectors(vector, self.dim, 1, self.store.location, "headline vector")
            self.cur.execute("INSERT INTO newsbot_titles (doc_id, title, embedding) VALUES (%s, %s, %s::vector) ON CONFLICT (doc_id)"
                             " DO UPDATE SET title = excluded.title, embedding = excluded.embedding", (doc_id, title, v))
        self.changed = True

    def stored_title(self, doc_id: str) -> str | None:
        row = self._one("SELECT title FROM newsbot_titles WHERE doc_id = %s", (doc_id,))
        return row[0] if row else None

    def untitled(self) -> list[tuple[str, str]]:
        self.cur.execute(
            "SELECT a.doc_id, a.metadata->>'title' FROM newsbot_articles a"
            f" LEFT JOIN newsbot_titles t ON t.doc_id = a.doc_id AND {_CURRENT_TITLE}"
            " WHERE a.duplicate_of IS NULL AND t.doc_id IS NULL ORDER BY a.seq")
        return [(d, t) for d, t in self.cur.fetchall() if t and t.strip()]

    def add_chunks(self, doc_id: str, nodes: list[TextNode], keyword_texts: list[str]) -> None:
        if not nodes:
            return
        import psycopg2.extras

        vectors = checked_vectors([n.get_embedding() for n in nodes], self.dim, 2, self.store.location, "vectors")
        rows = [(node.id_, doc_id, seq, node.start_char_idx or 0, node.end_char_idx or 0, node.get_content(), vec, ktext)
                for seq, (node, vec, ktext) in enumerate(zip(nodes, vectors, keyword_texts))]
        # Rows, their lexemes' document frequencies and the totals change in one statement (per page).
        psycopg2.extras.execute_values(
            self.cur,
            "WITH v AS (SELECT c, d, s, a, b, t, e, to_tsvector('" + self.text_config + "', k) AS tsv FROM (VALUES %s) x(c, d, s, a, b, t, e, k)),"
            " ins AS (INSERT INTO newsbot_chunks (chunk_id, doc_id, seq, start_idx, end_idx, text, embedding, tsv, len)"
            f"        SELECT c, d, s, a, b, t, e, tsv, {TOKENS.format(tsv='v.tsv')} FROM v RETURNING tsv, len),"
            " lx AS (INSERT INTO newsbot_lexemes SELECT lexeme, count(*) FROM ins, unnest(ins.tsv) GROUP BY lexeme"
            "        ON CONFLICT (lexeme) DO UPDATE SET df = newsbot_lexemes.df + excluded.df)"
            f" {_TOTALS.format(sign='+', rows='ins')}",
            rows, template="(%s, %s, %s::integer, %s::integer, %s::integer, %s, %s::vector, %s)", page_size=500)
        self.changed = True

    def chunk_count(self) -> int:
        return self._one("SELECT count(*) FROM newsbot_chunks")[0]


# ---- read views -------------------------------------------------------------------------------


class PgCorpus(SqlCorpus):
    """A read view: one connection per reading thread; `reading()` pins one REPEATABLE READ snapshot
    for an answer (writers go on meanwhile; the view sees their commits after it)."""

    tables = TABLES
    text_config = TEXT_CONFIG  # load() sets the database's own

    def __init__(self, store: PgStore, con, dim: int, build: dict, generation: int) -> None:
        super().__init__(store, con, dim, build, generation)

    # ---- connection per thread ------------------------------------------------------------------

    def _open(self):
        con = self.store.connect()
        self.store._register_vector(con)
        with con.cursor() as cur:
            cur.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
        return con

    def _rows(self, sql: str, args: tuple = ()) -> list:
        try:
            with self._con().cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        except self.store._pg.OperationalError as e:
            raise self.store._error(e) from None

    def _one(self, sql: str, args: tuple = ()):
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def _begin(self, con) -> None:
        with con.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT 1")  # the snapshot is taken at the first statement: now

    def _end(self, con) -> None:
        if not con.closed:
            with con.cursor() as cur:
                cur.execute("ROLLBACK")  # read-only: nothing to commit

    # ---- read API -----------------------------------------------------------------------------

    @property
    def chunk_count(self) -> int:
        return self._one("SELECT count(*) FROM newsbot_chunks")[0] if self._ready else 0

    def node(self, chunk_id: str) -> TextNode:
        row = self._ready and self._one("SELECT chunk_id, doc_id, start_idx, end_idx, text FROM newsbot_chunks WHERE chunk_id = %s",
                                        (chunk_id,))
        if not row:
            raise KeyError(chunk_id)
        return node(row)

    def dense(self, vector, k: int) -> list[tuple[str, float]]:
        if not self._ready or k <= 0:
            return []
        q = np.asarray(vector, dtype="float32")
        rows = self._rows("SELECT chunk_id, 1 - (embedding <=> %s) FROM newsbot_chunks ORDER BY embedding <=> %s LIMIT %s", (q, q, k))
        return [(c, float(s)) for c, s in rows]

    def keyword(self, query: str, k: int) -> list[str]:
        if not self._ready or k <= 0:
            return []
        words = kw.terms(query)[: kw.MAX_TERMS * 2]
        if not words:
            return []
        # Each word becomes lexemes through PostgreSQL's own parser and english dictionary (any text is safe:
        # no query syntax of the user's reaches the server), with its document frequency from the statistics
        # table; then, as in the embedded engine (index/keyword.py), the rarest lexemes are kept within a
        # budget of postings.
        rows = self._rows(
            f"SELECT x.lex, coalesce(l.df, 0), (SELECT value FROM newsbot_meta WHERE key = 'chunks'),"
            f" (SELECT value FROM newsbot_meta WHERE key = 'tokens')"
            f" FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, i)"
            f" CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('{self.text_config}', w.word))) AS x(lex)"
            f" LEFT JOIN newsbot_lexemes l ON l.lexeme = x.lex ORDER BY w.i", (words,))
        if not rows:
            return []
        total, tokens = int(rows[0][2]), int(rows[0][3])
        df = sorted({lex: int(n) for lex, n, _, _ in rows if n > 0}.items(), key=lambda t: t[1])
        kept, postings = [], 0
        for lex, n in df[: kw.MAX_TERMS]:
            if kept and postings + n > POSTINGS_BUDGET:
                break
            kept.append((lex, n))
            postings += n
        if not kept:
            return []
        # BM25 as FTS5's bm25() computes it (k1 1.2, b 0.75, IDF log((N - n + 0.5) / (n + 0.5)) floored at
        # 1e-6, length in tokens against the mean over all chunks), for the chunks the GIN index returns.
        # MaxScore pruning keeps that exact while scoring fewer chunks: a lexeme adds at most 2.2 * its IDF
        # (tf -> infinity), so once the chunks matching the rarest lexemes give a k-th best score theta, a
        # chunk holding only common lexemes whose bounds sum below theta cannot enter the top k, and those
        # lexemes' postings are never read (they still count in the scores of the chunks that are read).
        lexemes = [lex for lex, _ in kept]
        idf = [max(1e-6, math.log((total - n + 0.5) / (n + 0.5))) for _, n in kept]
        avg_len = max(1.0, tokens / max(1, total))
        probe, postings = 0, 0
        while probe < len(kept) and (not probe or postings + kept[probe][1] <= PROBE_POSTINGS):
            postings += kept[probe][1]
            probe += 1
        hits = self._bm25(lexemes, idf, avg_len, lexemes[:probe], k)
        if probe == len(kept):
            return [c for c, _ in hits]
        theta = hits[-1][1] if len(hits) == k else 0.0
        essential, bound = len(kept), 0.0
        while essential > probe and bound + 2.2 * idf[essential - 1] < theta:
            essential -= 1
            bound += 2.2 * idf[essential]
        if essential == probe:
            return [c for c, _ in hits]
        return [c for c, _ in self._bm25(lexemes, idf, avg_len, lexemes[:essential], k)]

    def _bm25(self, lexemes: list[str], idf: list[float], avg_len: float, match: list[str], k: int) -> list[tuple[str, float]]:
        """Top k (chunk_id, BM25 over `lexemes`) among the chunks holding any of `match`. Per chunk the
        tsvector is read once: setweight + ts_filter cut it to `lexemes`, whose position counts are the
        term frequencies."""
        tsquery = " | ".join("'" + lex.replace("\\", "\\\\").replace("'", "''") + "'" for lex in match)
        return self._rows(
            "SELECT chunk_id, score FROM (SELECT c.id, c.chunk_id,"
            "   sum(idf[array_position(%s::text[], u.lexeme)] * cardinality(u.positions) * 2.2"
            "       / (cardinality(u.positions) + 1.2 * (0.25 + 0.75 * c.len / %s))) AS score"
            "  FROM newsbot_chunks c CROSS JOIN LATERAL unnest(ts_filter(setweight(c.tsv, 'A', %s::text[]), '{a}')) u,"
            "   (SELECT %s::float8[] AS idf) i"
            "  WHERE c.tsv @@ %s::tsquery GROUP BY c.id, c.chunk_id) s ORDER BY score DESC, id LIMIT %s",
            (lexemes, avg_len, lexemes, idf, tsquery, k))

    def chunk_vector(self, chunk_id: str) -> list[float]:
        row = self._ready and self._one("SELECT embedding FROM newsbot_chunks WHERE chunk_id = %s", (chunk_id,))
        if not row:
            raise KeyError(chunk_id)
        vector = row[0].to_numpy() if hasattr(row[0], "to_numpy") else row[0]  # pgvector >= 0.4 returns a Vector
        return np.asarray(vector, dtype="float32").tolist()

    def title_vectors(self, doc_ids) -> dict[str, np.ndarray]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids or not self._ready or not self._has_titles():
            return {}
        rows = self._rows("SELECT t.doc_id, t.embedding FROM newsbot_titles t JOIN newsbot_articles a ON a.doc_id = t.doc_id"
                          f" WHERE t.doc_id = ANY(%s) AND {_CURRENT_TITLE}", (ids,))
        return {d: np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype="float32") for d, v in rows}

    def _has_titles(self) -> bool:
        """A database no writer has touched since headline vectors were stored has no newsbot_titles."""
        if "_titles_table" not in self.__dict__:
            self._titles_table = bool(self._one("SELECT to_regclass('newsbot_titles') IS NOT NULL")[0])
        return self._titles_table

    def outlet_count(self) -> int:
        if not self._ready:
            return 0
        return self._one("SELECT count(DISTINCT coalesce(nullif(source, ''), chr(1) || doc_id)) FROM newsbot_articles")[0]

    def duplicates_index(self) -> Mapping[str, list[str]]:
        return self._dupes

    def stats(self) -> StoreStats:
        if not self._ready:
            return StoreStats(0, 0, [], None, None)
        outlets = [s for (s,) in self._rows("SELECT DISTINCT source FROM newsbot_articles WHERE source IS NOT NULL AND source != '' ORDER BY source")]
        first, last = self._one("SELECT min(published_at), max(published_at) FROM newsbot_articles WHERE published_at IS NOT NULL AND published_at != ''")
        disk = self._one("SELECT sum(pg_total_relation_size(to_regclass(t))) FROM unnest(ARRAY['newsbot_meta', 'newsbot_articles', 'newsbot_chunks', 'newsbot_titles']) t")[0]
        return StoreStats(len(self.docs), self.chunk_count, outlets, first, last, 0, int(disk or 0))
