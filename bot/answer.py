"""What an answer is: the reply text, its verified citations and how it was produced."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Mode = Literal["generated", "extractive", "refused"]


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: str | None
    quote: str  # verbatim substring of the article's cleaned text

    @property
    def label(self) -> str:
        """Human name of the source: outlet, else the doc id."""
        return self.source or self.doc_id


@dataclass
class Retrieved:
    doc_id: str
    chunk_id: str
    score: float


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    mode: Mode
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Retrieved] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    corroboration: str | None = None  # e.g. "reported by 4 of 5 sources"
    note: str | None = None  # why a fallback happened, conflicts between outlets, ...
    standalone_question: str | None = None  # the follow-up rewritten for retrieval
    id: str | None = None
    disputed: list[int] = field(default_factory=list)  # citations giving another outlet's differing account

    def to_json(self) -> dict:
        """The stable machine-readable contract of `newsbot ask --json`."""
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "corroboration": self.corroboration,
            "note": self.note,
            "standalone_question": self.standalone_question,
            "citations": [asdict(c) for c in self.citations],
            "disputed": self.disputed,
            "retrieved": [asdict(r) for r in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
