"""Ingestion: read -> clean -> dedupe -> chunk -> embed -> store, incremental and atomic (one write transaction).

Each indexed article's headline is embedded with its chunks (one short text more per article) and stored
next to it, for the headline rerank in index/retrieve.py; a title changed by a metadata-only update is
embedded again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.article import Article, Rejection, headline, read_paths
from index.chunking import CHUNK_TEXT, chunk_article, embedding_text, keyword_text, make_splitter
from index.config import IndexSettings
from index.store import DocRecord, IndexError_, Store, Writer

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
    titles_embedded: int = 0  # headlines embedded (new articles, changed titles)
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


def apply(w: Writer, articles: list[Article], settings: IndexSettings, embedder, progress: Progress | None = None) -> IngestReport:
    """Bring the store in line with `articles` inside the write transaction `w`. Every lookup is an
    indexed query, so each article costs the same whatever the corpus size."""
    report = IngestReport()
    to_index: list[Article] = []
    orphans: list[tuple[str, str | None]] = []  # duplicates whose original changed, with the text they share
    retitled: list[tuple[str, str]] = []  # (doc_id, title) of indexed articles whose title a metadata update changed
    for a in articles:
        old = w.record(a.doc_id)
        if old and old.content_hash == a.content_hash:
            if old.meta_hash == a.meta_hash:
                report.unchanged += 1
            else:
                old.meta_hash, old.metadata, old.origin = a.meta_hash, a.metadata(), a.origin
                w.put(a.doc_id, old)
                report.updated += 1
                title = old.metadata.get("title")
                if old.duplicate_of is None and w.stored_title(a.doc_id) != title:
                    if headline(old.metadata):
                        retitled.append((a.doc_id, title))
                    else:
                        w.put_title(a.doc_id, "", None)
            continue
        if old:
            text = w.text(a.doc_id)
            orphans += [(d, text) for d in w.duplicates(a.doc_id)]
            w.delete(a.doc_id)
            report.updated += 1
        else:
            report.added += 1
        orphans = [o for o in orphans if o[0] != a.doc_id]  # orphaned earlier in this batch, now given its own record
        canonical = w.canonical(a.content_hash)
        if canonical and canonical != a.doc_id:
            w.put(a.doc_id, _record(a, duplicate_of=canonical))
            report.duplicates += 1
            continue
        w.put(a.doc_id, _record(a), a.text)
        to_index.append(a)
    # Duplicates whose original changed: the first becomes the indexed copy, the rest point at it.
    for doc_id, text in orphans:
        rec = w.record(doc_id)
        if rec is None:
            continue
        owner = w.canonical(rec.content_hash)
        if owner and owner != doc_id:
            rec.duplicate_of = owner
            w.put(doc_id, rec)
            continue
        rec.duplicate_of = None
        w.put(doc_id, rec, text)
        if text is not None:
            to_index.append(Article(doc_id=doc_id, text=text, origin=rec.origin, **{k: rec.metadata.get(k) for k in rec.metadata}))

    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    chunked = [(a.doc_id, chunk_article(a, splitter)) for a in to_index]
    titles = [(a.doc_id, m["title"]) for a in to_index for m in [a.metadata()] if headline(m)] + retitled
    # Identical chunk texts (syndicated paragraphs) are embedded once; headlines go in the same batches.
    chunk_texts = list(dict.fromkeys(embedding_text(n) for _, nodes in chunked for n in nodes))
    unique = list(dict.fromkeys(chunk_texts + [t.strip() for _, t in titles]))
    vectors: dict[str, list[float]] = {}
    started = time.perf_counter()
    batch = settings.embed_batch_size
    for i in range(0, len(unique), batch):
        texts = unique[i : i + batch]
        vectors.update(zip(texts, embedder.get_text_embedding_batch(texts)))
        if progress:
            progress(min(i + batch, len(unique)), len(unique))
    report.embed_seconds = time.perf_counter() - started
    for doc_id, nodes in chunked:
        for n in nodes:
            n.embedding = vectors[embedding_text(n)]
        w.add_chunks(doc_id, nodes, [keyword_text(n) for n in nodes])
    for doc_id, title in titles:
        w.put_title(doc_id, title, vectors[title.strip()])
    report.chunks_embedded = len(chunk_texts)
    report.titles_embedded = len(titles)
    report.chunks_total = w.chunk_count()
    return report


def ingest(paths: list[Path], store: Store, settings: IndexSettings, embedder, dim: int, progress: Progress | None = None) -> IngestReport:
    """Ingest files/folders into the index at `store`; writes a new snapshot only when something changed."""
    read = read_paths([Path(p) for p in paths], int(settings.max_file_mb * 1e6))
    report = ingest_articles(read.articles, store, settings, embedder, dim, progress)
    report.rejected = read.rejected + report.rejected
    return report


def fill_titles(store: Store, settings: IndexSettings, embedder, dim: int, progress: Progress | None = None) -> int:
    """Store the headline vectors an index lacks (written before they were stored at ingest): one write,
    one short text per article. Returns how many were stored."""
    batch_size = settings.embed_batch_size
    with store.writer(dim) as w:
        todo = w.untitled()
        model = w.build.get("embed_model")
        if todo and model and model != settings.embed_model:
            raise IndexError_(f"{store.location}: the index was built with embed_model {model}, the configured one is "
                              f"{settings.embed_model}; set it back to fill the headline vectors")
        texts = list(dict.fromkeys(t.strip() for _, t in todo))  # syndicated copies share a headline: embedded once
        vectors: dict[str, list[float]] = {}
        for i in range(0, len(texts), batch_size):
            part = texts[i : i + batch_size]
            vectors.update(zip(part, embedder.get_text_embedding_batch(part)))
            if progress:
                progress(min(i + batch_size, len(texts)), len(texts))
        for doc_id, title in todo:
            w.put_title(doc_id, title, vectors[title.strip()])
    return len(todo)


def build_settings(settings: IndexSettings) -> dict:
    """What the stored vectors and keyword rows were made with; ingest refuses to mix two of these."""
    return {"embed_model": settings.embed_model, "chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap,
            "chunk_text": CHUNK_TEXT}


def ingest_articles(articles: list[Article], store: Store, settings: IndexSettings, embedder, dim: int,
                    progress: Progress | None = None) -> IngestReport:
    """Bring the index at `store` in line with `articles` (already read and cleaned: files, feeds, uploads).
    An article whose doc_id is indexed with other text replaces it; writes only when something changed."""
    build = build_settings(settings)
    with store.writer(dim) as w:
        stored = w.build
        if stored and stored != build and w.chunk_count():
            changed = ", ".join(f"{k} {stored.get(k)} -> {v}" for k, v in build.items() if stored.get(k) != v)
            raise IndexError_(f"{store.location}: the index was built with other settings ({changed}); "
                              "ingest into a new --index DIR, or set them back")
        report = apply(w, articles, settings, embedder, progress)
        if report.added or report.updated:
            w.build = build
            w.finish()
        else:
            w.changed = False  # nothing to commit: the index (and its generation) stay as they were
    return report
