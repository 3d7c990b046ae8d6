"""Evidence: the sentences of the retrieved passages, scored against the question.

Everything the bot may quote comes from here, as offsets into an article's cleaned text, so a quote is
verbatim by construction (and `verify` checks it again).
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from bot.answer_type import (PARTICLES, SOFT, STRICT, Asks, analyse, answer_keys, asked_noun, asking_sentence,
                             asks_dateline, has_kind, new_name, offers, report_naming, report_of, source, states)
from bot.scorer import FEATURES, confidence, confidence_features, probabilities, weight
from index.article import headline
from index.literals import Literal, extract, match_fraction
from index.retrieve import Hit, article_head
from index.store import Corpus
from index.text import STOPWORDS, root_tokens, stem


_WH = re.compile(r"^\s*(who|whom|whose|what|which|where|when|why|how( many| much| long)?)\b(\s+\w+)?\s+(did|does|do|is|are|was|were|has|have|had|will|would|can)\b"
                 r"|^\s*(who|what|which|where|when|how)\b", re.I)



_VECTORS: OrderedDict[str, np.ndarray] = OrderedDict()  # sentence text -> embedding, shared across questions
_VECTORS_MAX = 50_000


_VECTORS_LOCK = threading.Lock()  # several chats are answered at once (Telegram)


def _embed(embedder, texts: list[str]) -> np.ndarray:
    with _VECTORS_LOCK:
        found = {t: _VECTORS[t] for t in texts if t in _VECTORS}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        fresh = {t: np.asarray(v, dtype="float32") for t, v in zip(missing, embedder.get_text_embedding_batch(missing))}
        found.update(fresh)
        with _VECTORS_LOCK:
            _VECTORS.update(fresh)
            while len(_VECTORS) > _VECTORS_MAX:
                _VECTORS.popitem(last=False)
    return np.stack([found[t] for t in texts])


@dataclass(eq=False)  # one candidate is one object (`c in chosen`); its arrays do not compare
class Evidence:
    doc_id: str
    start: int
    end: int
    text: str
    score: float  # cosine(question, sentence) plus keyword and literal agreement
    cosine: float
    hit_rank: int
    vector: np.ndarray | None = None
    focus: float = 0.0  # cosine to the question without its names and figures
    typed: bool = True  # has the kind of thing the question asks for
    doc_literals: float = 1.0  # share of the question's years, figures and names its article has
    position: int = 0  # sentence number in its article
    features: np.ndarray | None = None  # bot.scorer.FEATURES, for fitting the scorer
    dateline: bool = False  # opens with its article's dateline, when the question asks for it
    named_article: bool = False  # comes from the article the question names by dateline or outlet (`report_of`)
    headline: float = 0.0  # the part of `score` from saying its headline's words (left out of the confidence model's inputs)


def _open_quotes(text: str) -> tuple[int, int]:
    """(curly opening marks minus closing ones, straight double quotes mod 2)."""
    return text.count("“") - text.count("”"), text.count('"') % 2


def quoted_span(text: str, sents, i: int, max_chars: int = 700) -> tuple[int, int]:
    """Sentence i of `text`, widened to the neighbouring sentences that close (or open) a quotation it
    leaves open, so that a quote shown to a reader keeps its quotation marks balanced ("“We reject the
    allegations. Pakistan should address its grievances,” Jaiswal said."). When that would pass
    `max_chars`, the sentence alone, without a dangling mark at either end. Offsets into `text`."""
    a, b = sents[i].start, sents[i].end
    curly, straight = _open_quotes(text[a:b])
    if not curly and not straight:
        return a, b
    if curly > 0 or straight:  # opened here, closed later
        k = i
        while k + 1 < len(sents) and sents[k + 1].end - a <= max_chars:
            k += 1
            if _open_quotes(text[a : sents[k].end]) == (0, 0):
                return a, sents[k].end
    if curly < 0 or straight:  # closed here, opened earlier
        j = i
        while j > 0 and b - sents[j - 1].start <= max_chars:
            j -= 1
            if _open_quotes(text[sents[j].start : b]) == (0, 0):
                return sents[j].start, b
    # Out of reach: drop a dangling mark at either end (still a verbatim substring).
    if curly > 0 and text[a] == "“" or straight and text[a] == '"':
        a += 1
    elif curly < 0 and text[b - 1] == "”" or straight and text[b - 1] == '"':
        b -= 1
    return a, b


def focus_tokens(question: str, literals=None) -> set[str]:
    """The question's content words besides its required names and figures: what is asked about."""
    literals = extract(question) if literals is None else literals
    named = set(root_tokens(" ".join(l.text for l in literals if l.required)))
    return set(root_tokens(question)) - named


def _focus(question: str, literals) -> str:
    """The question without its names and figures: what is asked ("net profit"), which the full question's
    embedding drowns under "Acme Industrial ... second quarter of 2021"; and as a statement: "Which group
    carried out the attacks?" reads like "carried out the attacks"."""
    focus = question
    for lit in literals:
        if lit.required and not lit.phrase:
            focus = re.sub(re.escape(lit.text), " ", focus, flags=re.I)
    return _WH.sub(" ", focus).strip(" ?") or focus


def gather(corpus: Corpus, hits: list[Hit], question: str, embedder, max_hits: int = 8) -> list[Evidence]:
    """Candidate sentences from the top hits (deduplicated), best first."""
    seen: set[tuple[str, int]] = set()
    cands: list[Evidence] = []
    opening = asks_dateline(question)  # "Where was the report datelined?": its first sentences, wherever the hit is
    for rank, hit in enumerate(hits[:max_hits]):
        # Whole sentences that overlap the passage: a chunk may start mid-sentence.
        sents = corpus.sentences(hit.doc_id)
        for i, s in enumerate(sents):
            if (s.end <= hit.start or s.start >= hit.end) and not (opening and i < 2):
                continue
            if (hit.doc_id, s.start) in seen or len(s.text.split()) < 6:  # bylines, headings
                continue
            if s.text.rstrip(" ”\"’'").endswith(("?", ":")):  # a question states nothing (quiz pages repeat the
                continue  # question), nor does a list's heading ("Here are the highest gas prices in the U.S.:")
            seen.add((hit.doc_id, s.start))
            start, end = quoted_span(corpus.texts[hit.doc_id], sents, i)
            if (hit.doc_id, start, -end) in seen:  # two sentences of one quotation: one candidate
                continue
            seen.add((hit.doc_id, start, -end))
            text = corpus.texts[hit.doc_id][start:end]
            cands.append(Evidence(hit.doc_id, start, end, text, 0.0, 0.0, rank, doc_literals=hit.literal_match, position=i))
    if not cands:
        return []

    def query(text: str) -> np.ndarray:
        return np.asarray(embedder.get_query_embedding(text), dtype="float32")

    q = query(question)
    literals = extract(question)
    focus = _focus(question, literals)
    q_focus = query(focus) if focus != question else q
    # A question that first sets the scene ("The Emmys were presented on Monday. Which show won best drama?")
    # is answered by a sentence about what its last sentence asks; the scene alone is restated by many.
    # Chosen offline on the dumped candidates of train, dev, heldout and heldout2 (bench/quality_runs.md, session 19).
    ask = asking_sentence(question)
    q_ask, q_ask_focus = (q, q_focus) if ask == question else (query(ask), query(_focus(ask, extract(ask))))
    vecs = _embed(embedder, [c.text for c in cands])
    # Names and figures are checked per article (doc_literals); within the article, the sentence that
    # answers is the one about what is asked ("net profit"), not the one that repeats the names.
    q_tokens = focus_tokens(question, literals) or set(root_tokens(question))
    asks = analyse(question)
    similar = _similar_words(embedder)
    counted = {stem(w) for w in (asks.counted or "").split()}
    noun = asked_noun(question)
    # The article the question names by dateline or outlet ("the report filed from Islamabad"): its head
    # states that name, so the sentences that answer need not repeat it.
    named = report_of(question)
    # ... or by something it says ("the report naming the US deputy chief of mission")
    naming = report_naming(question)
    said = {l.text.lower() for l in naming}
    in_text = [l for l in literals if not (named and l.text.lower() == named.text.lower() or l.text.lower() in said)]
    noun_roots = set(root_tokens(noun)) if noun else set()

    def by_outlet(c: Evidence, asks: Asks) -> Asks:
        """A speaker that is the candidate's outlet ("How did Asianet characterise the offensive?") is no
        premise: the article's own sentences say what it says, without naming it."""
        if asks.agent and Literal(asks.agent, 1.0).found_in(str(corpus.docs[c.doc_id].metadata.get("source") or "")):
            return replace(asks, agent=None)
        return asks
    # Keyword agreement weighted by rarity among the candidates: "blame" or "chief minister" decide more
    # than "Balochistan" or "attacks", which every candidate shares.
    token_sets = [set(root_tokens(c.text)) for c in cands]
    idf = {t: math.log(1 + len(cands) / (1 + sum(t in ts for ts in token_sets))) for t in q_tokens}
    q_weight = sum(idf.values()) or 1.0
    agree = vecs @ vecs.T >= 0.6  # paraphrase-level agreement between candidate sentences
    docs = np.array([c.doc_id for c in cands])
    # Not for figures: what a figure counts must match as written ("soldiers" is near "militants" in
    # embedding space, and "How many soldiers were killed?" must not be answered with the militants' toll).
    paraphrase = (np.zeros(len(cands), dtype="float32") if asks.kind in _FIGURES
                  else _soft_overlap(embedder, question, literals, [c.text for c in cands]))
    x = np.zeros((len(cands), len(FEATURES)), dtype="float32")
    for n, (c, v, tokens) in enumerate(zip(cands, vecs, token_sets)):
        c.vector = v
        c.cosine = float(v @ q)
        c.focus = float(v @ q_focus)
        shared = q_tokens & tokens
        overlap = 0.5 * sum(idf[t] for t in shared) / q_weight + 0.5 * len(shared) / max(1, len(q_tokens))
        # Has what is asked for, and states what the question takes for granted ("how many ... arrested").
        c.typed = has_kind(asks.kind, c.text, question) and (
            not asks.premise or states(by_outlet(c, asks), c.text, similar))
        # "How many civilians": "31 civilians" answers it; "dozens of civilians" less so.
        bound = bool(counted and _counts_noun(c.text, counted))
        x[n] = (c.cosine, c.focus, overlap, c.typed or asks.kind in SOFT, bound, match_fraction(in_text, c.text) if in_text else 1.0,
                c.doc_literals, tokens <= q_tokens, len(tokens - q_tokens) / max(1, len(tokens)), 1 / (1 + c.hit_rank),
                1 / (1 + c.position), hits[c.hit_rank].title_sim,  # headline similarity, from retrieval
                min(3, len(set(docs[agree[n]]) - {c.doc_id})) / 3, 0.0, new_name(c.text, question),
                bool(noun_roots and noun_roots <= tokens), paraphrase[n])
        c.features = x[n]
    # The scorer reads the asking sentence (cosine: it alone; focus: the mean of both); the features kept
    # for the confidence model are those it was fitted on, of the whole question.
    scored = x.copy()
    if ask != question:
        cosine, focus_ = FEATURES.index("cosine"), FEATURES.index("focus")
        scored[:, cosine] = vecs @ q_ask
        scored[:, focus_] = (x[:, focus_] + vecs @ q_ask_focus) / 2
    x[:, FEATURES.index("vote")] = scored[:, FEATURES.index("vote")] = _votes(cands, probabilities(scored), asks.kind, question)
    # Kinds added after the fit (answer_type.SOFT) weigh as much as "typed" does in the fitted scorer.
    soft = weight("typed") if asks.kind in SOFT else 0.0
    # So does a sentence giving the account the question names ("According to the guard, ...").
    said_by = source(question)
    # The headline's words that the question lacks often name the answer; not for figures, which headlines
    # seldom give ("How many runners finished?" under "X and Y win the marathon").
    title_new = {d: _title_news(headline(corpus.docs[d].metadata), question) if asks.kind not in _FIGURES else set()
                 for d in {c.doc_id for c in cands}}
    for c, p, tokens in zip(cands, probabilities(scored), token_sets):
        c.score = float(p) + soft * c.typed + (weight("typed") if said_by and said_by.found_in(c.text) else 0.0)
        if (new := title_new[c.doc_id]):  # says what its headline says beyond the question
            c.headline = TITLE_WEIGHT * len(new & tokens) / len(new)
            c.score += c.headline
        # ... or comes from the article it names by dateline or outlet.
        c.named_article = bool(named and named.found_in(article_head(corpus.docs[c.doc_id].metadata)))
        if c.named_article:
            c.score += weight("typed")
        if naming and all(l.found_in(corpus.texts[c.doc_id]) for l in naming):
            c.score += weight("typed")
    if opening:  # "From which city was the dispatch filed?": the sentence opening with its dateline
        for c in cands:
            c.dateline = c.typed = c.position < 2 and opens_with_dateline(c.text, corpus.docs[c.doc_id].metadata)
            c.score += 2 * weight("typed") * c.dateline
    if opening or asks.kind in STRICT:  # "Which country ...?" is not answered by a sentence that names none
        cands.sort(key=lambda c: (c.typed, c.score), reverse=True)
    else:
        cands.sort(key=lambda c: c.score, reverse=True)
    return cands


# "Islamabad, Feb 2: ...", "QUETTA (Reuters) — ...": where the article was filed, before its first sentence.
_DATELINE = re.compile(r"[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
                       r"\s*(?:\([^)]{2,40}\))?\s*[:—–]\s")


# Added to a sentence's score, times the share of its headline's new words it says. Chosen on train and dev
# (0.1, 0.2, 0.4, 0.7, 1.0 tried), checked on heldout, heldout2, stress and the evidence-absent sets
# (bench/quality_runs.md, session 20).
TITLE_WEIGHT = 0.4
_DATE_WORDS = re.compile(r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|"
                         r"june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.I)
_SITE_SUFFIX = re.compile(r"\s+(?:[-|–—:]|\.\.\.)\s+[^-|–—]*$")


def _title_news(title: str | None, question: str) -> set[str]:
    """The headline's word roots that the question does not say: a headline states what its article is
    about, so these often name the answer ("Columbia University acknowledges submitting inaccurate data")."""
    if not title:
        return set()
    title = _SITE_SUFFIX.sub("", title)  # "... - CNN", "... | The Week UK"
    # Not dates or figures: they tell one edition from another ("... falls to 3.2% in December"), not the answer.
    title = _DATE_WORDS.sub(" ", title)
    words, asked = set(root_tokens(title)), set(root_tokens(question))
    if not words & asked:
        return set()  # a headline about something else ("Ferry fares rise" for a question about the timetable)
    return {t for t in words if not any(ch.isdigit() for ch in t)} - asked


def opens_with_dateline(text: str, meta: dict) -> bool:
    """Does the sentence open with its article's dateline (the one its metadata states, or a dateline's form)?"""
    stated = str(meta.get("dateline") or "").split(",")[0].strip()
    text = text.lstrip()
    return text.lower().startswith(stated.lower()) if stated else bool(_DATELINE.match(text))


def _votes(cands: list[Evidence], scores: np.ndarray, kind: str | None, question: str, reach: float = 0.3) -> np.ndarray:
    """Answer redundancy: many outlets report one event, and the answer is what their best sentences
    agree on. Each candidate within `reach` of the best score that has the asked-for thing (`typed`)
    votes, with its margin, for the answers it offers (`answer_keys`); an article votes once per answer.
    A sentence's feature is the share of the top answer's votes behind its own best answer (0 when it
    offers none)."""
    floor = float(scores.max()) - reach
    keys = [answer_keys(kind, c.text, question) for c in cands]
    best: dict[tuple[str, str], float] = {}  # (answer, doc) -> strongest vote of that article
    for c, k, sc in zip(cands, keys, scores):
        for key in k:
            if sc > floor and c.typed:  # only sentences with the asked-for thing ("31 soldiers") vote
                best[(key, c.doc_id)] = max(best.get((key, c.doc_id), 0.0), float(sc) - floor)
    tally: dict[str, float] = {}
    for (key, _), v in best.items():
        tally[key] = tally.get(key, 0.0) + v
    top = max(tally.values(), default=0.0)
    return np.array([max((tally.get(key, 0.0) for key in k), default=0.0) / top if top else 0.0 for k in keys], dtype="float32")


def confidence_inputs(cands: list[Evidence]) -> np.ndarray:
    """`bot.scorer.CONFIDENCE_FEATURES` of the best candidate (cands[0], as ranked): what the confidence
    model reads, and what bench/fit_scorer.py fits it on."""
    # Scores as the model was fitted on them: without the headline bonus, added after the fit (which
    # only articles with a headline get, so refitting on it miscalibrates those without; session 20).
    runner_up = max(c.score - c.headline for c in cands[1:]) if len(cands) > 1 else None
    return confidence_features(cands[0].features, cands[0].score - cands[0].headline, runner_up, len(cands))


def answered(cands: list[Evidence]) -> float:
    """Confidence that the best candidate states the answer: `bot.scorer.confidence`."""
    if not cands or cands[0].features is None:
        return 0.0
    return confidence(confidence_inputs(cands))


def _paragraph(text: str, c: Evidence, reach: int = 700) -> str:
    """The paragraph around a sentence ("In a statement ..., the group said" names its group a sentence
    earlier), at most `reach` characters either side."""
    a = max(text.rfind("\n", 0, c.start) + 1, c.start - reach)
    b = text.find("\n", c.end)
    return text[a : min(b if b >= 0 else len(text), c.end + reach)]


def stating(corpus: Corpus, hits: list[Hit], cands: list[Evidence], question: str) -> tuple[list[Evidence], list[str]]:
    """The candidates whose own passage (the retrieved chunk, the sentence's paragraph, and the article's
    title, date, dateline and outlet) states every name, year and figure the question requires, in their order;
    and, when none does, the required literals the best-covered passage lacks."""
    required = [l for l in extract(question) if l.required]
    if not required:
        return cands, []
    keep, best_missing = [], [l.text for l in required]
    naming = report_naming(question)  # "the report naming X": X is stated by the article, anywhere in it
    for c in cands:
        hit = hits[c.hit_rank]
        meta = corpus.docs[c.doc_id].metadata
        passage = article_head(meta) + "\n" + hit.text + "\n" + _paragraph(corpus.texts[c.doc_id], c)
        if naming and all(l.found_in(corpus.texts[c.doc_id]) for l in naming):
            passage += "\n" + " ".join(l.text for l in naming)
        missing = [l.text for l in required if not l.found_in(passage)]
        if not missing:
            keep.append(c)
        elif len(missing) < len(best_missing):
            best_missing = missing
    return keep, ([] if keep else best_missing)


_FIGURES = frozenset({"number", "year", "time", "duration", "percent", "money"})


def _content_words(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS and len(w) > 2))


def _soft_overlap(embedder, question: str, literals, texts: list[str], floor: float = 0.3) -> np.ndarray:
    """Word overlap that counts paraphrase: for each of the question's content words (its required names
    aside), the closest word of the sentence by embedding similarity ("reinforced" for "strengthened",
    "battle" for "fighting"), scaled from `floor` (unrelated words) to 1 (the same word), averaged. Readers
    word questions unlike the text; sentence embeddings alone miss a single paraphrased word. Hand-written:
    no library scores word-level soft overlap with a sentence-transformers model."""
    named = {w.lower() for l in literals if l.required for w in l.text.split()}
    asked = [w for w in _content_words(question) if w not in named]
    out = np.zeros(len(texts), dtype="float32")
    if not asked:
        return out
    per_text = [_content_words(t) for t in texts]
    vocab = list(dict.fromkeys([*asked, *(w for ws in per_text for w in ws)]))
    index = {w: i for i, w in enumerate(vocab)}
    vecs = _embed(embedder, vocab)  # one batch for the words not seen before; the question's come first
    sims = vecs[: len(asked)] @ vecs.T
    for n, words in enumerate(per_text):
        if words:
            best = sims[:, [index[w] for w in words]].max(axis=1)
            out[n] = float(np.clip((best - floor) / (1 - floor), 0, 1).mean())
    return out


def _similar_words(embedder, threshold: float = 0.62):
    """`similar(word, sentence)`: does the sentence have a word with the root of `word`, or one whose
    embedding is close ("died" / "killed", "arrested" / "detained"; not "arrested" / "killed")? The
    threshold sits between such pairs (test_answer_type)."""

    def similar(word: str, sentence: str, bar: float = threshold) -> bool:
        words = _content_words(sentence)
        if not words:
            return False
        if set(root_tokens(word)) & set(root_tokens(" ".join(words))):
            return True
        vecs = _embed(embedder, [word, *words])
        return float((vecs[1:] @ vecs[0]).max()) >= bar

    return similar


# Words that name the account rather than the event ("according to the Quetta-datelined report", "per the
# report filed from Quetta"), as roots.
_ACCOUNT_WORDS = set(root_tokens("report article account story outlet statement piece dispatch coverage per filed datelined"))



def unsaid(question: str, sentence: str, embedder, bar: float = 0.55) -> tuple[list[str], int]:
    """The asking sentence's content words (roots; names and figures aside) that the sentence has nothing
    like, by root or word embedding (`_similar_words` at `bar`), and how many there were. "When will
    schools reopen?" over "Quetta: ... reported a counter-insurgency operation": school, reopen."""
    asked = asking_sentence(question)
    roots = {r for r in focus_tokens(asked) if len(r) > 2 and r not in _ACCOUNT_WORDS and r not in PARTICLES}
    words: dict[str, str] = {}  # root -> the question's word, for the note
    for w in re.findall(r"[A-Za-z][\w’'-]*", asked):
        for r in root_tokens(w):
            if r in roots:
                words.setdefault(r, w.lower())
    similar = _similar_words(embedder)
    return [w for r, w in words.items() if not similar(r, sentence, bar)], len(words)


def _neighbour(corpus: Corpus, lead: Evidence, after: bool, max_chars: int) -> tuple[int, int] | None:
    """The span of the sentence right after (or before) the lead, widened to balance its quotation marks;
    None at the article's edge, for a heading or byline there, or when both would pass `max_chars`."""
    sents = corpus.sentences(lead.doc_id)
    near = [n for n, s in enumerate(sents) if (s.start >= lead.end if after else s.end <= lead.start)]
    if not near:
        return None
    i = near[0] if after else near[-1]
    if len(sents[i].text.split()) < 6:
        return None
    start, end = quoted_span(corpus.texts[lead.doc_id], sents, i, max_chars)
    if (start < lead.end if after else end > lead.start) or max(end, lead.end) - min(start, lead.start) > max_chars:
        return None
    return start, end


def _joined(corpus: Corpus, lead: Evidence, start: int, end: int) -> Evidence:
    return replace(lead, start=start, end=end, text=corpus.texts[lead.doc_id][start:end])


def continued(corpus: Corpus, lead: Evidence, question: str, max_chars: int = 700) -> Evidence:
    """The lead sentence and the one after it, when the lead only restates the question (it offers no
    answer of the kind asked, `answer_type.offers`) and the next sentence does: news states the event
    first and who or what it was next ("... voters in Wyoming elected a Trump-backed candidate." /
    "Cheney ... lost to Harriet Hageman, ..."). Measured in bench/quality_runs.md (session 19)."""
    kind = analyse(question).kind
    if offers(kind, lead.text, question) is not False:
        return lead
    span = _neighbour(corpus, lead, True, max_chars)
    if span is None or not offers(kind, corpus.texts[lead.doc_id][span[0] : span[1]], question):
        return lead
    return _joined(corpus, lead, lead.start, span[1])


_PRONOUN_SUBJECT = re.compile(r"(?:He|She|They)\s")


def preceded(corpus: Corpus, lead: Evidence, max_chars: int = 700) -> Evidence:
    """The sentence before a lead that opens with "He", "She" or "They", and the lead: a reader (and "Who
    argued ...?") needs whom the pronoun stands for ("Defence and strategic analysts ... noted ..." /
    "They argued that ...")."""
    span = _neighbour(corpus, lead, False, max_chars) if _PRONOUN_SUBJECT.match(lead.text) else None
    return lead if span is None else _joined(corpus, lead, span[0], lead.end)


def pick(cands: list[Evidence], k: int, margin: float = 0.08) -> list[Evidence]:
    """The best k sentences close to the top score, preferring different articles and skipping repeats."""
    if not cands:
        return []
    best = cands[0].score
    typed = cands[0].typed  # if the best sentence has the asked-for thing, every quoted one must
    chosen: list[Evidence] = []
    for prefer_new_doc in (True, False):
        for c in cands:
            if len(chosen) >= k or c.score < best - margin:
                break
            if c in chosen or (typed and not c.typed) or (prefer_new_doc and any(x.doc_id == c.doc_id for x in chosen)):
                continue
            if any(x.vector is not None and c.vector is not None and float(x.vector @ c.vector) > 0.9 for x in chosen):
                continue  # the same sentence in another outlet's copy adds nothing to read
            chosen.append(c)
    return chosen


def supporting_docs(cands: list[Evidence], anchor: Evidence, corpus: Corpus, doc_ids: list[str], embedder,
                    threshold: float = 0.6) -> set[str]:
    """Articles with a sentence that says what `anchor` says (paraphrase-level similarity): among the
    candidates, and anywhere in the articles `doc_ids` (the retrieved ones), where only sentences
    sharing three of the anchor's words are embedded."""
    docs = {anchor.doc_id}
    for c in cands:
        if c.vector is not None and anchor.vector is not None and float(c.vector @ anchor.vector) >= threshold:
            docs.add(c.doc_id)
    if anchor.vector is None:
        return docs
    words = set(root_tokens(anchor.text))
    for doc_id in dict.fromkeys(d for d in doc_ids if d not in docs):
        near = [s.text for s in corpus.sentences(doc_id) if len(words & set(root_tokens(s.text))) >= 3]
        if near and float((_embed(embedder, near) @ anchor.vector).max()) >= threshold:
            docs.add(doc_id)
    return docs


_COUNT = re.compile(r"\b(close to|nearly|about|around|at least|more than|some)?\s*(\d[\d,]*)\s+([a-z]+(?:\s+[a-z]+){0,2})", re.I)
_DAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\bprevious day\b|\bday before\b|\byesterday\b", re.I)
_UNITS = {"hour", "hours", "day", "days", "minute", "minutes", "percent", "km", "years", "year"}


def _counts(text: str) -> list[tuple[int, str, bool]]:
    """(figure, the noun it counts, hedged?) for each count in a sentence: "close to 50 people"."""
    out = []
    for m in _COUNT.finditer(text):
        words = [w for w in m.group(3).lower().split() if w not in STOPWORDS]
        if words and words[0] not in _UNITS:
            out.append((int(m.group(2).replace(",", "")), stem(words[0]), bool(m.group(1))))
    return out


def _counts_noun(text: str, counted: set[str]) -> bool:
    """A figure followed, within three words, by the counted noun: "14 cargo ships" counts ships."""
    return any(counted & {stem(w) for w in m.group(3).lower().split()} for m in _COUNT.finditer(text))


def conflict(a: str, b: str) -> str | None:
    """How two outlets' sentences about the same fact disagree, or None. Three general cases: the same
    count with a different day ("92 ... on Saturday" / "92 ... the previous day"); a different figure
    for the same noun over the same days; a hedged total against parts that do not add up to it
    ("close to 50 people" / "17 law enforcement personnel and 31 civilians")."""
    ca, cb = _counts(a), _counts(b)
    shared = {(n, w) for n, w, _ in ca} & {(n, w) for n, w, _ in cb}
    days_a, days_b = {d.lower() for d in _DAY.findall(a)}, {d.lower() for d in _DAY.findall(b)}
    if shared and days_a and days_b and days_a != days_b:
        return "day"
    for n1, w1, _ in ca:
        for n2, w2, _ in cb:
            # "92 militants ... on Saturday" and "145 militants over 40 hours" count different things
            if w1 == w2 and n1 != n2 and (w1, n1) not in {(w, n) for n, w, _ in cb} and days_a == days_b:
                return "figure"
    for one, other in ((ca, cb), (cb, ca)):
        for total, noun, hedged in one:
            parts = [n for n, w, _ in other if w != noun]
            if hedged and len(parts) >= 2 and sum(parts) != total and abs(sum(parts) - total) <= 0.15 * total:
                return "total"
    return None


def disagreements(cands: list[Evidence], anchor: Evidence, threshold: float = 0.55) -> list[Evidence]:
    """Sentences from other articles that report what `anchor` reports, with other figures or days."""
    out: list[Evidence] = []
    if anchor.vector is None:
        return out
    for c in cands:
        if c.doc_id == anchor.doc_id or c.vector is None or any(o.doc_id == c.doc_id for o in out):
            continue
        if c.doc_literals < anchor.doc_literals:
            continue  # another season or quarter: a different fact, not a disagreement
        if float(c.vector @ anchor.vector) >= threshold and conflict(anchor.text, c.text):
            out.append(c)
    return out


_LATEST = re.compile(r"\b(latest|most recent|newest|current|currently|now)\b|"
                     r"\blast (report|article|story|update|figure|reading|quarter|month|week|year)\b", re.I)


def asks_latest(question: str) -> bool:
    return bool(_LATEST.search(question))


def prefer_recent(cands: list[Evidence], published: dict[str, str | None], margin: float = 0.15) -> list[Evidence]:
    """For "the latest ...": among the candidates close to the best, the most recently published first
    (undated articles after dated ones); the rest keep their order."""
    if not cands:
        return cands
    near = [c for c in cands if c.score >= cands[0].score - margin]
    rest = [c for c in cands if c.score < cands[0].score - margin]
    near.sort(key=lambda c: (published.get(c.doc_id) or "", c.score), reverse=True)
    return near + rest
