"""Ingestion: read -> clean -> dedupe -> chunk -> embed -> FAISS, incremental and atomic."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.article import Article, Rejection, read_paths
from index.chunking import CHUNK_TEXT, chunk_article, embedding_text, make_splitter
from index.config import IndexSettings
from index.store import Corpus, DocRecord, IndexError_, IndexStore, duplicates_map

log = logging.getLogger(__name__)

# progress(done, total) is called as embedding batches finish; the CLI draws a rich bar with it.
Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # identical text already indexed under another doc_id: recorded, not embedded
    chunks_embedded: int = 0
    chunks_total: int = 0
    embed_seconds: float = 0.0
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicates, {len(self.rejected)} rejected; "
            f"{self.chunks_embedded} chunks embedded, {self.chunks_total} in the index"
        )


def _record(article: Article, duplicate_of: str | None = None) -> DocRecord:
    return DocRecord(article.content_hash, article.meta_hash, article.metadata(), [], duplicate_of, article.origin)


def _remove(corpus: Corpus, doc_id: str, dupes: dict[str, list[str]]) -> list[tuple[str, str | None]]:
    """Drop a doc's chunks and text; returns its duplicates, which need a new home, with the text they share."""
    rec = corpus.docs.pop(doc_id)
    if rec.chunk_ids:
        corpus.index.delete_nodes(rec.chunk_ids, delete_from_docstore=True)
    text = corpus.texts.pop(doc_id, None)
    if rec.duplicate_of and doc_id in dupes.get(rec.duplicate_of, []):
        dupes[rec.duplicate_of].remove(doc_id)
    return [(d, text) for d in dupes.pop(doc_id, [])]


def apply(corpus: Corpus, articles: list[Article], settings: IndexSettings, embedder, progress: Progress | None = None) -> IngestReport:
    """Bring `corpus` in line with `articles` in memory; the caller persists it. One pass over the stored
    records builds the lookups; each article then costs the same whatever the corpus size."""
    report = IngestReport()
    by_hash = {r.content_hash: d for d, r in corpus.docs.items() if r.duplicate_of is None}
    dupes = duplicates_map(corpus.docs)  # kept up to date below, as records change
    to_index: list[Article] = []
    orphans: list[tuple[str, str | None]] = []
    for a in articles:
        old = corpus.docs.get(a.doc_id)
        if old and old.content_hash == a.content_hash:
            if old.meta_hash == a.meta_hash:
                report.unchanged += 1
            else:
                old.meta_hash, old.metadata, old.origin = a.meta_hash, a.metadata(), a.origin
                report.updated += 1
            continue
        if old:
            if by_hash.get(old.content_hash) == a.doc_id:
                del by_hash[old.content_hash]
            orphans += _remove(corpus, a.doc_id, dupes)
            report.updated += 1
        else:
            report.added += 1
        orphans = [o for o in orphans if o[0] != a.doc_id]  # orphaned earlier in this batch, now given its own record
        canonical = by_hash.get(a.content_hash)
        if canonical and canonical != a.doc_id:
            corpus.docs[a.doc_id] = _record(a, duplicate_of=canonical)
            dupes.setdefault(canonical, []).append(a.doc_id)
            report.duplicates += 1
            continue
        by_hash[a.content_hash] = a.doc_id
        corpus.docs[a.doc_id] = _record(a)
        corpus.texts[a.doc_id] = a.text
        to_index.append(a)
    # Duplicates whose original changed: the first becomes the indexed copy, the rest point at it.
    for doc_id, text in orphans:
        rec = corpus.docs[doc_id]
        old_text_owner = by_hash.get(rec.content_hash)
        if old_text_owner and old_text_owner != doc_id and old_text_owner in corpus.texts:
            rec.duplicate_of = old_text_owner
            dupes.setdefault(old_text_owner, []).append(doc_id)
            continue
        rec.duplicate_of = None
        by_hash[rec.content_hash] = doc_id
        if text is not None:
            corpus.texts[doc_id] = text
            to_index.append(Article(doc_id=doc_id, text=text, origin=rec.origin, **{k: rec.metadata.get(k) for k in rec.metadata}))

    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    nodes = []
    for a in to_index:
        chunks = chunk_article(a, splitter)
        corpus.docs[a.doc_id].chunk_ids = [c.id_ for c in chunks]
        nodes += chunks
    # Identical chunk texts (syndicated paragraphs) are embedded once.
    unique = list(dict.fromkeys(embedding_text(n) for n in nodes))
    vectors: dict[str, list[float]] = {}
    started = time.perf_counter()
    batch = settings.embed_batch_size
    for i in range(0, len(unique), batch):
        texts = unique[i : i + batch]
        vectors.update(zip(texts, embedder.get_text_embedding_batch(texts)))
        if progress:
            progress(min(i + batch, len(unique)), len(unique))
    report.embed_seconds = time.perf_counter() - started
    for n in nodes:
        n.embedding = vectors[embedding_text(n)]
    if nodes:
        corpus.index.insert_nodes(nodes)
    report.chunks_embedded = len(unique)
    report.chunks_total = corpus.chunk_count
    return report


def ingest(paths: list[Path], store: IndexStore, settings: IndexSettings, embedder, dim: int, progress: Progress | None = None) -> IngestReport:
    """Ingest files/folders into the index at `store`; writes a new snapshot only when something changed."""
    read = read_paths([Path(p) for p in paths], int(settings.max_file_mb * 1e6))
    report = ingest_articles(read.articles, store, settings, embedder, dim, progress)
    report.rejected = read.rejected + report.rejected
    return report


def ingest_articles(articles: list[Article], store: IndexStore, settings: IndexSettings, embedder, dim: int,
                    progress: Progress | None = None) -> IngestReport:
    """Bring the index at `store` in line with `articles` (already read and cleaned: files, feeds, uploads).
    An article whose doc_id is indexed with other text replaces it; writes only when something changed."""
    build = {"embed_model": settings.embed_model, "chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap,
             "chunk_text": CHUNK_TEXT}
    with store.lock():
        corpus = store.load(embedder, dim)
        if corpus.docs and corpus.build and corpus.build != build:
            changed = ", ".join(f"{k} {corpus.build.get(k)} -> {v}" for k, v in build.items() if corpus.build.get(k) != v)
            raise IndexError_(f"{store.root}: the index was built with other settings ({changed}); "
                              "ingest into a new --index DIR, or set them back")
        corpus.build = build
        report = apply(corpus, articles, settings, embedder, progress)
        if report.added or report.updated:
            store.commit(corpus)
    return report
