"""Answering end to end through Newsbot: the real index of the bundled corpus, and a fake LLM (the real
interface, recording its prompts, replying from a script) to drive verification, fallback and refusal."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.conversation import Conversation
from bot.llm import LLMError
from bot.prompts import render
from bot.service import Newsbot
from conftest import DIM, FakeLLM, make_settings, prompt_sources
from index.config import IndexSettings
from index.ingest import ingest
from index.store import IndexStore


def check_citations(answer, texts: dict[str, str]) -> None:
    """Every quote is verbatim in its article; citations are numbered 1..k in order of first use."""
    for c in answer.citations:
        assert c.quote and c.quote in texts[c.doc_id], (c.n, c.doc_id, c.quote)
    first_use = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)))
    assert first_use == list(range(1, len(answer.citations) + 1))
    assert [c.n for c in answer.citations] == first_use


def test_a_contradicting_llm_answer_falls_back_to_verbatim_evidence(llm_bot):
    llm = FakeLLM("The Pakistani military denied involvement [1].")
    bot = llm_bot(llm)

    answer = bot.ask("Who denied involvement?")

    assert answer.mode == "extractive" and not answer.refused
    assert "India" in answer.answer and "denied involvement" not in answer.answer
    assert "not used" in answer.note and "denied involvement" in answer.note  # says why
    assert answer.citations
    check_citations(answer, bot.corpus.texts)
    # The model was asked once, with the numbered evidence and the question.
    [(system, user)] = llm.prompts
    assert system == render("system")
    assert user.rstrip().endswith("Question: Who denied involvement?\nAnswer:")
    shown = prompt_sources(user)
    assert list(shown) == list(range(1, len(shown) + 1)) and len(shown) <= bot.settings.answer.max_passages
    assert any("India" in s for s in shown.values())


def test_a_verified_llm_answer_is_shown_with_citations_renumbered_by_first_use(llm_bot):
    def copy_sources_two_then_one(prompt: str) -> str:
        shown = prompt_sources(prompt)
        return f"{shown[2]} [2] {shown[1]} [1]"

    llm = FakeLLM(copy_sources_two_then_one)
    bot = llm_bot(llm)

    answer = bot.ask("How many militants were killed?")

    assert answer.mode == "generated" and "not used" not in (answer.note or "")
    shown = prompt_sources(llm.prompts[0][1])
    # The model's two citations come first; figures other outlets give differently may follow.
    assert [c.quote for c in answer.citations][:2] == [shown[2], shown[1]]
    assert answer.answer.index("[1]") < answer.answer.index("[2]")
    check_citations(answer, bot.corpus.texts)
    assert answer.timings_ms["generate"] > 0


def test_a_true_llm_sentence_that_does_not_answer_falls_back_to_the_evidence_that_does(llm_bot):
    def copy_a_source_that_names_no_offensive(prompt: str) -> str:
        n, text = next((n, t) for n, t in prompt_sources(prompt).items() if "Herof" not in t and "offensive" not in t)
        return f"{text} [{n}]"  # verbatim, so it verifies; but it is not what was asked

    bot = llm_bot(FakeLLM(copy_a_source_that_names_no_offensive))
    answer = bot.ask("What name did the insurgents give to their offensive?")
    assert answer.mode == "extractive" and "does not address the question" in answer.note
    assert "Herof" in answer.answer


@pytest.mark.parametrize("reply,why", [
    ("NOT IN SOURCES", "found no answer"),
    ("[7] The militants surrendered.", "[7]"),
    (LLMError("openai:x at http://127.0.0.1:9/v1: APIConnectionError"), "APIConnectionError"),
    (RuntimeError("boom"), "language model failed (RuntimeError)"),
])
def test_an_unusable_llm_reply_falls_back_with_a_note(llm_bot, reply, why):
    bot = llm_bot(FakeLLM(reply))
    answer = bot.ask("Who claimed responsibility for the attacks?")
    assert answer.mode == "extractive" and not answer.refused
    assert "Baloch Liberation Army" in answer.answer
    assert why in answer.note
    check_citations(answer, bot.corpus.texts)


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "What did China say about the attacks?",
    "Where can I download the Asianet News app?",  # only the promo tail, which cleaning removed, says so
    "Who won the 2019 Wimbledon final?",
    "Who is the US ambassador to Pakistan?",  # the articles name a US deputy chief of mission, no ambassador
])
def test_out_of_corpus_questions_are_refused_without_asking_the_llm(llm_bot, question):
    llm = FakeLLM("Paris is the capital of France [1].")
    answer = llm_bot(llm).ask(question)
    assert answer.refused and answer.mode == "refused"
    assert answer.citations == []
    assert answer.note
    assert llm.prompts == []


def test_an_empty_question_is_refused(newsbot):
    answer = newsbot.ask("   ")
    assert answer.refused and answer.citations == [] and answer.retrieved == []


def test_extractive_answers_cite_several_outlets_and_count_corroboration(newsbot):
    answer = newsbot.ask("How many militants were killed?")
    assert answer.mode == "extractive" and not answer.refused
    assert "145" in answer.answer or "92" in answer.answer
    # One more source may be cited to show an outlet that gives the figures differently.
    extra = 1 if "differ" in (answer.note or "") else 0
    assert 1 < len(answer.citations) <= newsbot.settings.answer.max_evidence + extra
    assert len({c.doc_id for c in answer.citations}) == len(answer.citations)
    check_citations(answer, newsbot.corpus.texts)
    m = re.fullmatch(r"reported by (\d) of 5 sources", answer.corroboration)
    assert m and int(m.group(1)) >= len(answer.citations)
    assert answer.citations[0].source in (None, "Asianet News", "Daijiworld Media Network")  # from the sidecar


def test_a_follow_up_is_resolved_against_the_conversation(newsbot):
    conv = Conversation(4)
    first = newsbot.ask("Who claimed responsibility for the attacks?", conv)
    assert "Baloch Liberation Army" in first.answer

    follow = newsbot.ask("What did they call the operation?", conv)

    assert "Herof" in follow.answer
    assert "Baloch Liberation Army" in follow.standalone_question
    assert len(conv.turns) == 2 and conv.last is follow
    alone = newsbot.ask("What did they call the operation?")
    assert alone.standalone_question is None


def test_a_possessive_follow_up_names_the_outlet_the_previous_answer_gave(newsbot):
    conv = Conversation(4)
    first = newsbot.ask("Which outlet quoted Jaiswal saying India categorically rejects the allegations?", conv)
    assert first.answer.startswith("Daijiworld Media Network")

    follow = newsbot.ask("What did its report note about the BLA's claim of killing dozens of security personnel?", conv)

    # "its report" -> "Daijiworld Media Network's report": the article named, not an agent to be quoted
    assert "Daijiworld Media Network's report" in follow.standalone_question
    assert not follow.refused and "independently verified" in follow.answer.split("\n")[0]


def test_a_pronoun_points_to_the_source_an_unnamed_answer_gave(newsbot):
    conv = Conversation(4)
    first = newsbot.ask("Which body released separate Friday and Saturday tallies of the militants killed?", conv)
    assert first.answer.startswith("According to the military")

    follow = newsbot.ask("And what did it say about the militants?", conv)

    # no name in the answer: "it" is the account's source, not the previous question pasted on
    assert follow.standalone_question == "And what did the military say about the militants?"


def test_what_an_outlet_says_is_said_by_its_own_article(newsbot):
    # "How did Asianet characterise ...?": Asianet's article says it without naming Asianet.
    answer = newsbot.ask("How did Asianet characterise the offensive the BLA said it had orchestrated?")
    assert not answer.refused, answer.note
    assert "synchronized offensive" in answer.answer.splitlines()[0]
    assert answer.citations[0].source.startswith("Asianet")


def test_which_of_two_named_outlets_is_answered_from_their_articles(newsbot):
    # Neither outlet's name is a constraint on the text (Asianet's article never names Asianet); the lead
    # comes from one of theirs and names it.
    answer = newsbot.ask("Daijiworld or Asianet: which one reports that the Indian foreign ministry spokesperson rejected the allegations?")
    assert not answer.refused, answer.note
    assert answer.answer.startswith("Daijiworld Media Network: ") and "Jaiswal" in answer.answer.splitlines()[0]


def test_which_outlet_is_answered_from_an_article_whose_outlet_is_known(newsbot):
    # The closest wording is in an article with no outlet; Daijiworld's says it otherwise.
    answer = newsbot.ask("Which outlet calls Balochistan the largest and most underprivileged province?")
    assert not answer.refused, answer.note
    assert answer.answer.startswith("Daijiworld Media Network: ")


def test_a_report_the_question_sets_aside_is_not_cited(newsbot):
    # Two articles say the US reiterated its solidarity; the one naming Natalie Baker has no outlet.
    answer = newsbot.ask("Besides the article that names Natalie Baker, which outlet says the United States reiterated its solidarity?")
    assert not answer.refused, answer.note
    assert answer.answer.startswith("Daijiworld Media Network: ")
    assert not any("Natalie Baker" in newsbot.corpus.texts[c.doc_id] for c in answer.citations)


def test_the_office_of_someone_described_by_what_they_said(newsbot):
    # "portfolio" only shapes the answer: no article needs to say it
    answer = newsbot.ask("What cabinet portfolio is held by the official who said militants increasingly target labourers?")
    assert not answer.refused, answer.note
    assert "Defence Minister" in answer.answer.splitlines()[0]
    assert newsbot.ask("What post is held by the official who visited the United Nations?").refused


def test_a_choice_between_two_counts_is_answered_by_the_sentence_counting_both(newsbot):
    answer = newsbot.ask("In the official count, which group had more dead: civilians or law enforcement personnel?")
    assert not answer.refused, answer.note
    lead = answer.answer.splitlines()[0]
    assert "31 civilians" in lead and "17" in lead


def test_a_word_capitalised_only_because_it_opens_the_answer_is_no_name_for_a_pronoun():
    from bot.followup import _main_name

    answer = "Regarding the attribution, Pakistan’s military blamed “Indian-sponsored militants,” which India refuted. [1]"
    assert _main_name("Which arm of India's government answered Pakistan's accusations?", answer, False) == "Indian"


def test_retrieved_lists_chunks_in_rank_order_and_timings_add_up(newsbot):
    answer = newsbot.ask("Who claimed responsibility for the attacks?")
    scores = [r.score for r in answer.retrieved]
    assert scores == sorted(scores, reverse=True) and len(scores) == newsbot.settings.retrieval.top_k
    assert all(r.chunk_id.startswith(r.doc_id + "#") for r in answer.retrieved)
    t = answer.timings_ms
    assert set(t) == {"retrieve", "generate", "total"}
    assert t["generate"] < 1  # no LLM configured: nothing generated
    assert 0 < t["retrieve"] <= t["total"]


def test_concurrent_questions_get_the_same_answers_as_sequential_ones(newsbot):
    questions = ["Who claimed responsibility for the attacks?", "How many civilians were killed?",
                 "What did the United States say?", "Who denied involvement?"] * 2
    expected = {q: newsbot.ask(q).answer for q in set(questions)}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(newsbot.ask, questions))
    assert [a.answer for a in answers] == [expected[q] for q in questions]


def test_a_capable_llm_can_rewrite_follow_ups_when_configured(llm_bot):
    from bot.conversation import Conversation

    bot = llm_bot(FakeLLM("NOT IN SOURCES", "What did the Baloch Liberation Army call its operation?", "NOT IN SOURCES"))
    bot.settings.answer.llm_rewrites_followups = True
    try:
        conv = Conversation()
        bot.ask("Who claimed responsibility for the attacks?", conv)
        answer = bot.ask("What did they call it?", conv)
    finally:
        bot.settings.answer.llm_rewrites_followups = False
    rewrite_prompt = bot.llm.prompts[1][1]
    assert "Who claimed responsibility for the attacks?" in rewrite_prompt and "What did they call it?" in rewrite_prompt
    assert answer.standalone_question == "What did the Baloch Liberation Army call its operation?"
    assert "Herof" in answer.answer


def test_follow_ups_are_rewritten_without_the_llm_by_default(llm_bot):
    from bot.conversation import Conversation

    bot = llm_bot(FakeLLM("NOT IN SOURCES"))
    conv = Conversation()
    bot.ask("Who claimed responsibility for the attacks?", conv)
    answer = bot.ask("What did they call the operation?", conv)
    assert len(bot.llm.prompts) == 2 and all("Sources:" in user for _, user in bot.llm.prompts)
    assert "Baloch Liberation Army" in answer.standalone_question and "Herof" in answer.answer


def test_outlets_that_give_a_fact_differently_are_flagged_with_each_side_cited(newsbot):
    # Three outlets: 92 militants killed "on Saturday"; one: 92 killed "the previous day" (per Saturday's statements).
    answer = newsbot.ask("How many militants were killed on Saturday?")
    assert "Outlets differ" in (answer.note or "")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "on Saturday" in quotes and "the previous day" in quotes
    [other] = [c for c in answer.citations if "the previous day" in c.quote]
    assert other.n in answer.disputed and 1 not in answer.disputed
    assert answer.corroboration == "reported by 3 of 5 sources"  # 001, 003 and 004 say Saturday; 002 does not
    check_citations(answer, newsbot.corpus.texts)


def test_corroboration_counts_every_retrieved_outlet_that_says_the_same(newsbot):
    # India rejected the accusation in 000, 001, 003 and 004, in different words; 002 does not report it.
    assert newsbot.ask("Who denied involvement?").corroboration == "reported by 4 of 5 sources"


def test_conflict_detection_is_about_the_same_fact():
    from bot.evidence import conflict

    assert conflict("92 militants were killed on Saturday and 41 on Friday.",
                    "statements from Saturday that reported 92 militants killed in clashes the previous day") == "day"
    assert conflict("a wave of attacks left close to 50 people dead",
                    "17 law enforcement personnel and 31 civilians were killed") == "total"
    assert conflict("92 militants were killed on Saturday.", "Pakistan's military claimed that 92 militants were killed on Saturday.") is None
    assert conflict("145 militants were killed over 40 hours.", "Officials said 145 militants died.") is None
    assert conflict("92 militants were killed on Saturday and 41 on Friday.", "the deaths of 145 militants over two days") is None
    assert conflict("Officials said 145 militants died.", "the army said 133 militants died.") == "figure"


def test_a_new_question_in_a_chat_is_not_mistaken_for_a_follow_up(newsbot):
    from bot.conversation import Conversation

    conv = Conversation()
    newsbot.ask("Who claimed responsibility for the attacks?", conv)
    answer = newsbot.ask("Who said that some of the attacks were carried out by women?", conv)
    assert answer.standalone_question is None  # "that" is a conjunction here, not a pointer
    follow = newsbot.ask("Who leads that group?", Conversation())
    assert follow.standalone_question is None  # nothing to point back to



def test_a_generated_answer_may_not_choose_between_the_names_its_best_evidence_gives():
    from bot.evidence import Evidence
    from bot.service import Newsbot
    from bot.verify import Rejected, Source, verify

    best = "Felix Dorrance won the 2018 Northbridge Open final, beating Mateo Irigoyen in four sets."
    chosen = [Evidence("d", 0, len(best), best, 1.0, 0.8, 0, typed=True)]
    question = "Who lost the 2018 Northbridge Open final?"
    winner_only = verify("Felix Dorrance won the 2018 Northbridge Open final [1].", [Source(1, "d", best)])
    with pytest.raises(Rejected, match="leaves out mateo irigoyen"):
        Newsbot._check_relevant(question, winner_only, chosen)
    both = verify("Felix Dorrance won the 2018 Northbridge Open final, beating Mateo Irigoyen [1].", [Source(1, "d", best)])
    Newsbot._check_relevant(question, both, chosen)  # the reader can see who lost


# A report that states the event first and who it was next, as news leads do.
ELECTION = [
    {"id": "ostmark", "source": "Valley Courier", "title": "Ostmark picks a reformer", "published_at": "2024-05-06",
     "text": "Voters in Ostmark elected a reform candidate as mayor on Sunday, ending twenty years of rule by the old guard.\n"
             "Karin Vell, a former school teacher, took 54 percent, the board said.\n"
             "Turnout was the highest since the town's first free election, and counting took until midnight."},
    {"id": "ferry", "source": "Valley Courier", "title": "Ferry fares rise", "published_at": "2024-05-03",
     "text": "The lake ferry will cost more from June, the operator said on Friday. A return ticket rises to 12 euros, "
             "and season passes by a tenth. The operator blamed fuel prices and the cost of a new landing stage. "
             "Two economists at the Ostmark institute reviewed the operator's accounts last winter. "
             "They argued that the fare rise would cut ferry use by a fifth within a year."},
    {"id": "timetable", "source": "Valley Courier", "title": "Summer timetable", "published_at": "2024-05-04",
     "text": "The ferry operator's summer timetable for the lake crossing lists these departures:\n"
             "Boats leave Ostmark pier every forty minutes from seven in the morning until nine at night."},
]


@pytest.fixture(scope="module")
def election_bot(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("election")
    (root / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ELECTION))
    ingest([root / "news.jsonl"], IndexStore(root / "index"), IndexSettings(), embedder, DIM)
    return Newsbot(make_settings(root / "index"), llm=None)


# The headline names what the question asks; the sentence most like the question does not.
HEADLINED = [
    {"id": "prize", "source": "Valley Courier", "title": "Harbour library design wins national prize - Valley Courier",
     "published_at": "2024-05-07",
     "text": "A building in the valley was honoured by this year's jury, the organisers said on Monday.\n"
             "The harbour library wins for its design, which opens its reading rooms onto the lake.\n"
             "It was built on a small budget."},
]


@pytest.mark.parametrize("title, question, news", [
    ("Columbia University acknowledges submitting inaccurate data - CNN",
     "Which Ivy League university acknowledged submitting inaccurate data?", {"columbia"}),
    ("Norland unemployment falls to 3.2% in December", "What was Norland's unemployment rate in January?", {"fall"}),
    ("Ferry fares rise", "What departures does the summer timetable list?", set()),  # about something else
    (None, "Who won?", set()),
])
def test_a_headline_offers_the_words_the_question_lacks_but_no_dates_or_figures(title, question, news):
    from bot.evidence import _title_news

    assert _title_news(title, question) == news


def test_the_sentence_saying_what_the_headline_says_beyond_the_question_leads(tmp_path, embedder):
    (tmp_path / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ELECTION + HEADLINED))
    ingest([tmp_path / "news.jsonl"], IndexStore(tmp_path / "index"), IndexSettings(), embedder, DIM)
    answer = Newsbot(make_settings(tmp_path / "index"), llm=None).ask("Which building took this year's national architecture prize?")
    assert not answer.refused, answer.note
    assert "harbour library" in answer.answer.splitlines()[0]


def test_a_lead_that_only_restates_the_question_goes_on_to_the_sentence_that_answers(election_bot):
    answer = election_bot.ask("Voters in Ostmark elected which reformer as mayor on Sunday?")
    assert not answer.refused, answer.note
    lead = answer.answer.splitlines()[0]
    assert lead.startswith("Voters in Ostmark elected") and "Karin Vell" in lead and lead.endswith("[1]")
    quote = answer.citations[0].quote  # both sentences, verbatim across the paragraph break
    assert quote.endswith("the board said.") and "\n" in quote
    check_citations(answer, election_bot.corpus.texts)


def test_a_lead_that_names_the_answer_stands_alone(election_bot):
    answer = election_bot.ask("Which former school teacher took 54 percent in the Ostmark mayoral election?")
    assert not answer.refused, answer.note
    assert answer.citations[0].quote == "Karin Vell, a former school teacher, took 54 percent, the board said."


def test_a_lead_that_opens_with_a_pronoun_comes_with_the_sentence_naming_whom_it_means(election_bot):
    answer = election_bot.ask("Who argued that the fare rise would cut ferry use by a fifth?")
    assert not answer.refused, answer.note
    lead = answer.answer.splitlines()[0]
    assert lead.startswith("Two economists at the Ostmark institute") and "They argued that the fare rise" in lead
    check_citations(answer, election_bot.corpus.texts)


def test_a_question_that_sets_the_scene_is_answered_by_what_its_last_sentence_asks(election_bot):
    answer = election_bot.ask("The lake ferry will cost more from June. By how much do season passes rise?")
    assert not answer.refused, answer.note
    assert answer.citations[0].quote == "A return ticket rises to 12 euros, and season passes by a tenth."


def test_a_list_heading_is_never_quoted(election_bot):
    answer = election_bot.ask("What departures does the summer timetable for the lake crossing list?")
    assert not answer.refused, answer.note
    assert not any("lists these departures:" in c.quote for c in answer.citations)  # the heading says nothing
