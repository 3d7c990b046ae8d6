"""The answer-sentence scorer, refusal per passage and balanced quotes, on real parts: the bundled
embedder, a real FAISS index of a few articles written here (about a made-up port), no fakes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import make_settings

FILLER = ("Dock workers spent the week repairing fences, replacing lamps and clearing debris from the "
          "quayside, while ferry operators rebuilt their timetables around the tides. ")

ARTICLES = [
    {"id": "velmar-orla", "title": "Port of Velmar reopens after Storm Orla", "source": "Coastal Herald",
     "published_at": "2024-03-08",
     "text": "\n".join([
         "The Port of Velmar reopened on Tuesday after Storm Orla closed it for nine days, harbour officials said.",
         "During the closure the port turned away 14 cargo ships, which were diverted to the northern terminals.",
         "Harbour master Ilse Brandt oversaw the clearing of the main channel. “We worked around the clock. "
         "Every crew knew what was at stake,” Brandt said.",
         FILLER * 3,
         FILLER * 3,
         "Forecasters said Storm Kasia would pass well north of the coast later in the season.",
     ])},
    {"id": "velmar-budget", "title": "Velmar council approves harbour budget", "source": "Velmar Post",
     "published_at": "2024-02-01",
     "text": "\n".join([
         "The Velmar council approved a harbour budget of 3 million euros for new cranes and lighting.",
         "Councillors argued for two hours before the vote, which passed by a narrow margin.",
         FILLER * 3,
     ])},
    {"id": "rivers-festival", "title": "Riverside festival draws record crowds", "source": "Valley News",
     "published_at": "2024-06-02",
     "text": "The riverside music festival drew a record 40,000 visitors over the weekend, organisers said. "
             "Food stalls ran out of bread by Saturday evening."},
]


YARD = [
    # Three outlets on one sale: two name the buyer; the third names only an adviser. The buyer is what
    # the outlets agree on.
    {"id": "yard-herald", "title": "Velmar shipyard sold", "source": "Coastal Herald", "published_at": "2024-04-02",
     "text": "Norhaven Marine will buy the old Velmar shipyard, the council said on Monday. " + FILLER},
    {"id": "yard-post", "title": "Shipyard deal agreed", "source": "Velmar Post", "published_at": "2024-04-02",
     "text": "Norhaven Marine agreed to buy the Velmar shipyard for 40 million euros, the council said. " + FILLER},
    {"id": "yard-times", "title": "Who will buy the Velmar shipyard?", "source": "Harbour Times", "published_at": "2024-04-01",
     "text": "Bankers at Brightwater Capital advised the council on the sale of the Velmar shipyard this spring. " + FILLER},
]


def _bot(root, articles):
    from bot.service import Newsbot

    corpus = root / "articles.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    b = Newsbot(make_settings(root / "index"), llm=None)
    report = b.ingest([corpus])
    assert report.added == len(articles), report.summary()
    return b


@pytest.fixture(scope="module")
def yard_bot(tmp_path_factory, embedder):
    return _bot(tmp_path_factory.mktemp("yard"), YARD)


@pytest.fixture(scope="module")
def bot(tmp_path_factory, embedder):
    return _bot(tmp_path_factory.mktemp("scorer"), ARTICLES)


def test_the_scorer_weights_fit_its_features_and_favour_the_asked_for_thing():
    from bot.scorer import FEATURES, WEIGHTS, probabilities

    data = json.loads(WEIGHTS.read_text())
    assert tuple(data["features"]) == FEATURES and len(data["weights"]) == len(FEATURES)
    base = np.full((1, len(FEATURES)), 0.5, dtype="float32")
    typed = base.copy()
    typed[0, FEATURES.index("typed")] = 1.0
    base[0, FEATURES.index("typed")] = 0.0
    assert 0 < probabilities(base)[0] < probabilities(typed)[0] < 1


def test_gather_ranks_the_sentence_that_answers_first_and_keeps_its_features(bot):
    from bot import evidence as ev
    from bot.scorer import FEATURES

    corpus, retriever = bot._state
    question = "How many ships did the Port of Velmar turn away?"
    cands = ev.gather(corpus, retriever.search(question), question, bot.embedder)
    assert "14 cargo ships" in cands[0].text
    assert all(c.features is not None and len(c.features) == len(FEATURES) for c in cands)
    assert cands == sorted(cands, key=lambda c: (c.typed, c.score), reverse=True) or cands[0].score >= cands[-1].score


def test_soft_overlap_counts_a_paraphrased_word_and_not_an_unrelated_one(embedder):
    from bot import evidence as ev
    from index.literals import extract

    question = "How did the fighting end?"
    texts = ["The battle concluded at dawn.", "The market opened at dawn.", "The fighting did end."]
    paraphrase, unrelated, same = ev._soft_overlap(embedder, question, extract(question), texts)
    assert same > 0.99 and paraphrase > 0.3 > 0.1 > unrelated  # "battle concluded" for "fighting end"


def test_an_answer_leads_with_the_sentence_that_answers(bot):
    answer = bot.ask("How many cargo ships were diverted from Velmar during the closure?")
    assert not answer.refused and "14" in answer.answer.split("\n")[0]
    assert answer.citations[0].doc_id == "velmar-orla"


def test_a_name_stated_only_in_another_passage_of_the_article_is_refused(bot):
    # The article names Storm Kasia, but only in a forecast paragraph far from the ship count: the
    # article-level check passes, no passage states the count *and* Kasia, so the bot refuses.
    from bot import evidence as ev

    corpus, retriever = bot._state
    for storm, kept_count in (("Kasia", False), ("Orla", True)):
        question = f"How many ships did the Port of Velmar turn away during Storm {storm}?"
        hits = retriever.search(question)
        assert any(h.doc_id == "velmar-orla" and h.covers_required for h in hits)  # the article has every name
        kept, _ = ev.stating(corpus, hits, ev.gather(corpus, hits, question, bot.embedder), question)
        assert any("14 cargo ships" in c.text for c in kept) is kept_count
    answer = bot.ask("How many ships did the Port of Velmar turn away during Storm Kasia?")
    assert answer.refused, answer.answer


def test_the_same_question_about_the_storm_its_passage_names_is_answered(bot):
    answer = bot.ask("How many ships did the Port of Velmar turn away during Storm Orla?")
    assert not answer.refused and "14" in answer.answer.split("\n")[0]


def test_evidence_that_states_the_constraints_is_kept_and_the_rest_dropped(bot):
    from bot import evidence as ev

    corpus, retriever = bot._state
    question = "What did the Velmar council approve?"
    hits = retriever.search(question)
    cands = ev.gather(corpus, hits, question, bot.embedder)
    kept, missing = ev.stating(corpus, hits, cands, question)
    assert kept and not missing
    assert all("velmar" in (corpus.docs[c.doc_id].metadata["title"] + c.text).lower() for c in kept)
    assert not any(c.doc_id == "rivers-festival" for c in kept)


def test_a_quote_that_runs_over_two_sentences_is_shown_whole_with_balanced_marks(bot):
    from bot.evidence import quoted_span

    text = corpus_text = bot.corpus.texts["velmar-orla"]
    sents = bot.corpus.sentences("velmar-orla")
    i = next(n for n, s in enumerate(sents) if s.text.startswith("“We worked"))
    a, b = quoted_span(text, sents, i)
    assert corpus_text[a:b] == "“We worked around the clock. Every crew knew what was at stake,” Brandt said."
    j = next(n for n, s in enumerate(sents) if s.text.startswith("Every crew"))
    assert quoted_span(text, sents, j) == (a, b)  # from the closing side too
    k = next(n for n, s in enumerate(sents) if s.text.startswith("During the closure"))
    assert quoted_span(text, sents, k) == (sents[k].start, sents[k].end)  # nothing to balance


def test_a_dangling_mark_out_of_reach_is_dropped():
    from bot.evidence import quoted_span
    from index.text import sentences

    text = "“This is the start of a very long speech. " + "It goes on and on without end. " * 40
    a, b = quoted_span(text, sentences(text), 0)
    assert text[a:b] == "This is the start of a very long speech."


def test_outlets_vote_for_the_answer_their_best_sentences_agree_on(yard_bot):
    from bot import evidence as ev
    from bot.scorer import FEATURES

    corpus, retriever = yard_bot._state
    question = "Which company will buy the Velmar shipyard?"
    cands = ev.gather(corpus, retriever.search(question), question, yard_bot.embedder)
    vote: dict[str, float] = {}
    for c in cands:  # each article's best-supported sentence
        vote[c.doc_id] = max(vote.get(c.doc_id, 0.0), float(c.features[FEATURES.index("vote")]))
    assert vote["yard-herald"] == vote["yard-post"] == 1.0  # "marine": two articles
    assert vote["yard-times"] < 1.0  # "capital": one
    answer = yard_bot.ask(question)
    assert "Norhaven Marine" in answer.answer.split("\n")[0]


def test_votes_count_each_article_once_and_only_near_the_best_score():
    from bot.evidence import Evidence, _votes

    def cand(doc: str, text: str, typed: bool = True) -> Evidence:
        return Evidence(doc, 0, len(text), text, 0.0, 0.0, 0, typed=typed)

    cands = [cand("a", "Norhaven Marine will buy it."), cand("a", "Norhaven Marine said so twice."),
             cand("b", "Brightwater Capital advised."), cand("c", "Ostberg Capital was far behind."),
             cand("d", "Keller Marine was mentioned.", typed=False)]
    votes = _votes(cands, np.array([1.0, 0.95, 0.9, 0.1, 0.99]), None, "Which company will buy the shipyard?")
    # "marine": article a once (its best margin, 0.3), not d (no asked-for thing); "capital": article b
    # (0.2), article c is out of reach.
    assert votes.tolist() == pytest.approx([1.0, 1.0, 0.2 / 0.3, 0.2 / 0.3, 1.0], abs=1e-6)


def test_a_question_is_never_evidence(yard_bot):
    from bot import evidence as ev

    corpus, retriever = yard_bot._state
    question = "Which company will buy the Velmar shipyard?"
    cands = ev.gather(corpus, retriever.search(question), question, yard_bot.embedder)
    assert cands and not any(c.text.rstrip().endswith("?") for c in cands)


def test_low_confidence_refuses_with_its_reason(yard_bot):
    from bot.evidence import answered

    corpus, retriever = yard_bot._state
    question = "Which company will buy the Velmar shipyard?"
    from bot import evidence as ev

    p = answered(ev.gather(corpus, retriever.search(question), question, yard_bot.embedder))
    assert 0.0 < p < 1.0  # the fitted model in bot/scorer_weights.json
    strict = yard_bot.settings.model_copy(deep=True)
    strict.answer.min_confidence = min(1.0, p + 0.01)
    yard_bot.settings, kept = strict, yard_bot.settings
    try:
        refused = yard_bot.ask(question)
        # The model was fitted on the candidates that state the question's constraints: the check on
        # the unfiltered ones (names, retrieval, types) leaves it and the similarity gate out.
        hits = retriever.search(question)
        cands = ev.gather(corpus, hits, question, yard_bot.embedder)
        with corpus.reading():
            unfiltered = yard_bot._refusal_reason(question, hits, cands, retriever, gates=False)
    finally:
        yard_bot.settings = kept
    assert refused.refused and "may not answer it" in refused.note
    assert unfiltered is None
    assert not yard_bot.ask(question).refused
