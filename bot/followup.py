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
# "that" alone is mostly a conjunction ("Who said that ..."); only "that group" and the like point back.
_THING = re.compile(r"\b(it|its|(?:the|this|that|these|those) (?:group|groups|organi[sz]ation|country|militants|outlet|official|ministry))\b", re.I)


_POSSESSIVE = {"its", "their", "theirs", "his", "hers"}  # "her" may be either: left as the name alone
# Capitalised only because they open the sentence: never the name a pronoun points to.
_OPENERS = {"the", "a", "an", "in", "on", "at", "regarding", "meanwhile", "according", "however", "amid", "after",
            "before", "despite", "following", "during", "while", "since", "although", "though", "instead", "earlier",
            "later", "separately", "also", "as", "with", "for", "from", "by", "but", "and", "yet", "still", "this", "that"}
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+)?[A-Z][\w’'.-]*)+")  # two or more capitalised words
# Whose account a sentence gives, when it is no name: "According to the military, ...", "the ministry said".
_SPEAKER = re.compile(r"\b(?:[Aa]ccording to (?P<a>the [a-z]+(?: [a-z]+)?)(?=,)|(?P<b>[Tt]he [a-z]+(?: [a-z]+)?) "
                      r"(?:said|says|stated|claimed|reported|announced|added)\b)")


def _main_name(previous_question: str, previous_answer: str, personal: bool) -> str | None:
    """The entity a pronoun most likely points to: a multiword name from the previous answer's first
    sentence that the previous question did not already contain. People ("he", "she") are usually named
    last, after their title and organisation ("Indian Foreign Ministry spokesperson Randhir Jaiswal");
    groups and things ("they", "it") first, as the subject."""
    first = re.sub(r"\[\d+\]", " ", previous_answer.split("\n")[0])  # citation markers are not names
    asked = previous_question.lower()
    names = []
    for m in _NAME.finditer(first):
        words = m.group(0).split()
        while words and words[0].lower() in _OPENERS:
            words.pop(0)  # a capitalised sentence opener is not part of the name
        name = " ".join(words).removesuffix("’s").removesuffix("'s")
        if len(words) >= 2 and name.lower() not in asked:
            names.append(name)
    if names:
        return names[-1] if personal else names[0]
    asked_lits = {l.text.lower() for l in extract(previous_question)}
    single = next((l.text for l in extract(first)
                   if l.weight == 1.0 and not l.phrase and l.text[0].isalpha() and l.text.lower() not in asked_lits
                   and len(l.text) > 2 and l.text.lower() not in _OPENERS), None)
    if single:
        return single
    # No name: the account's source ("According to the military, ...", "the ministry said") answered "Which body ...?".
    m = _SPEAKER.search(first)
    who = m and (m.group("a") or m.group("b")).lower()
    return who if who and who.split()[-1] not in asked else None


def standalone(question: str, conversation: Conversation | None) -> str:
    if conversation is None or not conversation.turns:
        return question
    prev = conversation.turns[-1]
    if prev.answer.refused:
        return question
    if _PERSONAL.search(question) or _THING.search(question):
        personal = bool(re.search(r"\b(he|him|his|she|her|hers)\b", question, re.I))
        name = _main_name(prev.standalone, prev.answer.answer, personal)
        if name:
            pattern = _PERSONAL if _PERSONAL.search(question) else _THING
            # "What did its report note?" -> "What did Daijiworld Media Network's report note?"
            return pattern.sub(lambda m: name + ("'s" if m.group(0).lower() in _POSSESSIVE else ""), question, count=1)
        return f"{question} ({prev.standalone})"
    if len(content_tokens(question)) <= 2 and not extract(question):
        return f"{question} ({prev.standalone})"
    return question


def rewrite_with_llm(question: str, conversation: Conversation, llm) -> str | None:
    """The LLM's standalone version of a follow-up, or None when it gives nothing usable (then the
    deterministic rewrite is used)."""
    from bot.prompts import render

    history = "\n".join(f"Q: {t.question}\nA: {t.answer.answer.splitlines()[0][:300]}" for t in conversation.turns)
    try:
        out = llm.chat(render("system"), render("condense", history=history, question=question)).strip()
    except Exception:  # any backend failure: fall back, the answer must not depend on this step
        return None
    out = out.splitlines()[0].strip().strip('"') if out else ""
    return out if 3 <= len(out) <= 300 else None
