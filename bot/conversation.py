"""Per-chat memory: the last few turns, bounded, used to resolve follow-up questions."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.answer import Answer


@dataclass
class Turn:
    question: str
    standalone: str  # the question as retrieval saw it (follow-ups rewritten)
    answer: Answer


class Conversation:
    def __init__(self, max_turns: int = 4) -> None:
        self.turns: deque[Turn] = deque(maxlen=max_turns)

    def add(self, answer: Answer) -> None:
        self.turns.append(Turn(answer.question, answer.standalone_question or answer.question, answer))

    def reset(self) -> None:
        self.turns.clear()

    @property
    def last(self) -> Answer | None:
        return self.turns[-1].answer if self.turns else None
