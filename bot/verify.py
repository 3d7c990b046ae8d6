"""Citation verification: a generated answer is shown only if every sentence is backed by what it cites.

Rules (all must hold, else the caller falls back to verbatim evidence):
- every n in an answer sentence names a listed source; a sentence the model left unmarked is cited to
  the sources that pass the checks below, and is rejected when none does;
- each sentence's content words (stemmed; negations and figures kept) all occur in its cited sources;
- their order is the source's order: each consecutive pair of the claim's words occurs, in that order and
  close together, in one cited sentence. That is what stops "The Pakistani military denied involvement"
  from passing on a source that says Pakistan's military accused India, which denied it;
- the quote attached to each citation is the cited source sentence that covers the claim best, and it is
  re-checked to be a verbatim substring of the article's cleaned text.
No entailment model is available offline, so the check is lexical and deliberately strict: it rejects
some correct paraphrases (they fall back to evidence), never a claim whose words the source lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import content_tokens, sentences

MARKER = re.compile(r"\[(\d{1,3})\]")
WINDOW = 5  # content words allowed between two consecutive claim words in the source


@dataclass
class Source:
    """A numbered passage shown to the LLM: one article, and the evidence sentence(s) from it."""

    n: int
    doc_id: str
    text: str  # the passage as shown


@dataclass
class VerifiedSentence:
    text: str  # with the model's markers
    cites: list[tuple[int, str]]  # (source n, supporting quote)


class Rejected(Exception):
    """Why a generated answer was not shown."""


def _is_figure(tok: str) -> bool:
    return any(ch.isdigit() for ch in tok)


def _in_order(claim: list[str], source: list[str]) -> bool:
    """Every consecutive pair of claim words occurs in order within WINDOW words in `source`; a figure
    must stand right next to the word it is about ("17 civilians" is not "17 police and 31 civilians")."""
    positions: dict[str, list[int]] = {}
    for i, tok in enumerate(source):
        positions.setdefault(tok, []).append(i)
    for a, b in zip(claim, claim[1:]):
        if a == b:
            continue
        window = 1 if _is_figure(a) or _is_figure(b) else WINDOW
        if not any(0 < pb - pa <= window for pa in positions.get(a, []) for pb in positions.get(b, [])):
            return False
    return True


def supports(claim: str, quote: str) -> bool:
    """`quote` states `claim`: all its words, in order, figures bound to their nouns. A bare figure or
    name ("17", "India") is no claim at all: the reader cannot tell what it answers, so it is not shown."""
    words = content_tokens(claim)
    source = content_tokens(quote)
    return len(words) >= 2 and set(words) <= set(source) and _in_order(words, source)


def split_answer(answer: str) -> list[str]:
    """Answer sentences, each keeping the markers that follow its full stop ("... said. [1]")."""
    text = re.sub(r"\s+", " ", answer).strip()
    # A reply that opens with a marker puts each before its sentence ("[1] Hospitals were ... [2] ..."): the
    # reader sees the claim first and the marker after it.
    if re.match(r"\[\d{1,3}\]", text):
        text = re.sub(r"((?:\[\d{1,3}\]\s*)+)([^\[]*)", lambda m: f"{m.group(2).strip()} {m.group(1).strip()} ", text).strip()
    # Markers move before the full stop so the splitter keeps them, also past closing quotes ('“Herof.” [1]');
    # there they go back after the quote.
    text = re.sub(r"([.!?][\"”’')\]]*)\s*((?:\[\d{1,3}\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ", text)
    return [re.sub(r"\s*((?:\[\d{1,3}\])+)([.!?][\"”’')\]]+)$", r"\2 \1", s.text) for s in sentences(text)]


def verify(answer: str, sources: list[Source]) -> list[VerifiedSentence]:
    """The answer's sentences with the quote that backs each citation; raises Rejected otherwise."""
    by_n = {s.n: s for s in sources}
    out = []
    parts = split_answer(answer)
    if not parts:
        raise Rejected("empty answer")
    for part in parts:
        ns = [int(n) for n in MARKER.findall(part)]
        claim = MARKER.sub("", part).strip()
        if not ns:
            # Small models often forget markers: cite every source that fully supports the sentence.
            ns = [s.n for s in sources if any(supports(claim, x.text) for x in sentences(s.text))]
            if not ns:
                raise Rejected(f"no source says {claim[:80]!r}")
            part = f"{claim} " + "".join(f"[{n}]" for n in ns)
        unknown = [n for n in ns if n not in by_n]
        if unknown:
            raise Rejected(f"cites [{unknown[0]}], but only {len(sources)} sources were listed")
        cites = []
        for n in dict.fromkeys(ns):
            quote = next((s.text for s in sentences(by_n[n].text) if supports(claim, s.text)), None)
            if quote is None:
                raise Rejected(f"[{n}] does not say {claim[:80]!r}")
            cites.append((n, quote))
        out.append(VerifiedSentence(part, cites))
    return out
