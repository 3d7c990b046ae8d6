"""Citation verification (bot/verify.py) over real passages of the bundled corpus."""

from __future__ import annotations

import pytest

from bot.verify import Rejected, Source, split_answer, supports, verify
from conftest import CORPUS
from index.article import read_paths
from index.text import sentences


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """The cleaned article texts, exactly as indexed."""
    return {a.doc_id: a.text for a in read_paths([CORPUS], 10**8).articles}


def sentence_with(text: str, needle: str) -> str:
    [found] = [s.text for s in sentences(text) if needle in s.text]
    return found


@pytest.fixture(scope="module")
def sources(texts) -> list[Source]:
    """What the LLM is shown for "Who denied involvement?": Pakistan accused India; India rejected it."""
    return [
        Source(1, "001_262b19c4243f2b1a", sentence_with(texts["001_262b19c4243f2b1a"], "linked India to the violence")),
        Source(2, "003_1dc21bb44045b34d", sentence_with(texts["003_1dc21bb44045b34d"], "a claim refuted by India")),
        Source(3, "001_262b19c4243f2b1a", sentence_with(texts["001_262b19c4243f2b1a"], "categorically rejects")),
    ]


def test_the_sources_are_what_the_test_thinks(sources):
    assert sources[0].text == "Meanwhile, Pakistan’s military linked India to the violence, a claim New Delhi strongly rejected."
    assert sources[2].text.startswith("Indian Foreign Ministry spokesperson Randhir Jaiswal said India")


@pytest.mark.parametrize("answer", [
    "The Pakistani military denied involvement [1].",
    "Pakistan’s military denied any involvement in the violence [1][2].",
    "New Delhi linked Pakistan’s military to the violence [1].",  # roles swapped: same words, other order
    "India linked Pakistan to the violence, a claim Pakistan strongly rejected [1].",
    "New Delhi did not reject the claim [1].",  # a negation the source lacks
    "Pakistan’s military linked China to the violence [1].",
])
def test_an_answer_that_contradicts_its_sources_is_rejected(sources, answer):
    with pytest.raises(Rejected):
        verify(answer, sources)


def test_a_citation_beyond_the_listed_sources_is_rejected(sources):
    with pytest.raises(Rejected, match=r"cites \[4\], but only 3 sources"):
        verify("Pakistan’s military linked India to the violence, a claim New Delhi strongly rejected [4].", sources)


def test_a_true_sentence_cited_to_the_wrong_source_is_rejected(sources):
    with pytest.raises(Rejected, match=r"\[3\] does not say"):
        verify("Pakistan’s military linked India to the violence, a claim New Delhi strongly rejected [3].", sources)


def test_a_changed_figure_is_rejected(texts):
    source = Source(1, "001_262b19c4243f2b1a", sentence_with(texts["001_262b19c4243f2b1a"], "17 law enforcement personnel"))
    verify("Sarfraz Bugti said 17 law enforcement personnel and 31 civilians were killed [1].", [source])
    with pytest.raises(Rejected):
        verify("Sarfraz Bugti said 71 law enforcement personnel and 31 civilians were killed [1].", [source])


def test_a_copied_answer_is_accepted_with_verbatim_quotes(sources, texts):
    answer = ("Pakistan’s military linked India to the violence, a claim New Delhi strongly rejected [1]. "
              "India accused Pakistan of diverting attention from internal issues [2].")
    verified = verify(answer, sources)

    assert [v.cites for v in verified] == [[(1, sources[0].text)], [(2, sources[1].text)]]
    for v in verified:
        for n, quote in v.cites:
            assert quote in texts[sources[n - 1].doc_id]
    assert verified[0].text.endswith("[1].")


def test_markers_after_the_full_stop_belong_to_the_sentence(sources):
    verified = verify("Pakistan’s military linked India to the violence. [1] India accused Pakistan of diverting attention. [2]", sources)
    assert [[n for n, _ in v.cites] for v in verified] == [[1], [2]]


def test_markers_written_before_their_sentences_go_after_them(sources):
    """The bundled model sometimes opens each sentence with its marker; the reply must lead with the claim."""
    verified = verify("[1] Pakistan’s military linked India to the violence. [2] India accused Pakistan of diverting attention.", sources)
    assert [[n for n, _ in v.cites] for v in verified] == [[1], [2]]
    assert verified[0].text == "Pakistan’s military linked India to the violence [1]."


def test_an_unmarked_sentence_is_cited_to_the_sources_that_say_it(sources):
    [v] = verify("Pakistan’s military linked India to the violence.", sources)
    assert [n for n, _ in v.cites] == [1]
    assert v.text.endswith("[1]")
    with pytest.raises(Rejected, match="no source says"):
        verify("China condemned the attacks.", sources)


def test_empty_answers_are_rejected(sources):
    for empty in ("", "   ", "[1]"):
        with pytest.raises(Rejected):
            verify(empty, sources)


def test_supports_needs_every_claim_word_in_order():
    quote = "The separatist Baloch Liberation Army claimed responsibility for the attacks."
    assert supports("The Baloch Liberation Army claimed responsibility.", quote)
    assert supports("The Baloch Liberation Army claims responsibility for the attacks.", quote)  # light stemming
    assert not supports("The Pakistani Taliban claimed responsibility.", quote)
    assert not supports("Responsibility for the attacks claimed the Baloch Liberation Army.", quote)


def test_split_answer_keeps_abbreviations_inside_sentences():
    assert split_answer("The U.S. deputy chief of mission spoke on Feb. 2 in Quetta [1]. India denied it [2].") == [
        "The U.S. deputy chief of mission spoke on Feb. 2 in Quetta [1].", "India denied it [2]."]


def test_a_copied_sentence_ending_in_a_closing_quote_is_accepted(texts):
    quote = sentence_with(texts["001_262b19c4243f2b1a"], "operation named “Herof”")
    assert quote.endswith(".”")
    for answer in (f"{quote} [1]", f"{quote}[1]"):
        [v] = verify(answer, [Source(1, "001_262b19c4243f2b1a", quote)])
        assert v.cites == [(1, quote)]
        assert v.text == f"{quote} [1]"  # the marker stays outside the quotation
