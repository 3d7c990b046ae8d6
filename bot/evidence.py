"""Evidence: the sentences of the retrieved passages, scored against the question.

Everything the bot may quote comes from here, as offsets into an article's cleaned text, so a quote is
verbatim by construction (and `verify` checks it again).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.literals import extract, match_fraction
from index.retrieve import Hit
from index.store import Corpus
from index.text import content_tokens, sentences


@dataclass
class Evidence:
    doc_id: str
    start: int
    end: int
    text: str
    score: float  # cosine(question, sentence) plus keyword and literal agreement
    cosine: float
    hit_rank: int
    vector: np.ndarray | None = None


def gather(corpus: Corpus, hits: list[Hit], question: str, embedder, max_hits: int = 6) -> list[Evidence]:
    """Candidate sentences from the top hits (deduplicated), best first."""
    seen: set[tuple[str, int]] = set()
    cands: list[Evidence] = []
    for rank, hit in enumerate(hits[:max_hits]):
        text = corpus.texts[hit.doc_id]
        for s in sentences(text, hit.start, hit.end):
            if (hit.doc_id, s.start) in seen or len(s.text) < 25:
                continue
            seen.add((hit.doc_id, s.start))
            cands.append(Evidence(hit.doc_id, s.start, s.end, s.text, 0.0, 0.0, rank))
    if not cands:
        return []
    q = np.asarray(embedder.get_query_embedding(question), dtype="float32")
    vecs = np.asarray(embedder.get_text_embedding_batch([c.text for c in cands]), dtype="float32")
    q_tokens = set(content_tokens(question))
    literals = extract(question)
    for c, v in zip(cands, vecs):
        c.vector = v
        c.cosine = float(v @ q)
        overlap = len(q_tokens & set(content_tokens(c.text))) / len(q_tokens) if q_tokens else 0.0
        c.score = c.cosine + 0.15 * overlap + (0.1 * (match_fraction(literals, c.text) - 1) if literals else 0)
    cands.sort(key=lambda c: c.score, reverse=True)
    return cands


def pick(cands: list[Evidence], k: int, margin: float = 0.12) -> list[Evidence]:
    """The best k sentences close to the top score, preferring different articles and skipping repeats."""
    if not cands:
        return []
    best = cands[0].score
    chosen: list[Evidence] = []
    for prefer_new_doc in (True, False):
        for c in cands:
            if len(chosen) >= k or c.score < best - margin:
                break
            if c in chosen or (prefer_new_doc and any(x.doc_id == c.doc_id for x in chosen)):
                continue
            if any(x.vector is not None and c.vector is not None and float(x.vector @ c.vector) > 0.9 for x in chosen):
                continue  # the same sentence in another outlet's copy adds nothing to read
            chosen.append(c)
    return chosen


def supporting_docs(cands: list[Evidence], anchor: Evidence, threshold: float = 0.6) -> set[str]:
    """Articles with a sentence that says what `anchor` says (paraphrase-level similarity)."""
    docs = {anchor.doc_id}
    for c in cands:
        if c.vector is not None and anchor.vector is not None and float(c.vector @ anchor.vector) >= threshold:
            docs.add(c.doc_id)
    return docs
