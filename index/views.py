"""Read-only views over an SQL engine's tables, shared by the embedded (SQLite) and PostgreSQL engines.

A corpus exposes `docs`, `texts` and its duplicates as Mappings that look a key up per call, and its dense
side as a llama-index vector store; only the table names, the parameter marker and the insertion-order
column differ between the engines (`Tables`). The corpus supplies `_one(sql, args)`, `_rows(sql, args)`,
`_ready` (False for a location with nothing committed yet) and `dense(vector, k)`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult

from index.store import Corpus, DocRecord


@dataclass(frozen=True)
class Tables:
    articles: str
    chunks: str
    param: str  # "?" (sqlite3) or "%s" (psycopg2)
    order: str  # the column that keeps insertion order: rowid, seq


def record(row, chunk_ids: list[str]) -> DocRecord:
    """A DocRecord from (content_hash, meta_hash, metadata, duplicate_of, origin); metadata as JSON text or
    already decoded (PostgreSQL jsonb)."""
    content_hash, meta_hash, metadata, duplicate_of, origin = row
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return DocRecord(content_hash, meta_hash, metadata, chunk_ids, duplicate_of, origin)


def node(row) -> TextNode:
    """A chunk row (chunk_id, doc_id, start, end, text) as the llama-index TextNode the retriever returns."""
    chunk_id, doc_id, start, end, text = row
    chunk = TextNode(id_=chunk_id, text=text, start_char_idx=start, end_char_idx=end, metadata={"doc_id": doc_id},
                     excluded_embed_metadata_keys=["doc_id"], excluded_llm_metadata_keys=["doc_id"])
    chunk.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_id)
    return chunk


class _Articles(Mapping):
    """Keys: the doc_ids of the articles table that satisfy `_filter` (a SQL condition, or "")."""

    _filter = ""

    def __init__(self, corpus: Any, tables: Tables) -> None:
        self.c, self.t = corpus, tables

    def _where(self, *conditions: str) -> str:
        parts = [c for c in (*conditions, self._filter) if c]
        return " WHERE " + " AND ".join(parts) if parts else ""

    def __len__(self) -> int:
        return self.c._one(f"SELECT count(*) FROM {self.t.articles}{self._where()}")[0] if self.c._ready else 0

    def __iter__(self):
        if self.c._ready:
            yield from (d for (d,) in self.c._rows(f"SELECT doc_id FROM {self.t.articles}{self._where()} ORDER BY {self.t.order}"))

    def __contains__(self, doc_id: object) -> bool:
        sql = f"SELECT 1 FROM {self.t.articles}{self._where(f'doc_id = {self.t.param}')}"
        return bool(self.c._ready) and self.c._one(sql, (doc_id,)) is not None


class Docs(_Articles):
    def __getitem__(self, doc_id: str) -> DocRecord:
        t = self.t
        row = self.c._ready and self.c._one(
            f"SELECT content_hash, meta_hash, metadata, duplicate_of, origin FROM {t.articles} WHERE doc_id = {t.param}", (doc_id,))
        if not row:
            raise KeyError(doc_id)
        chunks = self.c._rows(f"SELECT chunk_id FROM {t.chunks} WHERE doc_id = {t.param} ORDER BY seq", (doc_id,))
        return record(row, [c for (c,) in chunks])


class Texts(_Articles):
    _filter = "text IS NOT NULL"  # a recorded duplicate keeps no text of its own

    def __getitem__(self, doc_id: str) -> str:
        row = self.c._ready and self.c._one(f"SELECT text FROM {self.t.articles} WHERE doc_id = {self.t.param}", (doc_id,))
        if not row or row[0] is None:
            raise KeyError(doc_id)
        return row[0]


class Duplicates(Mapping):
    """doc_id -> the doc_ids recorded as identical copies of it."""

    def __init__(self, corpus: Any, tables: Tables) -> None:
        self.c, self.t = corpus, tables

    def __getitem__(self, doc_id: str) -> list[str]:
        t = self.t
        sql = f"SELECT doc_id FROM {t.articles} WHERE duplicate_of = {t.param} ORDER BY {t.order}"
        out = [d for (d,) in self.c._rows(sql, (doc_id,))] if self.c._ready else []
        if not out:
            raise KeyError(doc_id)
        return out

    def __iter__(self):
        if self.c._ready:
            yield from (d for (d,) in self.c._rows(f"SELECT DISTINCT duplicate_of FROM {self.t.articles} WHERE duplicate_of IS NOT NULL"))

    def __len__(self) -> int:
        return self.c._one(f"SELECT count(DISTINCT duplicate_of) FROM {self.t.articles}")[0] if self.c._ready else 0


class CorpusVectorStore(BasePydanticVectorStore):
    """The dense side of a read view as a llama-index vector store: `query(VectorStoreQuery)` answered by the
    view's `dense()` (FAISS segments, or pgvector inside the view's snapshot). Read-only: writes go through
    `Store.writer()`, which keeps vectors, rows and the keyword index in one transaction."""

    stores_text: bool = False
    _corpus: Any = PrivateAttr()

    def __init__(self, corpus: Any) -> None:
        super().__init__()
        self._corpus = corpus

    @property
    def client(self) -> Any:
        return self._corpus

    def add(self, nodes: list[BaseNode], **kwargs: Any) -> list[str]:
        raise NotImplementedError("a store is written through Store.writer() (index/ingest.py)")

    def delete(self, ref_doc_id: str, **kwargs: Any) -> None:
        raise NotImplementedError("a store is written through Store.writer() (index/ingest.py)")

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        hits = self._corpus.dense(query.query_embedding, query.similarity_top_k)
        return VectorStoreQueryResult(ids=[c for c, _ in hits], similarities=[s for _, s in hits])


class SqlCorpus(Corpus):
    """What both SQL engines' read views share: one connection per reading thread (all closed by
    `close()`), `reading()` pinning one snapshot per answer (nested calls join it), and the Mappings above.
    An engine supplies `_open()` (a new connection), `_begin(con)` and `_end(con)` (start and release a
    read snapshot), plus `_one`/`_rows` in its driver's dialect."""

    tables: Tables

    def __init__(self, store: Any, con: Any, dim: int, build: dict, generation: int) -> None:
        self.store = store
        self.dim = dim
        self.build = build
        self._generation = generation
        self._ready = con is not None  # False: nothing committed yet at this location
        self._local = threading.local()
        if con is not None:
            self._local.con = con
        self._cons: list = [con] if con is not None else []
        self._cons_lock = threading.Lock()
        self.docs = Docs(self, self.tables)
        self.texts = Texts(self, self.tables)
        self._dupes = Duplicates(self, self.tables)
        self.vector_store = CorpusVectorStore(self)

    def _open(self) -> Any:
        raise NotImplementedError

    def _begin(self, con: Any) -> None:
        raise NotImplementedError

    def _end(self, con: Any) -> None:
        raise NotImplementedError

    def _con(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._open()
            with self._cons_lock:
                self._cons.append(con)
        return con

    @contextmanager
    def reading(self) -> Iterator[None]:
        if not self._ready:
            yield
            return
        depth = getattr(self._local, "depth", 0)
        con = self._con()
        if depth == 0:
            self._begin(con)
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                self._end(con)

    def close(self) -> None:
        with self._cons_lock:
            for con in self._cons:
                con.close()
            self._cons.clear()
        self._ready = False

    def generation(self) -> int:
        return self._generation
