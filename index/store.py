"""The storage interface every index engine implements, and `open_store`, which picks the engine.

A location is a folder (the embedded engine: SQLite + FAISS segments, index/embedded.py) or, later, a
`postgresql://` URL. Three roles:
    Store   — one location: `exists()`, `generation()`, `load()` a read view, `writer()` a transaction.
    Writer  — one atomic write (under a cross-process writer lock): article records, texts, chunks and
              their vectors, headline vectors, deletes; everything lands at commit or nothing does.
    Corpus  — a read view of the last committed state: what bot/ and retrieval read (docs, texts, nodes,
              sentences, dense and keyword search, headline vectors). Readers never block writers, nor
              writers readers.
Writers keep the ingest rules (index/ingest.py); engines only store and search.
"""

from __future__ import annotations

import abc
import fcntl
from collections import OrderedDict
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import numpy as np
from llama_index.core.schema import TextNode

from index.text import Sentence, sentences

FORMAT = 2  # 1 was the whole-snapshot format (CURRENT + snap-*/); `newsbot migrate` converts it


class IndexError_(Exception):
    """An index that cannot be used; the message is one line for the user."""


@dataclass
class DocRecord:
    """One ingested article as the manifest knows it."""

    content_hash: str
    meta_hash: str
    metadata: dict  # title, source, url, published_at, dateline
    chunk_ids: list[str] = field(default_factory=list)
    duplicate_of: str | None = None  # identical text already indexed under this doc_id
    origin: str = ""


@dataclass
class StoreStats:
    articles: int
    chunks: int
    outlets: list[str]
    first_published: str | None
    last_published: str | None
    segments: int = 0
    disk_bytes: int = 0


class Corpus(abc.ABC):
    """A read view of one committed state. Thread-safe for concurrent readers.

    `docs` and `texts` are read-only Mappings backed by the engine (looked up per key, small caches), so a
    view of a million chunks costs no more memory than one of ten.
    """

    docs: Mapping[str, DocRecord]
    texts: Mapping[str, str]  # cleaned article text; citation quotes are substrings of it
    build: dict  # embedder and chunking the vectors were made with
    dim: int
    vector_store: object  # the dense side as a llama-index BasePydanticVectorStore (`query(VectorStoreQuery)`)

    @property
    @abc.abstractmethod
    def chunk_count(self) -> int: ...

    @abc.abstractmethod
    def generation(self) -> int:
        """The generation this view was opened at (Store.generation() tells whether a newer one exists)."""

    @abc.abstractmethod
    def node(self, chunk_id: str) -> TextNode:
        """The chunk as a llama-index TextNode: text, metadata["doc_id"], start/end_char_idx into the text."""

    @abc.abstractmethod
    def dense(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks, best first."""

    @abc.abstractmethod
    def keyword(self, query: str, k: int) -> list[str]:
        """chunk_ids of the k best keyword (BM25) matches for free text `query`, best first; any user
        input is safe (never a syntax error)."""

    @abc.abstractmethod
    def chunk_vector(self, chunk_id: str) -> list[float]:
        """The stored embedding of a chunk."""

    @abc.abstractmethod
    def title_vectors(self, doc_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """doc_id -> the embedding of its headline (float32), made at ingest; one query for the batch. Only
        vectors made from the article's current title are returned: an article missing here (no title, or
        an index written before headline vectors were stored) is the caller's to embed."""

    @abc.abstractmethod
    def outlet_count(self) -> int:
        """Distinct outlets (an article without a named outlet counts as its own)."""

    @abc.abstractmethod
    def duplicates_index(self) -> Mapping[str, list[str]]:
        """doc_id -> doc_ids recorded as identical copies of it (only docs that have copies are keys)."""

    @abc.abstractmethod
    def stats(self) -> StoreStats: ...

    def reading(self) -> AbstractContextManager:
        """Hold one consistent state for a sequence of reads (an answer), even if a writer commits
        meanwhile. Engines that cannot, return a no-op context."""
        from contextlib import nullcontext

        return nullcontext()

    def close(self) -> None:
        """Release what this view holds (files, connections); the view is unusable afterwards."""

    # Sentence splits are a pure function of a text: cached per view, keyed by the text itself (an
    # article replaced meanwhile can never be served stale splits).
    _SENTENCE_CACHE = 512

    def sentences(self, doc_id: str) -> list[Sentence]:
        cache = self.__dict__.setdefault("_sentences", OrderedDict())
        text = self.texts[doc_id]
        key = (doc_id, len(text), hash(text))
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        out = cache[key] = sentences(text)
        if len(cache) > self._SENTENCE_CACHE:
            cache.popitem(last=False)
        return out


