"""The on-disk index: FAISS + docstore through llama-index, plus a manifest of what was ingested.

Layout of an index dir:
    CURRENT            name of the live snapshot (replaced atomically with os.replace)
    snap-<time>-<pid>/ docstore.json, index_store.json, default__vector_store.json (FAISS), the id map,
                       bm25/ (keyword index), manifest.json (per article: hashes, metadata, chunk ids),
                       articles.jsonl (cleaned texts, which citation quotes are checked against)
A writer loads the live snapshot, changes it in memory, persists a complete new snapshot and only then
swaps CURRENT, so a crash or kill mid-write leaves the previous index fully usable.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.schema import TextNode
from llama_index.vector_stores.faiss import FaissMapVectorStore

from index.text import Sentence, sentences

log = logging.getLogger(__name__)
FORMAT = 1


class IndexError_(Exception):
    """An index dir that cannot be used; the message is one line for the user."""


class FaissStore(FaissMapVectorStore):
    """FaissMapVectorStore with ids that stay unique after deletes.

    Upstream numbers a new vector `ntotal`, which after a delete collides with a live id; we take one past
    the largest id ever used instead.
    """

    def add(self, nodes, **add_kwargs):
        next_id = max(self._faiss_id_to_node_id_map, default=-1) + 1
        ids = []
        for node in nodes:
            vector = np.asarray(node.get_embedding(), dtype="float32")[np.newaxis, :]
            self._faiss_index.add_with_ids(vector, np.array([next_id], dtype=np.int64))
            self._node_id_to_faiss_id_map[node.id_] = next_id
            self._faiss_id_to_node_id_map[next_id] = node.id_
            ids.append(node.id_)
            next_id += 1
        return ids

    @classmethod
    def empty(cls, dim: int) -> "FaissStore":
        import faiss

        # Inner product over normalised embeddings = cosine similarity.
        return cls(faiss_index=faiss.IndexIDMap2(faiss.IndexFlatIP(dim)))


@dataclass
class DocRecord:
    content_hash: str
    meta_hash: str
    metadata: dict
    chunk_ids: list[str] = field(default_factory=list)
    duplicate_of: str | None = None  # identical text already indexed under this doc_id
    origin: str = ""


def duplicates_map(docs: dict[str, DocRecord]) -> dict[str, list[str]]:
    """doc_id -> the doc_ids recorded as identical copies of it."""
    out: dict[str, list[str]] = {}
    for d, r in docs.items():
        if r.duplicate_of:
            out.setdefault(r.duplicate_of, []).append(d)
    return out


@dataclass
class Corpus:
    """One loaded snapshot: the llama-index VectorStoreIndex plus the manifest and article texts."""

    index: VectorStoreIndex
    vector_store: FaissStore
    docs: dict[str, DocRecord]
    texts: dict[str, str]
    dim: int
    path: Path | None = None
    build: dict = field(default_factory=dict)  # embedder and chunking the vectors were made with
    _bm25: object = None
    _dupes: dict | None = None
    _outlets: int | None = None
    _sentences: dict = field(default_factory=dict)

    @property
    def chunk_count(self) -> int:
        return sum(len(r.chunk_ids) for r in self.docs.values())

    def node(self, chunk_id: str) -> TextNode:
        return self.index.docstore.get_node(chunk_id)

    def sentences(self, doc_id: str) -> list[Sentence]:
        """The article's sentences, split once per loaded snapshot."""
        if doc_id not in self._sentences:
            self._sentences[doc_id] = sentences(self.texts[doc_id])
        return self._sentences[doc_id]

    def outlet_count(self) -> int:
        """Distinct outlets in the corpus (an article without a named outlet counts as its own)."""
        if self._outlets is None:
            self._outlets = len({r.metadata.get("source") or d for d, r in self.docs.items()})
        return self._outlets

    def duplicates_index(self) -> dict[str, list[str]]:
        """`duplicates_map` of the docs, built once per loaded snapshot (read-only: ingest builds its own)."""
        if self._dupes is None:
            self._dupes = duplicates_map(self.docs)
        return self._dupes

    def bm25(self):
        """llama-index BM25Retriever over every chunk (bm25s + stemming); built lazily, persisted per snapshot."""
        if self._bm25 is None and self.chunk_count:
            from llama_index.retrievers.bm25 import BM25Retriever

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on itself at import

            bm25_dir = self.path / "bm25" if self.path else None
            if bm25_dir and bm25_dir.is_dir():
                self._bm25 = BM25Retriever.from_persist_dir(str(bm25_dir))
            else:
                from llama_index.core.schema import TextNode

                from index.chunking import keyword_text

                # BM25 indexes what `keyword_text` gives (headline + chunk); hits are read back by node id.
                nodes = [TextNode(id_=n.node_id, text=keyword_text(n)) for n in self.index.docstore.docs.values()]
                self._bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(20, len(nodes)), language="english", verbose=False)
        return self._bm25


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def current_path(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        if not path.is_dir():
            raise IndexError_(f"{self.root}: CURRENT names {name!r}, which is missing; re-ingest into a new index dir")
        return path

    def exists(self) -> bool:
        return self.current_path is not None

    def load(self, embedder, dim: int) -> Corpus:
        """The live snapshot, or an empty corpus when nothing was ingested yet."""
        path = self.current_path
        if path is None:
            vs = FaissStore.empty(dim)
            sc = StorageContext.from_defaults(vector_store=vs)
            index = VectorStoreIndex(nodes=[], storage_context=sc, embed_model=embedder)
            return Corpus(index=index, vector_store=vs, docs={}, texts={}, dim=dim)
        try:
            manifest = json.loads((path / "manifest.json").read_text())
            if manifest.get("format") != FORMAT:
                raise IndexError_(f"{path}: index format {manifest.get('format')} is not {FORMAT}; rebuild it")
            if manifest["dim"] != dim:
                raise IndexError_(f"{path}: built with {manifest['dim']}-d embeddings, the configured model gives {dim}-d; rebuild it")
            vs = FaissStore.from_persist_dir(str(path))
            sc = StorageContext.from_defaults(vector_store=vs, persist_dir=str(path))
            index = load_index_from_storage(sc, embed_model=embedder)
            texts = {}
            with open(path / "articles.jsonl", encoding="utf-8") as f:
                for line in f:
                    row = json.loads(line)
                    texts[row["doc_id"]] = row["text"]
        except (OSError, ValueError, KeyError) as e:
            raise IndexError_(f"{path}: index is unreadable ({e}); re-ingest into a new index dir") from None
        docs = {k: DocRecord(**v) for k, v in manifest["docs"].items()}
        return Corpus(index=index, vector_store=vs, docs=docs, texts=texts, dim=dim, path=path, build=manifest.get("build") or {})

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time per index dir (across processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def commit(self, corpus: Corpus) -> Path:
        """Persist `corpus` as a complete new snapshot, then make it the live one."""
        self.root.mkdir(parents=True, exist_ok=True)
        new = self.root / f"snap-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp = new.with_name(new.name + ".partial")
        tmp.mkdir()
        try:
            corpus.index.storage_context.persist(persist_dir=str(tmp))
            with open(tmp / "articles.jsonl", "w", encoding="utf-8") as f:
                for doc_id, text in corpus.texts.items():
                    f.write(json.dumps({"doc_id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            corpus._bm25 = None
            corpus.path = tmp
            if corpus.chunk_count:
                corpus.bm25().persist(str(tmp / "bm25"), show_progress=False)
            manifest = {"format": FORMAT, "dim": corpus.dim, "build": corpus.build,
                        "docs": {k: asdict(v) for k, v in corpus.docs.items()}}
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
            for p in tmp.rglob("*"):
                if p.is_file():
                    with open(p, "rb") as f:
                        os.fsync(f.fileno())
            tmp.rename(new)
            pointer = self.root / "CURRENT.tmp"
            pointer.write_text(new.name)
            with open(pointer) as f:
                os.fsync(f.fileno())
            old = self.current_path if (self.root / "CURRENT").exists() else None
            os.replace(pointer, self.root / "CURRENT")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            corpus.path = None
            raise
        corpus.path = new
        # The previous snapshot stays one round, for a process that read CURRENT just before the swap.
        for stale in self.root.glob("snap-*"):
            if stale not in (new, old):
                shutil.rmtree(stale, ignore_errors=True)
        return new
