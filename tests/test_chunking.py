"""Chunks: sentence-aware, overlapping, and each one's offsets index the cleaned article text exactly."""

from __future__ import annotations

import random

import pytest

from conftest import DIM
from index.article import Article
from index.chunking import chunk_article, make_splitter
from index.store import IndexStore

SUBJECTS = ["The mayor", "A spokesperson for the port", "Two witnesses", "The regional court", "Police in Osterby"]
VERBS = ["said on Monday that", "told reporters that", "confirmed in a statement that", "denied claims that"]
CLAIMS = ["the bridge would reopen in 2026", "repairs to the sea wall had been delayed again",
          "about 1,200 people were evacuated from the old town", "the budget for the project had doubled",
          "nobody was injured when the crane collapsed on the quay"]


def synthetic_article(seed: int, sentences: int = 40) -> tuple[Article, list[tuple[int, int]]]:
    """An article and the exact (start, end) span of each of its sentences."""
    rng = random.Random(seed)
    text, spans = "", []
    for i in range(sentences):
        if text:
            text += "\n" if rng.random() < 0.2 else " "  # some paragraph breaks
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAIMS)}, in update number {i}."
        spans.append((len(text), len(text) + len(s)))
        text += s
    return Article(doc_id=f"synthetic-{seed}", text=text, origin="test"), spans


@pytest.mark.parametrize("chunk_size,overlap", [(32, 0), (64, 32), (100, 40), (160, 32)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunks_are_sentence_aligned_overlapping_and_index_the_text_exactly(seed, chunk_size, overlap):
    article, spans = synthetic_article(seed)
    chunks = chunk_article(article, make_splitter(chunk_size, overlap))
    starts, ends = {a for a, _ in spans}, {b for _, b in spans}

    assert len(chunks) > 1
    assert [c.id_ for c in chunks] == [f"{article.doc_id}#{n}" for n in range(len(chunks))]
    for c in chunks:
        assert article.text[c.start_char_idx : c.end_char_idx] == c.get_content()
        assert c.start_char_idx in starts and c.end_char_idx in ends, "a chunk cuts a sentence"
        assert c.metadata["doc_id"] == article.doc_id
    assert chunks[0].start_char_idx == 0 and chunks[-1].end_char_idx == len(article.text)
    for prev, nxt in zip(chunks, chunks[1:]):
        assert prev.start_char_idx < nxt.start_char_idx
        if overlap:
            assert nxt.start_char_idx < prev.end_char_idx, "neighbouring chunks share no sentence"
        else:
            assert nxt.start_char_idx >= prev.end_char_idx
            assert not article.text[prev.end_char_idx : nxt.start_char_idx].strip(), "text fell between chunks"


def test_repeated_paragraphs_get_the_offsets_of_their_own_occurrence():
    para = "The committee met again on Thursday and adjourned without a decision on the harbour plan."
    filler = " ".join(f"Resident number {i} complained about noise from the night shift at the quay." for i in range(12))
    article = Article(doc_id="rep", text=f"{para}\n{filler}\n{para}", origin="test")
    chunks = chunk_article(article, make_splitter(48, 16))

    with_para = [c for c in chunks if para in c.get_content()]
    assert [c.start_char_idx for c in with_para][0] == 0
    assert with_para[-1].end_char_idx == len(article.text)
    assert [c.start_char_idx for c in chunks] == sorted({c.start_char_idx for c in chunks})


def test_every_chunk_of_the_bundled_index_indexes_its_article_text(sample_index, embedder):
    corpus = IndexStore(sample_index).load(embedder, DIM)
    assert corpus.chunk_count >= 5 * 3  # the 160-token chunks split each sample article several times
    for doc_id, rec in corpus.docs.items():
        spans = []
        for cid in rec.chunk_ids:
            node = corpus.node(cid)
            assert corpus.texts[doc_id][node.start_char_idx : node.end_char_idx] == node.get_content()
            spans.append((node.start_char_idx, node.end_char_idx))
        assert spans[0][0] == 0 and spans[-1][1] == len(corpus.texts[doc_id])
