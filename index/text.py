"""Sentences with character offsets, and the content words used to compare a claim with its source.

Hand-written: the sentence splitters in reach either need downloaded data (nltk punkt) or lose the
character offsets that verbatim citations depend on.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import Stemmer  # PyStemmer (Snowball), which BM25 already uses

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace and a capital, digit or
# quote, or at a line break. "U.S. deputy" and "Feb. 2" do not end a sentence.
_BOUNDARY = re.compile(r"(?<=[.!?])([\"”’')\]]*)\s+(?=[\"“‘'(\[]?[A-Z0-9])|\n+")
_ABBREV = re.compile(r"\b(?:[A-Z]\.){1,3}$|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sen|Rep|Gov|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc)\.$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z\-]*|\d[\d,.]*\d|\d")

STOPWORDS = frozenset(
    """a an the and or but if then than of in on at to for from by with as into onto over under about
    after before during since until while is are was were be been being am do does did done has have had
    having it its it's this that these those there here which who whom whose what when where why how
    he she they them their his her him we us our you your i me my also just only very so such more most
    some any each other another all both either neither own same too can could will would shall should
    may might must one ones said says say according reported reports report told stated statement
    s t""".split()
)
NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nothing", "without", "n't", "denied", "deny", "denies"})


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of text[start:end]; offsets index `text` itself."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        closing = len(m.group(1) or "")  # quotes closed after the full stop belong to the sentence
        if "\n" not in m.group(0) and _ABBREV.search(text[pos : m.start()]):  # a line break always ends one
            continue
        _add(text, pos, m.start() + closing, out)
        pos = m.end()
    _add(text, pos, end, out)
    return out


def _add(text: str, a: int, b: int, out: list[Sentence]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b - a >= 2:
        out.append(Sentence(a, b, text[a:b]))


def stem(word: str) -> str:
    """A deliberately light stemmer: enough to match rejects/rejected/reject, not to conflate meanings."""
    w = word.lower().replace("’", "'")
    for suffix in ("'s", "'"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    if w.isdigit() or any(c.isdigit() for c in w):
        return w.replace(",", "")
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + keep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def content_tokens(text: str) -> list[str]:
    """Stemmed words that carry meaning (stopwords dropped, negations and figures kept), in order."""
    out = []
    for tok in _TOKEN.findall(text.replace("’", "'")):
        low = tok.lower()
        if low in STOPWORDS and low not in NEGATIONS:
            continue
        out.append(stem(tok))
    return out


# For ranking, nouns of reporting are content ("How was the statement distributed?" is about a statement);
# verbs of saying stay out ("Which resources are said to be exploited?" is not about saying).
_RANK_STOPWORDS = STOPWORDS - {"statement", "report", "reports"}
_SNOWBALL = threading.local()  # a PyStemmer object must not be shared between threads


def root_tokens(text: str) -> list[str]:
    """Content words reduced to their Snowball roots ("exploitation", "exploited" -> "exploit"). For ranking
    evidence, where relating such words helps; verification keeps the lighter `stem`."""
    if not hasattr(_SNOWBALL, "stemmer"):
        _SNOWBALL.stemmer = Stemmer.Stemmer("english")
    words = [t.lower() for t in _TOKEN.findall(text.replace("’", "'")) if t.lower() not in _RANK_STOPWORDS or t.lower() in NEGATIONS]
    return _SNOWBALL.stemmer.stemWords([w.removesuffix("'s") for w in words])
