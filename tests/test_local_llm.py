"""The `local` backend: the bundled SmolLM2 GGUF run by llama-cpp-python, end to end through Newsbot."""

from __future__ import annotations

import re

import pytest

from bot.config import LLMSettings
from bot.llm import LLMError, LocalLLM, bundled_gguf, get_llm
from conftest import make_settings, prompt_sources


class Recording:
    """Wraps a real LLM and keeps (system, user, reply) of every call."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.calls = inner, inner.name, []

    def chat(self, system: str, user: str) -> str:
        reply = self.inner.chat(system, user)
        self.calls.append((system, user, reply))
        return reply


@pytest.fixture(scope="module")
def local_bot(sample_index):
    from bot.service import Newsbot

    bot = Newsbot(make_settings(sample_index, llm={"backend": "local"}))
    assert isinstance(bot.llm, LocalLLM) and bot.llm.name == f"local:{bundled_gguf().name}"
    bot.llm = Recording(bot.llm)
    return bot


@pytest.mark.slow
def test_the_bundled_model_answers_with_verified_citations(local_bot):
    questions = {"Who claimed responsibility for the attacks?": "Baloch Liberation Army",
                 "What did the United States say about the attacks?": "condemned"}
    answers = {}
    for question, expected in questions.items():
        before = len(local_bot.llm.calls)
        answer = local_bot.ask(question)
        answers[question] = answer

        assert not answer.refused and expected in answer.answer
        [(_, prompt, reply)] = local_bot.llm.calls[before:]  # asked once, with the numbered evidence
        assert prompt_sources(prompt) and f"Question: {question}" in prompt
        assert answer.timings_ms["generate"] > 0
        for c in answer.citations:
            assert c.quote in local_bot.corpus.texts[c.doc_id]
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        if answer.mode == "generated":
            # What is shown is the model's own verified words, not the evidence list.
            assert re.sub(r"\s*\[\d+\]", "", answer.answer).strip(" .") in reply.strip()
        else:
            assert answer.mode == "extractive" and answer.note.startswith("Showing verbatim evidence")
    assert any(a.mode == "generated" for a in answers.values()), {q: a.note for q, a in answers.items()}


@pytest.mark.slow
def test_the_bundled_model_is_deterministic(local_bot):
    system, user, reply = local_bot.llm.calls[0] if local_bot.llm.calls else ("You answer.", "Say: hello.", None)
    first = local_bot.llm.inner.chat(system, user)
    assert first and local_bot.llm.inner.chat(system, user) == first
    if reply is not None:
        assert first == reply


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(LLMError, match="is not a file"):
        get_llm(LLMSettings(backend="local", model_path=str(tmp_path / "nope.gguf")))


def test_backend_none_means_no_llm():
    assert get_llm(LLMSettings(backend="none")) is None
