"""Follow-up questions -> standalone questions for retrieval.

Deterministic, because the bundled 135M model cannot rewrite reliably: a pronoun that points back
("they", "he", "it", ...) is replaced by the main name of the previous answer, and a question too short
to stand alone borrows the previous question as context.
"""

from __future__ import annotations

import re

from bot.conversation import Conversation
from index.literals import extract
from index.text import content_tokens

_PERSONAL = re.compile(r"\b(they|them|their|theirs|he|him|his|she|her|hers)\b", re.I)
_THING = re.compile(r"\b(it|its|this|that|these|those|the group|the organisation|the organization|the country)\b", re.I)


def _main_name(previous_question: str, previous_answer: str) -> str | None:
    asked = {l.text.lower() for l in extract(previous_question)}
    for lit in extract(previous_answer):
        if lit.weight == 1.0 and lit.text.lower() not in asked and len(lit.text) > 2:
            return lit.text
    return None


def standalone(question: str, conversation: Conversation | None) -> str:
    if conversation is None or not conversation.turns:
        return question
    prev = conversation.turns[-1]
    if prev.answer.refused:
        return question
    if _PERSONAL.search(question) or _THING.search(question):
        name = _main_name(prev.standalone, prev.answer.answer)
        if name:
            pattern = _PERSONAL if _PERSONAL.search(question) else _THING
            return pattern.sub(name, question, count=1)
        return f"{question} ({prev.standalone})"
    if len(content_tokens(question)) <= 2 and not extract(question):
        return f"{question} ({prev.standalone})"
    return question
