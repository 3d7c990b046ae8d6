"""Hybrid retrieval: dense top-k (FAISS segments) fused with BM25 keyword hits by reciprocal rank fusion, then literal
constraints, near-duplicate collapse and outlet diversity.

The fusion is a few lines written here rather than llama-index's QueryFusionRetriever because the
answering layer needs each hit's own dense similarity (for refusal), not only the fused rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from index.article import headline
from index.config import RetrievalSettings
from index.literals import extract, match_fraction
from index.rerank import Reranker
from index.store import Corpus
from index.text import root_tokens

_WORD = re.compile(r"\w+")
# Reranking weights, chosen on the dev sets (README "Evaluation"): how much of the literal-constraint share
# is counted per passage rather than per article, and how much a close headline lifts a hit.
PASSAGE_SHARE = 0.5
TITLE_WEIGHT = 0.5
_FIGURE_OR_NAME = re.compile(r"\b(?:\d[\d,.]*|[A-Z][\w’'-]+)\b")


# A question about the present: "this week", "recently", "the latest", "a new song" ("New York" is a name).
_ABOUT_NOW = re.compile(r"\b(?:[Tt]his (?:week|month|year|season|weekend)|[Ll]ast week|[Rr]ecent(?:ly)?|[Ll]atest|[Nn]ewest|new)\b")


def about_now(question: str) -> bool:
    return bool(_ABOUT_NOW.search(question))


def fresh_first(items: list, published, days: int) -> list:
    """The items whose article was published within `days` of the newest one's, in their order, then the
    rest (older or undated); unchanged when none is dated. `published(item)` is its ISO date or None."""
    dates = [_day(published(x)) for x in items]
    newest = max((d for d in dates if d), default=None)
    if newest is None:
        return items
    fresh = [bool(d and (newest - d).days <= days) for d in dates]
    return [x for x, f in zip(items, fresh) if f] + [x for x, f in zip(items, fresh) if not f]


def _day(published: str | None) -> date | None:
    try:
        return date.fromisoformat(str(published)[:10]) if published else None
    except ValueError:
        return None


def article_head(meta: dict) -> str:
    """What an article states besides its text: headline, date, dateline and outlet. A question may name
    any of them ("the Islamabad-datelined report", "the Asianet piece")."""
    return " ".join(str(meta.get(k) or "") for k in ("title", "published_at", "dateline", "source"))


@dataclass
class Hit:
    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    score: float  # fused, after literal and diversity adjustments
    dense: float  # cosine similarity to the query (0 when only BM25 found it)
    literal_match: float = 1.0  # share of the question's literals found in the article
    passage_match: float = 1.0  # ... in the passage itself, or its article's headline, date, dateline
    title_sim: float = 0.0  # cosine of the question and the article's headline
    covers_required: bool = True  # the article has every name and figure the question requires
    also: list[str] = field(default_factory=list)  # doc_ids carrying the same text (syndicated copies)


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def _same_text(a: str, b: str, threshold: float) -> bool:
    """Syndicated copy: nearly the same words *and* the same figures and names (seasons of one
    tournament share their words but not their years and winners, so they are never merged)."""
    if set(_FIGURE_OR_NAME.findall(a)) != set(_FIGURE_OR_NAME.findall(b)):
        return False
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / max(1, len(sa | sb)) >= threshold


class HybridRetriever(BaseRetriever):
    def __init__(self, corpus: Corpus, settings: RetrievalSettings, embedder, reranker: Reranker | None = None) -> None:
        super().__init__()
        self.corpus = corpus
        self.settings = settings
        self.embedder = embedder
        self.reranker = reranker
        self._titles: dict[str, np.ndarray | None] = {}
        self._roots: dict[str, frozenset[str]] = {}  # article -> its word roots, for `mentions`

    def _source(self, doc_id: str) -> str:
        return self.corpus.docs[doc_id].metadata.get("source") or doc_id

    def doc_haystack(self, doc_id: str) -> str:
        """What literal constraints are checked against: the article's head (`article_head`), then the text."""
        return article_head(self.corpus.docs[doc_id].metadata) + "\n" + self.corpus.texts.get(doc_id, "")

    def mentions(self, doc_id: str, word: str) -> bool:
        """Does the article (its head or text) use the word, in any inflection or as an open
        compound ("pop star" for "popstar"), hyphenated or not ("law enforcement" for "law-enforcement")?"""
        roots = set(root_tokens(word.replace("-", " ")))
        if doc_id not in self._roots:
            if len(self._roots) > 4096:
                self._roots.clear()
            self._roots[doc_id] = frozenset(root_tokens(self.doc_haystack(doc_id).replace("-", " ")))
        if roots and roots <= self._roots[doc_id]:
            return True
        # a closed compound written open or hyphenated in the article ("popstar" / "pop star")
        w, text = word.lower(), self.doc_haystack(doc_id)
        return any(re.search(rf"\b{re.escape(w[:i])}[\s-]{re.escape(w[i:])}", text, re.I) for i in range(3, len(w) - 2))

    def dense(self, query_vector: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine) from the store's vector segments (deleted chunks already filtered out)."""
        return self.corpus.dense(query_vector, k)

    def keyword(self, query: str, k: int) -> list[str]:
        """chunk_ids ranked by BM25 in the store's keyword index (FTS5 in the embedded engine)."""
        if not _WORD.search(query):
            return []
        return self.corpus.keyword(query, k)

    def search(self, query: str, top_k: int | None = None, keywords: str = "") -> list[Hit]:
        """The top passages for `query`; `keywords` are words the answer is likely written with
        ("chief minister" for "Who runs the province?"), added to the keyword query only."""
        s = self.settings
        top_k = top_k or s.top_k
        query_vector = self.embedder.get_query_embedding(query)
        dense = self.dense(query_vector, s.dense_k)
        keyword = self.keyword(f"{query} {keywords}" if keywords else query, s.bm25_k)
        fused: dict[str, float] = {}
        for rank, (cid, _) in enumerate(dense):
            fused[cid] = fused.get(cid, 0) + 1 / (s.rrf_k + rank + 1)
        for rank, cid in enumerate(keyword):
            fused[cid] = fused.get(cid, 0) + s.bm25_weight / (s.rrf_k + rank + 1)
        cosine = dict(dense)
        for cid in fused:  # BM25-only hits still need a dense score for refusal decisions
            if cid not in cosine:
                cosine[cid] = _cos(query_vector, self._chunk_vector(cid))
        literals = extract(query)
        required = [l for l in literals if l.required]
        per_doc: dict[str, tuple[float, bool]] = {}  # several chunks of one article share its check
        candidates = []
        for cid, score in sorted(fused.items(), key=lambda kv: kv[1], reverse=True):
            node = self.corpus.node(cid)
            doc_id = node.metadata["doc_id"]
            if doc_id not in per_doc:
                haystack = self.doc_haystack(doc_id) if literals else ""
                per_doc[doc_id] = (match_fraction(literals, haystack) if literals else 1.0,
                                   all(l.found_in(haystack) for l in required))
            frac, covers = per_doc[doc_id]
            candidates.append(Hit(cid, doc_id, node.get_content(), node.start_char_idx or 0, node.end_char_idx or 0,
                                  score, cosine[cid], frac, covers_required=covers))
        if self.reranker is not None:
            self._rerank(query, candidates)
        self._rerank_news(query_vector, literals, candidates)
        candidates.sort(key=lambda h: h.score, reverse=True)
        hits = self._select(candidates, top_k)
        if s.recent_days and about_now(query):
            hits = self._fresh_first(hits, s.recent_days)
        return hits

    def _fresh_first(self, hits: list[Hit], days: int) -> list[Hit]:
        """`fresh_first` over the hits' articles: "Beyoncé released a new song this week" is not answered by
        the 2014 coverage of her last album."""
        return fresh_first(hits, lambda h: self.corpus.docs[h.doc_id].metadata.get("published_at"), days)

    def _rerank_news(self, query_vector: list[float], literals, candidates: list[Hit]) -> None:
        """Second stage over the fused candidates, with what news articles carry besides the passage:
        the question's names, years and figures counted per passage (its own text, or its article's
        headline, date and dateline) as well as per article, so that of two passages of one article the
        one stating them ranks first; and how close the headline is to the question."""
        s = self.settings
        titles = self._title_vectors({h.doc_id for h in candidates})
        q = np.asarray(query_vector, dtype="float32")
        for h in candidates:
            if literals:  # a passage about 2018 must not answer a question about 2019
                h.passage_match = match_fraction(literals, article_head(self.corpus.docs[h.doc_id].metadata) + "\n" + h.text)
                share = (1 - PASSAGE_SHARE) * h.literal_match + PASSAGE_SHARE * h.passage_match
                h.score *= 1 + s.literal_boost * (2 * share - 1)
            title = titles.get(h.doc_id)
            h.title_sim = float(title @ q) if title is not None else 0.0
            h.score *= 1 + TITLE_WEIGHT * max(0.0, h.title_sim)

    def _title_vectors(self, doc_ids: set[str]) -> dict[str, np.ndarray]:
        """Headline embeddings: stored at ingest (one query for the batch); an article stored without one
        (an index written before they were, until `newsbot migrate` fills them) has its headline embedded
        here on first use, the same text as ingest embeds, and kept for this loaded snapshot."""
        found = self.corpus.title_vectors(doc_ids)
        missing = {d: headline(self.corpus.docs[d].metadata) for d in doc_ids if d not in found and d not in self._titles}
        todo = {d: t for d, t in missing.items() if t}
        for d in set(missing) - set(todo):
            self._titles[d] = None
        if todo:
            vecs = self.embedder.get_text_embedding_batch(list(todo.values()))
            self._titles.update({d: np.asarray(v, dtype="float32") for d, v in zip(todo, vecs)})
        found.update((d, self._titles[d]) for d in doc_ids if d not in found and self._titles.get(d) is not None)
        return found

    def _rerank(self, query: str, candidates: list[Hit]) -> None:
        """Reorder the top candidates by the cross-encoder; the i-th reranked hit takes the i-th best
        fused score, so literal and diversity adjustments keep their scale."""
        head = candidates[: self.settings.rerank_top]
        order = sorted(zip(self.reranker.scores(query, [h.text for h in head]), range(len(head))), key=lambda t: -t[0])
        scores = [h.score for h in head]
        reranked = [head[i] for _, i in order]
        for h, score in zip(reranked, scores):
            h.score = score
        candidates[: len(head)] = reranked

    def _chunk_vector(self, chunk_id: str) -> list[float]:
        return self.corpus.chunk_vector(chunk_id)

    def _select(self, candidates: list[Hit], top_k: int) -> list[Hit]:
        """Greedy pick: collapse syndicated copies into one hit, and make a further chunk of an already
        picked article or outlet pay a small penalty so that citations span sources."""
        picked: list[Hit] = []
        pool = list(candidates)
        while pool and len(picked) < top_k:
            def adjusted(h: Hit) -> float:
                same_doc = sum(p.doc_id == h.doc_id for p in picked)
                same_outlet = sum(self._source(p.doc_id) == self._source(h.doc_id) for p in picked)
                return h.score * (0.85**same_doc) * (0.95**same_outlet)

            best = max(pool, key=adjusted)
            pool.remove(best)
            twin = next((p for p in picked if p.doc_id != best.doc_id and _same_text(p.text, best.text, self.settings.near_duplicate_threshold)), None)
            if twin:
                if best.doc_id not in twin.also:
                    twin.also.append(best.doc_id)
                continue
            best.score = adjusted(best)
            picked.append(best)
        return picked

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=self.corpus.node(h.chunk_id), score=h.score) for h in self.search(query_bundle.query_str)]


def _cos(a: list[float], b: list[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b)))