class Writer(abc.ABC):
    """One write transaction; obtained from `Store.writer()`, committed when its `with` block ends
    without an exception (rolled back otherwise). Reads see the transaction's own writes."""

    build: dict  # settable: recorded with the vectors
    changed: bool  # something to commit; set it False to discard the transaction (nothing changes)

    @abc.abstractmethod
    def record(self, doc_id: str) -> DocRecord | None: ...

    @abc.abstractmethod
    def text(self, doc_id: str) -> str | None: ...

    @abc.abstractmethod
    def canonical(self, content_hash: str) -> str | None:
        """The doc_id that holds this text indexed (not a duplicate record), if any."""

    @abc.abstractmethod
    def duplicates(self, doc_id: str) -> list[str]:
        """doc_ids recorded as duplicates of `doc_id`."""

    @abc.abstractmethod
    def put(self, doc_id: str, record: DocRecord, text: str | None = None) -> None:
        """Insert or update an article record (chunk_ids are ignored: `add_chunks` owns them). `text`, when
        given, is stored as its cleaned text; an existing text is kept otherwise."""

    @abc.abstractmethod
    def delete(self, doc_id: str) -> None:
        """Remove an article: record, text, chunks and their vectors, headline vector."""

    @abc.abstractmethod
    def put_title(self, doc_id: str, title: str, vector: list[float] | None) -> None:
        """Store the embedding of `title` (the article's metadata title as recorded, unstripped) for
        `doc_id`, replacing any; `vector` None removes it."""

    @abc.abstractmethod
    def stored_title(self, doc_id: str) -> str | None:
        """The title whose vector is stored for `doc_id`, if any."""

    @abc.abstractmethod
    def untitled(self) -> list[tuple[str, str]]:
        """(doc_id, title) of the indexed articles (not duplicates) that have a title but no stored vector
        of it: what `newsbot migrate` fills in an index written before headline vectors were stored."""

    @abc.abstractmethod
    def add_chunks(self, doc_id: str, nodes: list[TextNode], keyword_texts: list[str]) -> None:
        """Store an article's chunks (each node has `.embedding` set), searchable after commit."""

    @abc.abstractmethod
    def chunk_count(self) -> int: ...

    def finish(self) -> None:
        """Called before commit of a large write: engines may merge/compact here."""


class Store(abc.ABC):
    location: str

    @abc.abstractmethod
    def exists(self) -> bool:
        """Something was ever committed here."""

    @abc.abstractmethod
    def generation(self) -> int:
        """Cheap; changes on every commit (0 when nothing was committed)."""

    @abc.abstractmethod
    def load(self, embedder=None, dim: int | None = None) -> Corpus:
        """A read view of the last committed state (an empty one when nothing was committed)."""

    @abc.abstractmethod
    def writer(self, dim: int) -> AbstractContextManager[Writer]:
        """Exclusive write transaction (one writer at a time across processes and machines)."""

    def compact(self) -> dict:
        """Merge storage pieces (segments); returns what was done. No-op for engines that need none."""
        return {}

    def close(self) -> None: ...


def checked_vectors(vectors, dim: int, ndim: int, location: str, what: str) -> np.ndarray:
    """`vectors` as float32 with `ndim` dimensions, or a one-line IndexError_ when their width is not the
    index's `dim` (another embedding model than the one it was built with); both engines' writers call it."""
    v = np.asarray(vectors, dtype="float32")
    if v.ndim != ndim or v.shape[-1] != dim:
        raise IndexError_(f"{location}: got {v.shape[-1]}-d {what} for a {dim}-d index")
    return v


def duplicates_map(docs: Mapping[str, DocRecord]) -> dict[str, list[str]]:
    """doc_id -> the doc_ids recorded as identical copies of it (over a full iteration of `docs`)."""
    out: dict[str, list[str]] = {}
    for d, r in docs.items():
        if r.duplicate_of:
            out.setdefault(r.duplicate_of, []).append(d)
    return out


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) across processes, released on exit or death."""
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def open_store(location: str | Path) -> Store:
    """The engine for a location: a `postgresql://` URL, or a folder (embedded SQLite + FAISS)."""
    loc = str(location)
    if loc.startswith(("postgresql://", "postgres://")):
        try:
            from index.pg_store import PgStore  # type: ignore[import-not-found]
        except ImportError:
            raise IndexError_(f"{_redact(loc)}: PostgreSQL storage is not available in this build") from None
        return PgStore(loc)
    from index.embedded import EmbeddedStore

    return EmbeddedStore(Path(loc))


def _redact(url: str) -> str:
    """A URL fit for messages: the password is never shown."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def __getattr__(name: str):
    # Old name kept for callers and tests: IndexStore(dir) is the embedded engine.
    if name == "IndexStore":
        from index.embedded import EmbeddedStore

        return EmbeddedStore
    raise AttributeError(name)


__all__ = ["Corpus", "DocRecord", "FORMAT", "IndexError_", "Store", "StoreStats", "Writer", "duplicates_map",
           "open_store", "Iterator"]
