"""Keyword side: a safe SQLite FTS5 query from free text, with bounded work per question.

FTS5 has its own query syntax (AND/OR/NEAR, quotes, column filters, `*`); user text is never passed
through. Each non-stopword term is quoted (so it can only ever be a term) and the terms are OR-ed, as
BM25 over a bag of words does. Very common terms are skipped, rarest first within a budget of postings,
so a question costs milliseconds at a million chunks instead of scoring half the corpus.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

_WORD = re.compile(r"\w+")
MAX_TERMS = 16
POSTINGS_BUDGET = 20_000  # sum of the kept terms' document frequencies; the rarest term is always kept

# FTS5's `porter` tokenizer is Martin Porter's original algorithm; PyStemmer's "porter" is the same one,
# so a stem computed here is the term FTS5 stored (needed to look document frequencies up in fts5vocab).


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("porter")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    try:
        from bm25s.stopwords import STOPWORDS_EN

        return frozenset(STOPWORDS_EN)
    except ImportError:  # bm25s is a llama-index extra; keep a short list without it
        return frozenset("a an and are as at be by for from has have he in is it its of on or that the this to was were will with".split())


def terms(query: str) -> list[str]:
    """The query's distinct, lower-cased, non-stopword words, in order."""
    stop = stopwords()
    return list(dict.fromkeys(w for w in (m.lower() for m in _WORD.findall(query)) if w not in stop))


def build_query(con: sqlite3.Connection, query: str, vocab_table: str) -> str | None:
    """An FTS5 MATCH expression for `query`, or None when no term of it is in the index."""
    words = terms(query)[: MAX_TERMS * 2]
    if not words:
        return None
    stems = _stemmer().stemWords(words)
    df: list[tuple[int, str]] = []
    seen: set[str] = set()
    for word, stem in zip(words, stems):
        if stem in seen:
            continue
        seen.add(stem)
        row = None
        for form in (stem, word):  # FTS5 stems ASCII words only; others are stored as folded words
            row = con.execute(f"SELECT doc FROM {vocab_table} WHERE term = ?", (form,)).fetchone()
            if row:
                break
        if row and row[0]:
            df.append((int(row[0]), word))
    if not df:
        return None
    df.sort()
    kept, postings = [], 0
    for freq, word in df[:MAX_TERMS]:
        if kept and postings + freq > POSTINGS_BUDGET:
            break
        kept.append(word)
        postings += freq
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in kept)
