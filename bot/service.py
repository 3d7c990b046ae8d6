"""The Newsbot facade: one loaded index + LLM, used by every front-end (CLI, chat, Telegram, eval)."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot import evidence as ev
from bot.answer import Answer, Citation, Retrieved
from bot.answer_type import (analyse, answer_words, asks_outlet, has_kind, mentions, outlets_named, report_set_aside,
                             role_words, thing_asked)
from bot.config import Settings
from bot.conversation import Conversation
from bot.followup import rewrite_with_llm, standalone
from bot.llm import LLM, LLMError, get_llm
from bot.prompts import render
from bot.verify import Rejected, Source, verify
from index.embedding import get_embedder
from index.article import Article
from index.ingest import IngestReport, Progress, ingest, ingest_articles
from index.literals import extract
from index.text import root_tokens
from index.rerank import get_reranker
from index.retrieve import HybridRetriever
from index.store import Corpus, open_store

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 1000
REFUSAL = "The articles do not cover this, so I can't answer it from them."


@dataclass
class CorpusStats:
    articles: int
    chunks: int
    outlets: list[str]
    first_published: str | None
    last_published: str | None


class Newsbot:
    """Thread-safe: `ask` may run in several threads at once; `ingest` swaps in the new index atomically.

    Live index: another process may write to the same index at any time. At most every
    `index.refresh_s` seconds `ask` compares the store's generation with the loaded view's and, when it
    changed, opens a new view (only segments it does not have yet are opened; the rest are shared).
    Answers in flight keep the view they started with; `refresh()` can also be called by a timer.
    """

    def __init__(self, settings: Settings, index_dir: Path | str | None = None, llm: LLM | None | str = "config") -> None:
        self.settings = settings
        self.store = open_store(index_dir or settings.index.dir)
        self.embedder = get_embedder(settings.index.embed_model, settings.index.embed_batch_size)
        self.dim = len(self.embedder.get_query_embedding("dimension probe"))
        self.llm: LLM | None = get_llm(settings.llm) if llm == "config" else llm  # type: ignore[assignment]
        self._write_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._checked_at = 0.0
        self._load()

    def _load(self) -> None:
        corpus = self.store.load(self.embedder, self.dim)
        # One tuple, replaced in one assignment: readers never see a half-swapped index.
        reranker = get_reranker(self.settings.retrieval.reranker)
        self._state = (corpus, HybridRetriever(corpus, self.settings.retrieval, self.embedder, reranker))
        self._checked_at = time.monotonic()
        # The previous view is not closed here: an answer in flight may still read it; its connections
        # and segment handles go when the last reference does.

    def refresh(self, force: bool = False) -> bool:
        """Load the latest committed index if another writer changed it; True when a new view was loaded."""
        if not force and time.monotonic() - self._checked_at < self.settings.index.refresh_s:
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False  # another thread is already refreshing; answer from the current view
        try:
            self._checked_at = time.monotonic()
            if self.store.generation() == self.corpus.generation():
                return False
            self._load()
            log.info("index changed on disk: loaded generation %s", self.corpus.generation())
            return True
        finally:
            self._refresh_lock.release()

    @property
    def corpus(self) -> Corpus:
        return self._state[0]

    # ---- corpus -------------------------------------------------------------------------------

    def ingest(self, paths: list[Path], progress: Progress | None = None) -> IngestReport:
        with self._write_lock:
            report = ingest(paths, self.store, self.settings.index, self.embedder, self.dim, progress)
            self._load()
        return report

    def ingest_articles(self, articles: list[Article], progress: Progress | None = None) -> IngestReport:
        """Articles read elsewhere (feeds): same incremental, atomic write as `ingest`."""
        with self._write_lock:
            report = ingest_articles(articles, self.store, self.settings.index, self.embedder, self.dim, progress)
            self._load()
        return report

    def stats(self) -> CorpusStats:
        self.refresh()
        s = self.corpus.stats()  # SQL aggregates: no pass over every article in Python
        return CorpusStats(s.articles, s.chunks, s.outlets, s.first_published, s.last_published)

    # ---- answering ----------------------------------------------------------------------------

    def ask(self, question: str, conversation: Conversation | None = None, id: str | None = None) -> Answer:
        self.refresh()
        state = self._state
        with state[0].reading():  # one consistent state for the whole answer, whatever writers do meanwhile
            return self._ask(question, conversation, id, state)

    def _ask(self, question: str, conversation: Conversation | None, id: str | None, state) -> Answer:
        started = time.perf_counter()
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        query = None
        if self.settings.answer.llm_rewrites_followups and self.llm and conversation and conversation.turns and question:
            query = rewrite_with_llm(question, conversation, self.llm)
        query = query or standalone(question, conversation)
        corpus, retriever = state
        hits = retriever.search(query, keywords=role_words(query)) if question else []
        retrieved_at = time.perf_counter()
        answer = Answer(question=question, answer="", refused=False, mode="extractive", id=id,
                        standalone_question=query if query != question else None)
        answer.retrieved = [Retrieved(h.doc_id, h.chunk_id, round(h.score, 5)) for h in hits]
        outlets = _outlets(corpus, hits)
        cands, why_not = self._evidence(corpus, retriever, hits, query, outlets)
        generate_ms = 0.0
        if why_not:
            answer.answer, answer.refused, answer.mode, answer.note = REFUSAL, True, "refused", why_not
        else:
            chosen = ev.pick(cands, self.settings.answer.max_passages)
            lead = chosen[0] = ev.preceded(corpus, ev.continued(corpus, chosen[0], query))
            chosen[1:] = [c for c in chosen[1:] if not (c.doc_id == lead.doc_id and lead.start <= c.start < lead.end)]
            done = False
            if self.llm:
                t = time.perf_counter()
                done = self._generate(corpus, answer, query, chosen)
                generate_ms = (time.perf_counter() - t) * 1000
            if not done:
                self._extract(corpus, answer, chosen[: self.settings.answer.max_evidence])
            if asks_outlet(query, outlets) and answer.citations and answer.citations[0].source:  # "Which outlet ...?"
                answer.answer = f"{answer.citations[0].source}: {answer.answer}"
            if analyse(query).kind in ("number", "time", "duration"):
                self._conflicts(corpus, answer, cands, chosen[0])
            self._corroborate(corpus, answer, cands, chosen[0], hits)
        total = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved_at - started) * 1000,
            "generate": generate_ms,
            "total": (total - started) * 1000,
        }
        if conversation is not None:
            conversation.add(answer)
        return answer

    def _evidence(self, corpus: Corpus, retriever: HybridRetriever, hits, query: str,
                  outlets: set[str] | None = None) -> tuple[list[ev.Evidence], str | None]:
        """The candidate sentences an answer may quote, best first, and why the question is refused (or None)."""
        cands = ev.gather(corpus, hits, query, self.embedder)
        if aside := report_set_aside(query):  # "Apart from the report that names X, ...": not that article
            cands = [c for c in cands if not all(l.found_in(corpus.texts[c.doc_id]) for l in aside)] or cands
        # "Which outlet ...?" is answered by an article whose outlet is known; "Asianet or Daijiworld: which
        # one ...?" by one of those named.
        outlets = _outlets(corpus, hits) if outlets is None else outlets
        if asks_outlet(query, outlets):
            named = outlets_named(query, outlets)
            among = named if len(named) >= 2 else outlets
            cands = [c for c in cands if corpus.docs[c.doc_id].metadata.get("source") in among] or cands
        if ev.asks_latest(query):
            cands = ev.prefer_recent(cands, {c.doc_id: corpus.docs[c.doc_id].metadata.get("published_at") for c in cands})
        # Refusal per passage: the question's names, years and figures must be stated by the passage a
        # sentence comes from (or its article's title, date, dateline), not merely somewhere in a retrieved
        # article; sentences from passages that leave one out are not evidence, and the checks below see
        # only the rest.
        stated, missing = ev.stating(corpus, hits, cands, query)
        why_not = self._refusal_reason(query, hits, cands, retriever, gates=False)
        if not why_not and not stated:
            why_not = f"no retrieved passage states {', '.join(missing)}"
        return stated, why_not or self._refusal_reason(query, hits, stated, retriever)

    def _refusal_reason(self, query: str, hits, cands: list[ev.Evidence], retriever: HybridRetriever,
                        gates: bool = True) -> str | None:
        """Why the question is refused, or None. The evidence gates (weak similarity, the confidence model,
        fitted on the candidates that state the question's constraints) judge only those (`gates`)."""
        if not query:
            return "empty question"
        if not hits or not cands:
            return "nothing relevant was retrieved"
        if not any(h.covers_required for h in hits):  # checked by retrieval against text, title, date, dateline, outlet
            required = [l for l in extract(query) if l.required]
            haystack = {h.doc_id: retriever.doc_haystack(h.doc_id) for h in hits}
            missing = [l.text for l in required if not any(l.found_in(haystack[h.doc_id]) for h in hits)]
            what = ", ".join(missing) if missing else " and ".join(l.text for l in required) + " together"
            return f"no retrieved article mentions {what}"
        # "Which airline ...?" over articles that never mention an airline: whatever they say, it is not that.
        if (thing := thing_asked(query)) and not any(retriever.mentions(h.doc_id, thing) for h in hits):
            return f"no retrieved article mentions {_a(thing)}"
        asks = analyse(query)
        if asks.premise and not any(c.typed for c in cands):
            return f"no retrieved passage says {asks.describe()}"
        if asks.kind in ("year", "number", "time", *ev.STRICT) and not any(c.typed for c in cands[:5]):
            return f"no retrieved passage gives {asks.describe()}"
        if not gates:
            return None  # what follows judges the sentences an answer would show: those that state the question's names
        # The answer is built from the best sentence and those scored close to it (`pick`): the
        # strongest of them must be close enough to the question.
        shown = ev.pick(cands, self.settings.answer.max_passages)
        strongest = max(c.cosine for c in shown)
        # A role lookup answered by a sentence naming the role with its holder ("Chief Minister Sarfraz
        # Bugti told ...") is evidence however little the rest of that sentence reads like the question.
        # The same for a name described beside it ("junior interior minister Talal Chaudhry said ...").
        if strongest < self.settings.retrieval.min_dense_score and not (
                (asks.role or asks.holds or asks.kind in ("description", "office", "choice")) and any(c.typed for c in shown)
                or any(c.dateline for c in shown)
                # ... and so is the kind asked for, from the article the question names ("In the Quetta report, who ...?")
                or asks.kind and shown[0].typed and shown[0].named_article):
            return f"best evidence is too weak (similarity {strongest:.2f} < {self.settings.retrieval.min_dense_score})"
        # "When will schools reopen?" answered by the one sentence with a date: a time is only an answer
        # with the event it dates. Measured on every set's "when" questions (bench/quality_runs.md, session
        # 18): of 23 answered, the 8 whose best sentence has nothing like half the question's words were
        # all wrong or out of corpus, and no right answer was lost.
        if asks.kind in ("time", "year"):
            missing, total = ev.unsaid(query, cands[0].text, self.embedder)
            if total and len(missing) >= total / 2:
                return f"the best evidence does not say when ({', '.join(missing)})"
        # The confidence model was fitted on quiz questions; "Who is X?" answered by a title or apposition
        # beside the name ("Quetta, the provincial capital,") is judged by that description instead, and
        # "What office is held by the official who ...?" by the title in the best sentence.
        described = asks.kind in ("description", "office") and cands[0].typed
        if not described and (p := ev.answered(cands)) < self.settings.answer.min_confidence:
            return f"the best evidence may not answer it (confidence {p:.2f} < {self.settings.answer.min_confidence})"
        return None

    def _generate(self, corpus: Corpus, answer: Answer, query: str, chosen: list[ev.Evidence]) -> bool:
        """Ask the LLM; keep its answer only if every sentence verifies against the cited sources."""
        sources = [Source(i + 1, e.doc_id, e.text) for i, e in enumerate(chosen)]
        listing = "\n".join(f"[{s.n}] {s.text}" for s in sources)
        try:
            raw = self.llm.chat(render("system"), render("answer", sources=listing, question=query))
            if "NOT IN SOURCES" in raw.upper():
                raise Rejected("the model found no answer in the sources")
            verified = verify(raw, sources)
            self._check_relevant(query, verified, chosen)
        except (LLMError, Rejected) as e:
            answer.note = f"Showing verbatim evidence: the generated answer was not used ({e})."
            log.info("generation not used: %s", e)
            return False
        except Exception as e:  # a backend bug must not cost the user the answer
            log.exception("LLM backend failed")
            answer.note = f"Showing verbatim evidence: the language model failed ({type(e).__name__})."
            return False
        renumber: dict[int, int] = {}
        for vs in verified:
            for n, _ in vs.cites:
                renumber.setdefault(n, len(renumber) + 1)
        text = " ".join(vs.text for vs in verified)
        text = re.sub(r"\[(\d{1,3})\]", lambda m: f"[{renumber[int(m.group(1))]}]", text)
        quotes = {n: q for vs in verified for n, q in vs.cites}
        answer.citations = [_citation(corpus, renumber[n], sources[n - 1].doc_id, quotes[n]) for n in renumber]
        answer.answer, answer.mode = text, "generated"
        return True

    @staticmethod
    def _check_relevant(query: str, verified, chosen: list[ev.Evidence]) -> None:
        """A true sentence is not yet an answer: it must be about what was asked (say the question's words
        that the best evidence says, and the kind of thing asked for if the evidence has it) and rest on a
        top-ranked passage, else the evidence reads better."""
        focus = ev.focus_tokens(query)
        text = " ".join(v.text for v in verified)
        said = set(root_tokens(text))
        if focus and not focus & said or not (focus & set(root_tokens(chosen[0].text))) <= said:
            raise Rejected("the generated sentence does not address the question")
        kind = analyse(query).kind
        if chosen[0].typed and not has_kind(kind, text, query):
            raise Rejected(f"the generated sentence gives no {kind}")
        # The best evidence offers two answers ("X won, beating Y"): choosing between them is not left to the model.
        offered, words = mentions(kind, chosen[0].text, query), answer_words(text)
        dropped = sorted(m for m in offered if not set(m.split()) <= words) if len(offered) >= 2 else []
        if dropped:
            raise Rejected(f"the generated sentence leaves out {', '.join(dropped)} from the best evidence")
        top = {i + 1 for i, e in enumerate(chosen) if e.score >= chosen[0].score - 0.05}
        if not any(n in top for v in verified for n, _ in v.cites):
            raise Rejected("the generated sentence rests on a lower-ranked passage")

    @staticmethod
    def _extract(corpus: Corpus, answer: Answer, chosen: list[ev.Evidence]) -> None:
        lines = []
        for i, e in enumerate(chosen, 1):
            lines.append(_line(e.text, i))
            answer.citations.append(_citation(corpus, i, e.doc_id, e.text))
        answer.answer, answer.mode = "\n".join(lines), "extractive"

    @staticmethod
    def _conflicts(corpus: Corpus, answer: Answer, cands: list[ev.Evidence], anchor: ev.Evidence) -> None:
        """When outlets give different figures or days for the same fact, say so and cite each side."""
        cited = {c.doc_id: c for c in answer.citations}
        sides = [c for c in ev.disagreements(cands, anchor) if c.doc_id not in cited][:1]
        same_fact = {e.doc_id for e in cands if e.doc_literals >= anchor.doc_literals}
        differing = [c.n for c in answer.citations if c.doc_id in same_fact and ev.conflict(anchor.text, c.quote)]
        for e in sides:
            n = len(answer.citations) + 1
            answer.citations.append(_citation(corpus, n, e.doc_id, e.text))
            answer.answer += "\n" + _line(e.text, n)
            differing.append(n)
        if differing:
            first = next((c.n for c in answer.citations if c.quote == anchor.text), 1)
            answer.disputed = sorted({n for n in differing if n != first})
            conflict = (f"Outlets differ on the figures: compare [{first}] with "
                        + ", ".join(f"[{n}]" for n in differing if n != first) + ".")
            answer.note = f"{answer.note} {conflict}" if answer.note else conflict

    def _corroborate(self, corpus: Corpus, answer: Answer, cands: list[ev.Evidence], anchor: ev.Evidence, hits) -> None:
        docs = ev.supporting_docs(cands, anchor, corpus, [h.doc_id for h in hits], self.embedder)
        docs |= {c.doc_id for c in answer.citations}
        docs -= {c.doc_id for c in answer.citations if c.n in answer.disputed} - {anchor.doc_id}  # they tell it otherwise
        for h in hits:  # syndicated copies collapsed at retrieval, and identical texts, count too
            if h.doc_id in docs:
                docs |= set(h.also)
        for d in list(docs):
            docs |= set(corpus.duplicates_index().get(d, ()))
        outlets = {corpus.docs[d].metadata.get("source") or d for d in docs}
        answer.corroboration = f"reported by {len(outlets)} of {corpus.outlet_count()} sources"


def _line(quote: str, n: int) -> str:
    """A quote as one line of the reply, even one across paragraphs, with its citation mark."""
    return f"{' '.join(quote.split())} [{n}]"


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _citation(corpus: Corpus, n: int, doc_id: str, quote: str) -> Citation:
    """Citation [n] of one article; the quote must be verbatim in its cleaned text."""
    if quote not in corpus.texts[doc_id]:  # cannot happen by construction; never show it if it does
        raise RuntimeError(f"quote for [{n}] is not verbatim in {doc_id}")
    meta = corpus.docs[doc_id].metadata
    return Citation(n, doc_id, meta.get("title"), meta.get("source"), meta.get("url"), meta.get("published_at"), quote)


def _outlets(corpus: Corpus, hits) -> set[str]:
    """The outlets of the retrieved articles."""
    return {s for h in hits if (s := corpus.docs[h.doc_id].metadata.get("source"))}
